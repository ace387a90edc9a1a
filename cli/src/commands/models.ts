import { resolve } from 'node:path';
import { buildModels, DEFAULT_MODELS_DIR } from '@tebura/models';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'models',
  summary: 'build the ONNX models from npm-shipped weights (nothing is downloaded)',
  usage: [
    'usage: tebura models build [--out DIR] [--force]',
    '',
    `  --out DIR   where the .onnx files and manifests go (default ${DEFAULT_MODELS_DIR})`,
    '  --force     rebuild even when the manifests say the files are up to date',
  ].join('\n'),
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== 'build') throw new UsageError(sub === undefined ? 'name a models subcommand' : `unknown models subcommand '${sub}'`);
    const a = parseArgs(rest, ['force']);
    const out = flagString(a, 'out');
    const r = await buildModels({
      force: flagBool(a, 'force'),
      onProgress: (p) => io.stderr.write(`${JSON.stringify(p)}\n`),
      ...(out !== undefined ? { outDir: resolve(io.cwd, out) } : {}),
    });
    io.stdout.write(`models in ${r.outDir}: built ${r.built.join(', ') || 'none'}; up to date ${r.skipped.join(', ') || 'none'}\n`);
    return 0;
  },
};
