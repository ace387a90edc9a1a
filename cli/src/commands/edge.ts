import { dirname, resolve } from 'node:path';
import { loadEdgeConfig, startEdge } from '@tebura/edge';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import { readConfigFile } from '../config-file.js';
import { waitFor } from '../wait.js';
import type { Command } from '../command.js';

/** Reads an edge config file; a layout given as a path is read relative to the config (JSON or YAML). */
export function readEdgeConfig(path: string): ReturnType<typeof loadEdgeConfig> {
  const raw = readConfigFile(path) as Record<string, unknown> | null;
  const doc = { ...(raw ?? {}) };
  if (typeof doc['layout'] === 'string') doc['layout'] = readConfigFile(resolve(dirname(path), doc['layout']));
  return loadEdgeConfig(doc, path);
}

export const command: Command = {
  name: 'edge',
  summary: "run one store's edge node",
  usage: [
    'usage: tebura edge --config <edge.yaml|json> [--validate-config]',
    '',
    '  --config FILE        the edge config (storeId, mqttUrl, dbPath, layout, cloud, console, bounds)',
    '  --validate-config    check the config, print every problem, exit 0 (ok) or 2 (bad)',
  ].join('\n'),
  async run(argv, io) {
    const args = parseArgs(argv, ['validate-config']);
    const path = flagString(args, 'config');
    if (path === undefined) throw new UsageError('--config is required');
    const cfg = readEdgeConfig(resolve(io.cwd, path));
    if (flagBool(args, 'validate-config')) {
      io.stdout.write(`config ok: store ${cfg.storeId}\n`);
      return 0;
    }
    const edge = await startEdge(cfg);
    io.stdout.write(`edge for store ${cfg.storeId} on ${cfg.mqttUrl}${edge.consoleUrl ? `, console ${edge.consoleUrl}` : ''}\n`);
    await waitFor(io.signal);
    await edge.close();
    return 0;
  },
};
