import { resolve } from 'node:path';
import { flagNumber, flagString, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { startEmbeddedBroker } from '../broker.js';
import { REPO_ROOT, SCENARIO_DIR } from '../paths.js';

/** Soak defaults: 70 min of arrivals (Poisson: the last comes early by chance; >= 60 min of trading), about 3 wall minutes at 30x, a sample every 5 simulated minutes. */
const SOAK_MINUTES_DEFAULT = 70;
const SOAK_SPEED_DEFAULT = 30;
const SOAK_EVERY_MIN_DEFAULT = 5;

const USAGE = [
  'usage: tebura bench <edge|ledger|identity|sim|perception> [options]',
  '',
  '  edge [--broker URL] [--messages N] [--rate R]',
  '                                       edge ingest vs a raw MQTT.js subscriber on the same broker, same run (ratio);',
  '                                       --rate paces the publisher at R msgs/s on its own thread (does the edge keep up?)',
  '                                       default broker: Mosquitto at mqtt://127.0.0.1:1883 if reachable, else embedded',
  '  identity [--images DIR] [--iterations N]   face gate decision p50/p95 at 1k/10k/100k, palm 1:N at 1M',
  '  ledger [--receipts N] [--pg URL]     cloud receipt ingest vs raw inserts of the same rows, SQLite and PostgreSQL',
  '                                       (PostgreSQL: --pg, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)',
  '  sim [scenario.yaml]                  simulator generator throughput (no broker), messages/s',
  '  perception                           perception alone: weight packets/s through onWeight',
  '  soak [scenario.yaml] [--minutes N] [--speed N] [--every N] [--seed N] [--broker URL]',
  `                                       edge child process (real perception) fed a busy day: RSS and heap`,
  `                                       after GC every N simulated minutes, end/start ratios (default 11-busy-hour,`,
  `                                       ${SOAK_MINUTES_DEFAULT} min at ${SOAK_SPEED_DEFAULT}x, every ${SOAK_EVERY_MIN_DEFAULT} min)`,
].join('\n');

async function brokerUrlFor(flag: string | undefined): Promise<{ url: string; close: () => Promise<void> }> {
  if (flag !== undefined) return { url: flag, close: async () => undefined };
  const mqtt = await import('mqtt');
  try {
    const c = await mqtt.default.connectAsync('mqtt://127.0.0.1:1883', { connectTimeout: 1000, reconnectPeriod: 0, protocolVersion: 4 });
    await c.endAsync();
    return { url: 'mqtt://127.0.0.1:1883', close: async () => undefined };
  } catch {
    const b = await startEmbeddedBroker();
    return { url: b.url, close: () => b.close() };
  }
}

export const command: Command = {
  name: 'bench',
  summary: 'benchmarks that print numbers: edge throughput, identity latency, simulator throughput',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const a = parseArgs(rest);
    const print = (o: unknown): void => {
      io.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
    };
    switch (sub) {
      case 'edge': {
        const { benchNode } = await import('@tebura/edge/testing/bench-node');
        const broker = await brokerUrlFor(flagString(a, 'broker'));
        try {
          const r = await benchNode(broker.url, flagNumber(a, 'messages') ?? 50_000, flagNumber(a, 'rate'));
          print({ broker: broker.url, ...r });
        } finally {
          await broker.close();
        }
        return 0;
      }
      case 'identity': {
        const { benchIdentity, formatBenchReport } = await import('@tebura/models');
        const imagesDir = resolve(io.cwd, flagString(a, 'images') ?? resolve(REPO_ROOT, '..', 'shared', 'data', 'faces', 'set-c'));
        const iterations = flagNumber(a, 'iterations');
        const r = await benchIdentity({
          imagesDir, onProgress: (l) => io.stderr.write(`${l}\n`),
          ...(iterations !== undefined ? { iterations } : {}),
        });
        io.stdout.write(`${formatBenchReport(r)}\n`);
        return 0;
      }
      case 'ledger': {
        const { benchLedger } = await import('@tebura/cloud');
        const receipts = flagNumber(a, 'receipts');
        const rows = await benchLedger({
          databaseUrl: flagString(a, 'pg') ?? io.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
          log: (l: string) => io.stderr.write(`${l}\n`),
          ...(receipts !== undefined ? { receipts } : {}),
        });
        print(rows);
        return 0;
      }
      case 'sim': {
        const { benchGenerator } = await import('@tebura/sim');
        const p = a.positionals[0];
        print(p === undefined ? benchGenerator() : benchGenerator(resolve(io.cwd, p)));
        return 0;
      }
      case 'perception': {
        const { benchPerception } = await import('@tebura/edge/perception/bench');
        print(benchPerception({ print: false }));
        return 0;
      }
      case 'soak': {
        const { soak } = await import('../soak.js');
        const broker = await brokerUrlFor(flagString(a, 'broker'));
        const seed = flagNumber(a, 'seed');
        try {
          const r = await soak({
            scenarioPath: resolve(io.cwd, a.positionals[0] ?? resolve(SCENARIO_DIR, '11-busy-hour.yaml')), brokerUrl: broker.url,
            minutes: flagNumber(a, 'minutes') ?? SOAK_MINUTES_DEFAULT, speed: flagNumber(a, 'speed') ?? SOAK_SPEED_DEFAULT,
            sampleEveryMin: flagNumber(a, 'every') ?? SOAK_EVERY_MIN_DEFAULT, log: (l) => io.stderr.write(`${l}\n`),
            ...(seed !== undefined ? { seed } : {}),
          });
          print({ broker: broker.url, ...r });
        } finally {
          await broker.close();
        }
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? 'name a benchmark' : `unknown benchmark '${sub}'`);
    }
  },
};
