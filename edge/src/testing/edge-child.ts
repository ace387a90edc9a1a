/**
 * An edge node in its own process, for the kill -9 test: reads a config file,
 * runs with the node's fake perception (deterministic from message contents),
 * prints READY when subscribed, closes cleanly on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { startEdge } from '../node/edge.js';
import { fakePerceptionFactory } from './fake-perception.js';

async function main(): Promise<void> {
  const cfgPath = process.argv[2];
  if (cfgPath === undefined) throw new Error('usage: edge-child <config.json>');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as unknown;
  const node = await startEdge(cfg, { perceptionFactory: fakePerceptionFactory, logger: pino({ level: 'warn' }, process.stderr) });
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
