/**
 * Process entry: `tsx cloud/src/serve.ts <config.json>` (or TEBURA_CLOUD_CONFIG
 * holding the JSON). Prints `LISTENING <url>` once ready; exits 2 on a bad config.
 */
import { readFileSync } from 'node:fs';
import { EXIT_BAD_CONFIG, isTeburaError } from '@tebura/contract';
import { loadCloudConfig } from './config.js';
import { startCloud } from './start.js';

async function main(): Promise<void> {
  const path = process.argv[2];
  const raw: unknown = JSON.parse(path === undefined ? (process.env['TEBURA_CLOUD_CONFIG'] ?? '{}') : readFileSync(path, 'utf8'));
  let cfg;
  try {
    cfg = loadCloudConfig(raw, path ?? 'TEBURA_CLOUD_CONFIG');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(isTeburaError(e) ? EXIT_BAD_CONFIG : 1);
  }
  if (process.argv.includes('--validate-config')) return;
  const cloud = await startCloud(cfg);
  process.stdout.write(`LISTENING ${cloud.url}\n`);
  const stop = (): void => {
    cloud.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`cloud failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
