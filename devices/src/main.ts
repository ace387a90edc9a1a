/**
 * `tebura-gateway`: runs one SerialLoadCellGateway from a JSON config file.
 *   --config <file>      the gateway config (GatewayConfig schema)
 *   --validate-config    check the config, print every error with its path, exit
 * Exit codes: 0 clean stop, 1 runtime failure, 2 bad config (EXIT_BAD_CONFIG), so a
 * service manager can tell a config mistake from a crash.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, EXIT_BAD_CONFIG } from '@tebura/contract';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { SerialLoadCellGateway, type GatewayDeps } from './gateway.js';

export interface MainIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process should stop (SIGINT/SIGTERM in production). */
  stopSignal: Promise<unknown>;
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function readConfig(file: string): Promise<Readonly<GatewayConfig>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot read JSON: ${(e as Error).message}` }]);
  }
  return loadGatewayConfig(raw, file);
}

export async function main(argv: readonly string[], io: MainIo, deps: GatewayDeps = {}): Promise<number> {
  const file = argValue(argv, '--config');
  if (file === undefined) {
    io.err('usage: tebura-gateway --config <file.json> [--validate-config]');
    return EXIT_BAD_CONFIG;
  }
  let cfg: Readonly<GatewayConfig>;
  try {
    cfg = await readConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(e.message);
    return EXIT_BAD_CONFIG;
  }
  if (argv.includes('--validate-config')) {
    io.out(`config ok: ${file} (store ${cfg.storeId}, device ${cfg.deviceId}, ${cfg.profile.plates.length} plates)`);
    return 0;
  }
  const gateway = new SerialLoadCellGateway(cfg, deps);
  try {
    await gateway.start();
  } catch (e) {
    io.err(`gateway failed to start: ${(e as Error).message}`);
    return 1;
  }
  await io.stopSignal;
  await gateway.stop();
  io.out(JSON.stringify({ stopped: true, counters: gateway.counters() }));
  return 0;
}
