import { resolve } from 'node:path';
import { formatEvalReport, formatLivenessReport, identityEval, livenessEval } from '@tebura/models';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command, CommandIO } from '../command.js';

export const command: Command = {
  name: 'identity',
  summary: 'measure face identification on real photos (FNIR at fixed FPIR, failure to acquire)',
  usage: [
    'usage: tebura identity eval --gallery DIR [--probes DIR] [--json]',
    '       tebura identity liveness DIR... [--json]',
    '',
    '  --gallery DIR   photos as <person>/<image>; one image per person is enrolled',
    '                  (several sets: DIR,DIR..., e.g. ../shared/data/faces/set-a,../shared/data/faces/set-c)',
    '  --probes DIR    photos as <person>/<image> to search (default: the gallery\'s other images)',
    '  --json          print one JSON object',
    '',
    '  liveness: live false-reject rate on every photo under DIR/<person>/, and the pass',
    '  rate of SYNTHETIC print/screen/recapture attacks made from them (no spoof data here)',
  ].join('\n'),
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'liveness') return liveness(rest, io);
    if (sub !== 'eval') throw new UsageError(sub === undefined ? 'name an identity subcommand' : `unknown identity subcommand '${sub}'`);
    const a = parseArgs(rest, ['json']);
    const gallery = flagString(a, 'gallery');
    if (gallery === undefined) throw new UsageError('--gallery is required');
    const probes = flagString(a, 'probes');
    const json = flagBool(a, 'json');
    const dirs = (v: string): string[] => v.split(',').filter((d) => d !== '').map((d) => resolve(io.cwd, d));
    const r = await identityEval({
      galleryDir: dirs(gallery),
      ...(probes !== undefined ? { probesDir: dirs(probes) } : {}),
      ...(json ? {} : { onProgress: (d: number, t: number) => io.stderr.write(`\rembedding ${d}/${t}`) }),
    });
    if (!json) io.stderr.write('\n');
    io.stdout.write(json ? `${JSON.stringify(r)}\n` : `${formatEvalReport(r)}\n`);
    return 0;
  },
};

async function liveness(argv: readonly string[], io: CommandIO): Promise<number> {
  const a = parseArgs(argv, ['json']);
  if (a.positionals.length === 0) throw new UsageError('name at least one photo folder');
  const json = flagBool(a, 'json');
  const r = await livenessEval({
    dirs: a.positionals.map((d) => resolve(io.cwd, d)),
    ...(json ? {} : { onProgress: (d: number, t: number) => io.stderr.write(`\rimage ${d}/${t}`) }),
  });
  if (!json) io.stderr.write('\n');
  // The per-image scores are for the sweep; the JSON keeps the summaries.
  const out = { ...r, live: { ...r.live, scores: undefined }, attacks: r.attacks.map((x) => ({ ...x, scores: undefined })) };
  io.stdout.write(json ? `${JSON.stringify(out)}\n` : `${formatLivenessReport(r)}\n`);
  return 0;
}
