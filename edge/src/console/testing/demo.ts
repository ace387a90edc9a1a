/**
 * A console on a fake store, for looking at the UI without a node:
 *   npx tsx edge/src/console/testing/demo.ts [port]
 * Shoppers wander, carts fill, reviews appear. Seeded, so every run looks alike.
 */
import { Prng } from '@tebura/contract';
import { startConsole } from '../app.js';
import { FakeConsoleSource } from './fake-source.js';
import { DemoWorld } from './demo-world.js';

const TICK_MS = 100;

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 8080);
  const source = new FakeConsoleSource('demo-store');
  const world = new DemoWorld(source, new Prng(7));
  world.seed(Date.now());
  const server = await startConsole(source, { host: '127.0.0.1', port, logger: true });
  const timer = setInterval(() => world.tick(Date.now()), TICK_MS);
  process.stdout.write(`console on ${server.url}\n`);
  const stop = (): void => {
    clearInterval(timer);
    void server.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
