import { loadCloudConfig, startCloud } from '@tebura/cloud';
import type { Command } from '../command.js';
import { readConfigFile } from '../config-file.js';
import { runService } from '../service.js';

export const command: Command = {
  name: 'cloud',
  summary: 'run the cloud ledger service',
  usage: [
    'usage: tebura cloud --config <cloud.yaml|json> [--validate-config]',
    '',
    '  --config FILE        the cloud config; DATABASE_URL in the environment selects PostgreSQL',
    '  --validate-config    check the config, print every problem, exit 0 (ok) or 2 (bad)',
  ].join('\n'),
  run: (argv, io) =>
    runService(argv, io, {
      load: (path) => loadCloudConfig(readConfigFile(path), path),
      describe: (cfg) => `${cfg.stores.length} store(s), ${cfg.databaseUrl ? 'PostgreSQL' : `SQLite ${cfg.dbPath}`}`,
      start: async (cfg) => {
        const cloud = await startCloud(cfg);
        return { banner: `cloud ledger on ${cloud.url} (OpenAPI at ${cloud.url}/docs)`, close: () => cloud.close() };
      },
    }),
};
