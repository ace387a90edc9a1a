/**
 * GET /api/events over a real socket on 127.0.0.1:0 (inject() waits for the end
 * of a response, and an event stream has none). Fake source: the node is another
 * engineer's part; the console only relies on ConsoleSource.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildConsoleApp } from './app.js';
import { FakeConsoleSource } from './testing/fake-source.js';

interface Stream {
  res: IncomingMessage;
  text: () => string;
  waitFor: (needle: string, timeoutMs?: number) => Promise<void>;
  close: () => void;
}

function openStream(base: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/events`, { headers: { accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (buf += c));
      res.on('error', () => undefined); // the test closes streams on purpose
      const waitFor = (needle: string, timeoutMs = 3000) =>
        new Promise<void>((ok, fail) => {
          const t0 = Date.now();
          const check = () => {
            if (buf.includes(needle)) ok();
            else if (Date.now() - t0 > timeoutMs) fail(new Error(`timed out waiting for ${JSON.stringify(needle)} in ${JSON.stringify(buf)}`));
            else setTimeout(check, 5);
          };
          check();
        });
      resolve({ res, text: () => buf, waitFor, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let source: FakeConsoleSource;
let app: FastifyInstance;
let base: string;

beforeEach(async () => {
  source = new FakeConsoleSource(`store-sse-${Math.random().toString(36).slice(2, 8)}`);
  app = await buildConsoleApp(source, { sse: { clientsMax: 2 } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  await app.close();
});

describe('GET /api/events', () => {
  it('frames live events as "event: <type>\\ndata: <json>\\n\\n" with SSE headers', async () => {
    const s = await openStream(base);
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.res.headers['cache-control']).toContain('no-cache');
    await s.waitFor('event: hello\n');
    const cart = { sessionId: 's-1', customerId: 'c', guests: 0, openedAt: 1, lines: [{ sku: 'a', name: 'A\nline', quantity: 2, unitPriceMinor: 100 }], pendingReviews: 0 };
    source.putCart(cart);
    await s.waitFor('event: cart\n');
    const frame = s.text().split('\n\n').find((f) => f.startsWith('event: cart\n'));
    const lines = frame?.split('\n') ?? [];
    // A newline inside a value must not break the frame: exactly one data line.
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]?.replace(/^data: /, '') ?? '')).toEqual({ type: 'cart', cart });
    expect(s.text().startsWith('retry: ')).toBe(true);
    s.close();
  });

  it('throttles a 100 Hz people feed to about 5 per second per client', async () => {
    const s = await openStream(base);
    await s.waitFor('event: hello\n');
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < 1000) {
      source.emit({ type: 'people', people: [{ trackId: 't1', sessionId: null, x: n, y: 0 }], ts: n++ });
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 250));
    const sent = s.text().split('event: people\n').length - 1;
    expect(n).toBeGreaterThan(20);
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(sent).toBeLessThanOrEqual(7);
    // The last snapshot always gets through.
    expect(s.text()).toContain(`"ts":${n - 1}}`);
    s.close();
  });

  it('answers 503 E_CONSOLE_SSE_FULL beyond the bound on concurrent streams', async () => {
    const a = await openStream(base);
    const b = await openStream(base);
    await a.waitFor('hello');
    await b.waitFor('hello');
    const res = await app.inject('/api/events');
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('E_CONSOLE_SSE_FULL');
    a.close();
    b.close();
  });

  it('answers HEAD without opening a stream', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/api/events' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(source.listeners.size).toBe(0);
  });

  it('cleans up on disconnect: client removed, source unsubscribed', async () => {
    const s = await openStream(base);
    await s.waitFor('hello');
    expect(source.listeners.size).toBe(1);
    expect((await app.inject('/healthz')).json().sseClients).toBe(1);
    s.close();
    await until(() => source.listeners.size === 0);
    expect((await app.inject('/healthz')).json().sseClients).toBe(0);
  });

  it('app.close() ends open streams instead of hanging', async () => {
    const s = await openStream(base);
    await s.waitFor('hello');
    const ended = new Promise<void>((r) => s.res.on('close', () => r()));
    await app.close();
    await ended;
    expect(source.listeners.size).toBe(0);
  });
});
