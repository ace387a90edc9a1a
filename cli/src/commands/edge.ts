import { dirname, resolve } from 'node:path';
import { loadEdgeConfig, startEdge } from '@tebura/edge';
import { readConfigFile } from '../config-file.js';
import type { Command } from '../command.js';
import { runService } from '../service.js';

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
    '  --config FILE        the edge config (storeId, mqttUrl, dbPath, layout, cloud, console, identity, bounds)',
    '  --validate-config    check the config, print every problem, exit 0 (ok) or 2 (bad)',
  ].join('\n'),
  run: (argv, io) =>
    runService(argv, io, {
      load: readEdgeConfig,
      describe: (cfg) => `store ${cfg.storeId}`,
      start: async (cfg) => {
        const edge = await startEdge(cfg);
        return {
          banner: `edge for store ${cfg.storeId} on ${cfg.mqttUrl}${edge.consoleUrl ? `, console ${edge.consoleUrl}` : ''}`,
          close: () => edge.close(),
        };
      },
    }),
};
