/**
 * What the live stream costs the node: time spent inside source.emit() (the
 * node's thread) and end-to-end delivery to N real SSE clients on loopback.
 *   npx tsx edge/src/console/testing/bench-sse.ts [clients=16] [events=20000]
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { buildConsoleApp } from '../app.js';
import { FakeConsoleSource } from './fake-source.js';

const BATCH = 200;

function openCounter(base: string, needle: string): Promise<{ count: () => number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/events`, (res) => {
      let n = 0;
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        const s = tail + c;
        n += s.split(needle).length - 1;
        tail = s.slice(-needle.length);
      });
      resolve({ count: () => n, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const clients = Number(process.argv[2] ?? 16);
  const events = Number(process.argv[3] ?? 20_000);
  const source = new FakeConsoleSource('bench');
  const app = await buildConsoleApp(source, { sse: { clientsMax: clients, clientQueueLengthMax: events } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const streams = await Promise.all(Array.from({ length: clients }, () => openCounter(base, 'event: cart\n')));
  while (source.listeners.size === 0) await new Promise((r) => setTimeout(r, 5));
  const cart = { sessionId: 's-1', customerId: 'c-1', guests: 0, openedAt: 0, pendingReviews: 0, lines: [{ sku: 'onigiri-salmon', name: 'Onigiri salmon', quantity: 2, unitPriceMinor: 160 }] };
  let emitMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < events; i += BATCH) {
    const e0 = performance.now();
    for (let j = i; j < Math.min(events, i + BATCH); j++) source.emit({ type: 'cart', cart: { ...cart, openedAt: j } });
    emitMs += performance.now() - e0;
    await new Promise((r) => setImmediate(r)); // let sockets drain, as a real node's event loop would
  }
  while (streams.some((s) => s.count() < events)) await new Promise((r) => setTimeout(r, 5));
  const totalMs = performance.now() - t0;
  const delivered = clients * events;
  process.stdout.write(
    `${clients} clients x ${events} cart events: emit ${(emitMs * 1000 / events).toFixed(1)} us/event in the node, ` +
      `delivered ${delivered} frames in ${totalMs.toFixed(0)} ms (${Math.round(delivered / (totalMs / 1000))} frames/s)\n`,
  );
  for (const s of streams) s.close();
  await app.close();
}

void main();
