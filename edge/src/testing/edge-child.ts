/**
 * An edge node in its own process, for the kill -9 tests and the soak benchmark:
 * reads a config file, prints READY when subscribed (and, with a cloud, after the
 * first identity pull), closes cleanly on SIGTERM.
 *
 *   edge-child <config.json> [--perception fake|real]
 *
 * `fake` (default) is the node's deterministic stand-in (testing/fake-perception.ts);
 * `real` is the store's perception. With an IPC channel (spawn stdio 'ipc') the
 * parent may send {type: 'mem'}; the child answers {type: 'mem', ...} with its
 * memory after a full GC when started with --expose-gc (retained heap, not garbage).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { startEdge, type EdgeNode } from '../node/edge.js';
import { fakePerceptionFactory } from './fake-perception.js';

export interface MemSample {
  type: 'mem';
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  gc: boolean;
  messages: number;
  sessionsOpen: number;
  receipts: number;
}

function memSample(node: EdgeNode): MemSample {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const m = process.memoryUsage();
  const s = node.stats();
  return {
    type: 'mem', rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external, gc: gc !== undefined,
    messages: s.messages, sessionsOpen: s.sessionsOpen, receipts: s.receipts,
  };
}

async function main(): Promise<void> {
  const [cfgPath, ...opts] = process.argv.slice(2);
  if (cfgPath === undefined) throw new Error('usage: edge-child <config.json> [--perception fake|real]');
  const i = opts.indexOf('--perception');
  const perception = i < 0 ? 'fake' : opts[i + 1];
  if (perception !== 'fake' && perception !== 'real') throw new Error(`--perception must be fake or real, got '${perception}'`);
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { cloud?: unknown };
  const node = await startEdge(cfg, {
    ...(perception === 'fake' ? { perceptionFactory: fakePerceptionFactory } : {}),
    logger: pino({ level: 'warn' }, process.stderr),
  });
  // Palm shoppers enrolled before the start must be in the gallery before they arrive.
  if (cfg.cloud !== undefined) await node.syncIdentity();
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'mem') process.send?.(memSample(node));
  });
  process.stdout.write('READY\n');
  process.once('SIGTERM', () => {
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
  process.exit(1);
});
