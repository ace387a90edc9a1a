/**
 * The shape every long-running process command shares: `--config FILE` (required),
 * `--validate-config` (check, print, exit 0; a bad config throws ConfigError, exit 2),
 * else start, print where it runs, wait for Ctrl-C and close cleanly.
 */
import { resolve } from 'node:path';
import { flagBool, flagString, parseArgs, UsageError } from './args.js';
import type { CommandIO } from './command.js';
import { waitFor } from './wait.js';

export interface ServiceSpec<C> {
  load(path: string): C;
  /** One line for --validate-config. */
  describe(cfg: C): string;
  /** Starts the service; returns where it runs and how to close it. */
  start(cfg: C): Promise<{ banner: string; close(): Promise<void> }>;
}

export async function runService<C>(argv: string[], io: CommandIO, spec: ServiceSpec<C>): Promise<number> {
  const args = parseArgs(argv, ['validate-config']);
  const path = flagString(args, 'config');
  if (path === undefined) throw new UsageError('--config is required');
  const cfg = spec.load(resolve(io.cwd, path));
  if (flagBool(args, 'validate-config')) {
    io.stdout.write(`config ok: ${spec.describe(cfg)}\n`);
    return 0;
  }
  const running = await spec.start(cfg);
  io.stdout.write(`${running.banner}\n`);
  await waitFor(io.signal);
  await running.close();
  return 0;
}
