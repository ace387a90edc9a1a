/**
 * The uploader against a tiny local HTTP fake of the cloud (the real cloud is
 * another package; its own tests cover the server side of idempotency).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Prng } from '@tebura/contract';
import { EdgeMetrics } from '../metrics.js';
import { nodeHarness } from '../testing/node-harness.js';
import { OutboxUploader, backoffMs } from './outbox.js';

interface Hit {
  path: string;
  key: string;
  auth: string;
  body: { sessionId?: string };
}

type Reply = (hit: Hit) => { status: number; body?: unknown };

async function fakeCloud(reply: Reply) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const hit: Hit = { path: req.url ?? '', key: String(req.headers['idempotency-key']), auth: String(req.headers.authorization), body: JSON.parse(data) as Hit['body'] };
      hits.push(hit);
      const r = reply(hit);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function uploader(h: ReturnType<typeof nodeHarness>, url: string, bounds: Partial<ConstructorParameters<typeof OutboxUploader>[0]['bounds']> = {}) {
  const metrics = new EdgeMetrics(10);
  const u = new OutboxUploader({
    repo: h.repo, storeId: 'st1', cloud: { url, apiKey: 'secret' }, fetch: globalThis.fetch, clock: h.clock, prng: new Prng(7), metrics,
    log: pino({ level: 'silent' }),
    bounds: { outboxBatchMax: 50, batchRecordsMax: 1, uploadRequestsParallelMax: 1, retryAttemptsPerPassMax: 5, retryBackoffBaseMs: 100, retryBackoffMaxMs: 10_000, httpTimeoutMs: 2000, outboxPollMs: 1000, ...bounds },
  });
  return { u, metrics };
}

async function twoClosedSessions(h: ReturnType<typeof nodeHarness>) {
  const a = h.admit('ta');
  const b = h.admit('tb');
  h.delta('e1', a, 'tea', 1);
  await h.sessions.exit('gate-out', 10);
  await h.sessions.exit('gate-out', 11);
  return [a, b] as const;
}

describe('OutboxUploader', () => {
  it('sends every record with its id as Idempotency-Key, receipts after their session', async () => {
    const cloud = await fakeCloud(() => ({ status: 201, body: { status: 'created', id: 'x' } }));
    closers.push(cloud.close);
    const h = nodeHarness();
    const [a, b] = await twoClosedSessions(h);
    const { u } = uploader(h, cloud.url);
    const r = await u.drain();
    expect(r).toEqual({ sent: 4, retried: 0, failed: 0 });
    expect(cloud.hits.every((x) => x.auth === 'Bearer secret')).toBe(true);
    expect(cloud.hits.map((x) => x.key).sort()).toEqual([`r-${a}`, `r-${b}`, a, b].sort());
    for (const s of [a, b]) {
      const order = cloud.hits.filter((x) => x.body.sessionId === s).map((x) => x.path);
      expect(order).toEqual(['/v1/stores/st1/sessions', '/v1/stores/st1/receipts']);
    }
    expect(h.repo.outboxCount('sent')).toBe(4);
  });

  it('retries network errors and 5xx with backoff; loses nothing while the cloud is down', async () => {
    let up = false;
    const cloud = await fakeCloud(() => (up ? { status: 200, body: { status: 'exists', id: 'x' } } : { status: 503, body: { code: 'E_UNAVAILABLE' } }));
    closers.push(cloud.close);
    const h = nodeHarness();
    await twoClosedSessions(h);
    const { u, metrics } = uploader(h, cloud.url);
    const first = await u.pass();
    expect(first).toEqual({ sent: 0, retried: 2, failed: 0 }); // only the two session heads were due
    expect(await u.pass()).toEqual({ sent: 0, retried: 0, failed: 0 }); // not due yet: backoff
    const rows = h.repo.outbox('pending');
    expect(rows).toHaveLength(4);
    expect(rows.filter((r) => r.attempts === 1).every((r) => r.next_attempt_at > h.clock.now())).toBe(true);
    h.clock.advance(60_000);
    up = true;
    expect((await u.drain()).sent).toBe(4);
    expect(metrics.counts.outboxRetries).toBe(2);
    // And a closed port is a network error, retried too.
    const h2 = nodeHarness();
    h2.admit('z');
    const { u: u2 } = uploader(h2, 'http://127.0.0.1:1');
    expect(await u2.pass()).toEqual({ sent: 0, retried: 1, failed: 0 });
    expect(h2.repo.outbox('pending')[0]!.last_error).toMatch(/network/);
  });

  it('409 in flight retries; another 4xx fails permanently, stays visible and blocks its session only', async () => {
    let n = 0;
    const cloud = await fakeCloud((hit) => {
      if (hit.key.startsWith('s-') && n++ === 0) return { status: 409, body: { code: 'E_IN_FLIGHT' } };
      if (hit.path.endsWith('/receipts')) return { status: 422, body: { code: 'E_SCHEMA', message: 'bad' } };
      return { status: 201, body: { status: 'created', id: 'x' } };
    });
    closers.push(cloud.close);
    const h = nodeHarness();
    h.admit('t1');
    await h.sessions.exit('gate-out', 5);
    const { u } = uploader(h, cloud.url);
    expect(await u.pass()).toEqual({ sent: 0, retried: 1, failed: 0 });
    h.clock.advance(60_000);
    await u.drain();
    const failed = h.repo.outbox('failed');
    expect(failed.map((f) => f.kind)).toEqual(['receipt']);
    expect(failed[0]!.last_error).toMatch(/422/);
    expect(h.repo.outboxCount('sent')).toBe(1);
    // Another session is not blocked by that failure.
    h.admit('t2');
    expect((await u.drain()).sent).toBe(1);
  });

  it('bounds a pass by outboxBatchMax and retryAttemptsPerPassMax', async () => {
    const cloud = await fakeCloud(() => ({ status: 500 }));
    closers.push(cloud.close);
    const h = nodeHarness();
    for (let i = 0; i < 6; i++) h.admit(`t${i}`);
    expect(await uploader(h, cloud.url, { retryAttemptsPerPassMax: 2 }).u.pass()).toEqual({ sent: 0, retried: 2, failed: 0 });
    h.clock.advance(60_000);
    const cloud2 = await fakeCloud(() => ({ status: 201, body: { status: 'created', id: 'x' } }));
    closers.push(cloud2.close);
    expect(await uploader(h, cloud2.url, { outboxBatchMax: 4 }).u.pass()).toEqual({ sent: 4, retried: 0, failed: 0 });
  });

  it('backoff grows exponentially with jitter and stays under the max', () => {
    expect(backoffMs(0, 100, 10_000, 0)).toBe(50);
    expect(backoffMs(3, 100, 10_000, 1)).toBe(800);
    expect(backoffMs(40, 100, 10_000, 0.5)).toBe(7500);
  });
});
