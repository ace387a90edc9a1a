import { resolve } from 'node:path';
import { loadCloudConfig, startCloud } from '@tebura/cloud';
import { flagBool, flagString, parseArgs, UsageError } from '../args.js';
import { readConfigFile } from '../config-file.js';
import { waitFor } from '../wait.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'cloud',
  summary: 'run the cloud ledger service',
  usage: [
    'usage: tebura cloud --config <cloud.yaml|json> [--validate-config]',
    '',
    '  --config FILE        the cloud config; DATABASE_URL in the environment selects PostgreSQL',
    '  --validate-config    check the config, print every problem, exit 0 (ok) or 2 (bad)',
  ].join('\n'),
  async run(argv, io) {
    const args = parseArgs(argv, ['validate-config']);
    const path = flagString(args, 'config');
    if (path === undefined) throw new UsageError('--config is required');
    const abs = resolve(io.cwd, path);
    const cfg = loadCloudConfig(readConfigFile(abs), abs);
    if (flagBool(args, 'validate-config')) {
      io.stdout.write(`config ok: ${cfg.stores.length} store(s), ${cfg.databaseUrl ? 'PostgreSQL' : `SQLite ${cfg.dbPath}`}\n`);
      return 0;
    }
    const cloud = await startCloud(cfg);
    io.stdout.write(`cloud ledger on ${cloud.url} (OpenAPI at ${cloud.url}/docs)\n`);
    await waitFor(io.signal);
    await cloud.close();
    return 0;
  },
};
