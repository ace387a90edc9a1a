import { resolve } from 'node:path';
import { formatEvalReport, identityEval } from '@tebura/models';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'identity',
  summary: 'measure face identification on real photos (FNIR at fixed FPIR, failure to acquire)',
  usage: [
    'usage: tebura identity eval --gallery DIR [--probes DIR] [--json]',
    '',
    '  --gallery DIR   photos as <person>/<image>; one image per person is enrolled',
    '  --probes DIR    photos as <person>/<image> to search (default: the gallery\'s other images)',
    '  --json          print one JSON object',
  ].join('\n'),
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'eval') throw new UsageError(sub === undefined ? 'name an identity subcommand' : `unknown identity subcommand '${sub}'`);
    const a = parseArgs(rest, ['json']);
    const gallery = flagString(a, 'gallery');
    if (gallery === undefined) throw new UsageError('--gallery is required');
    const probes = flagString(a, 'probes');
    const json = flagBool(a, 'json');
    const r = await identityEval({
      galleryDir: resolve(io.cwd, gallery),
      ...(probes !== undefined ? { probesDir: resolve(io.cwd, probes) } : {}),
      ...(json ? {} : { onProgress: (d: number, t: number) => io.stderr.write(`\rembedding ${d}/${t}`) }),
    });
    if (!json) io.stderr.write('\n');
    io.stdout.write(json ? `${JSON.stringify(r)}\n` : `${formatEvalReport(r)}\n`);
    return 0;
  },
};
