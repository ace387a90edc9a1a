/**
 * The uploader on the batch route, against a small local HTTP fake (the real
 * cloud drives it in cli/src/sync-fault.integration.test.ts): whole session
 * chains per request, each slot handled on its own, a lost answer retried with
 * the same ids, a cloud without the route served one record at a time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Prng } from '@tebura/contract';
import { EdgeMetrics } from '../metrics.js';
import { nodeHarness } from '../testing/node-harness.js';
import { chunkBySession } from './outbox-http.js';
import { OutboxUploader } from './outbox.js';
import type { OutboxRow } from '../store/repo.js';

interface Rec {
  kind: string;
  record: { sessionId: string; receiptId?: string };
}
type Answer = { status: number; body?: unknown } | 'drop';

async function fakeCloud(reply: (path: string, records: Rec[], key: string | undefined) => Answer) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      paths.push(req.url ?? '');
      const body = JSON.parse(data) as { records?: Rec[] } & Rec['record'];
      const records = body.records ?? [{ kind: 'single', record: body }];
      const a = reply(req.url ?? '', records, req.headers['idempotency-key'] as string | undefined);
      if (a === 'drop') return void res.destroy(); // processed, answer lost in transit
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, paths, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function closedSessions(n: number) {
  const h = nodeHarness();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = h.admit(`t${i}`);
    h.delta(`e${i}`, s, 'tea', 1);
    await h.sessions.exit('gate-out', 10 + i);
    ids.push(s);
  }
  return { h, ids };
}

function uploader(h: ReturnType<typeof nodeHarness>, url: string, batchRecordsMax = 50) {
  return new OutboxUploader({
    repo: h.repo, storeId: 'st1', cloud: { url, apiKey: 'secret' }, fetch: globalThis.fetch, clock: h.clock, prng: new Prng(7), metrics: new EdgeMetrics(10),
    log: pino({ level: 'silent' }),
    bounds: { outboxBatchMax: 100, batchRecordsMax, uploadRequestsParallelMax: 2, retryAttemptsPerPassMax: 100, retryBackoffBaseMs: 100, retryBackoffMaxMs: 10_000, httpTimeoutMs: 2000, outboxPollMs: 1000 },
  });
}

const created = (records: Rec[]): Answer => ({ status: 200, body: { results: records.map(() => ({ status: 'created', id: 'x' })) } });

describe('OutboxUploader on the batch route', () => {
  it('sends each session before its receipt in one request and marks every row sent', async () => {
    const seen: Rec[][] = [];
    const cloud = await fakeCloud((_p, records) => (seen.push(records), created(records)));
    closers.push(cloud.close);
    const { h, ids } = await closedSessions(3);
    expect(await uploader(h, cloud.url).drain()).toEqual({ sent: 6, retried: 0, failed: 0 });
    expect(cloud.paths).toEqual(['/v1/stores/st1/records']);
    for (const s of ids) expect(seen[0]!.filter((r) => r.record.sessionId === s).map((r) => r.kind)).toEqual(['session', 'receipt']);
    expect(h.repo.outboxCount('sent')).toBe(6);
  });

  it('retries a batch whose answer was lost with the same records, which the cloud then answers exists', async () => {
    const bodies: string[] = [];
    const cloud = await fakeCloud((_p, records) => {
      bodies.push(JSON.stringify(records));
      return bodies.length === 1 ? 'drop' : { status: 200, body: { results: records.map(() => ({ status: 'exists', id: 'x' })) } };
    });
    closers.push(cloud.close);
    const { h } = await closedSessions(2);
    const u = uploader(h, cloud.url);
    expect(await u.pass()).toEqual({ sent: 0, retried: 4, failed: 0 });
    expect(h.repo.outbox('pending').every((r) => r.last_error?.startsWith('network') === true)).toBe(true);
    h.clock.advance(60_000);
    expect((await u.drain()).sent).toBe(4);
    expect(bodies[1]).toBe(bodies[0]);
  });

  it('handles each slot on its own: in flight retries, a refusal fails and holds back only its session', async () => {
    const cloud = await fakeCloud((_p, records) => ({
      status: 200,
      body: {
        results: records.map((r, i) => {
          if (i === 0) return { status: 'error', error: { code: 'E_IN_FLIGHT', kind: 'conflict' } };
          if (i === 1) return { status: 'error', error: { code: 'E_CLOUD_BATCH_SESSION_BLOCKED', kind: 'conflict' } };
          if (r.kind === 'receipt' && i === 3) return { status: 'error', error: { code: 'E_LEDGER_RECEIPT_TAX', kind: 'unprocessable' } };
          return { status: 'created', id: 'x' };
        }),
      },
    }));
    closers.push(cloud.close);
    const { h, ids } = await closedSessions(3);
    expect(await uploader(h, cloud.url).pass()).toEqual({ sent: 3, retried: 2, failed: 1 });
    const status = (s: string) => h.repo.outbox().filter((r) => r.session_id === s).map((r) => `${r.kind}:${r.status}`);
    expect(status(ids[0]!)).toEqual(['session:pending', 'receipt:pending']);
    expect(status(ids[1]!)).toEqual(['session:sent', 'receipt:failed']);
    expect(status(ids[2]!)).toEqual(['session:sent', 'receipt:sent']);
  });

  it('falls back to one request per record when the cloud has no batch route', async () => {
    const cloud = await fakeCloud((path, _r, key) =>
      path.endsWith('/records') ? { status: 404, body: { code: 'E_NOT_FOUND' } } : { status: 201, body: { status: 'created', id: key } },
    );
    closers.push(cloud.close);
    const { h } = await closedSessions(2);
    expect(await uploader(h, cloud.url).drain()).toEqual({ sent: 4, retried: 0, failed: 0 });
    expect(cloud.paths.filter((p) => !p.endsWith('/records'))).toHaveLength(4);
  });

  it('packs whole session chains into requests of at most batchRecordsMax', () => {
    const row = (n: number, s: string) => ({ n, id: `${s}-${n}`, session_id: s }) as OutboxRow;
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'c'), row(5, 'c'), row(6, 'c'), row(7, 'c')];
    const chunks = chunkBySession(rows, 3).map((c) => c.map((r) => r.n));
    expect(chunks).toEqual([[1, 3, 2], [4, 5, 6]]); // c does not fit beside a and b; its fourth row waits for the next pass
  });
});

describe('OutboxUploader while the cloud is away', () => {
  it('backs off whole drains, so a backlog is not walked once per poll', async () => {
    const cloud = await fakeCloud(() => ({ status: 503, body: { code: 'E_UNAVAILABLE' } }));
    closers.push(cloud.close);
    const { h } = await closedSessions(40);
    const u = new OutboxUploader({
      repo: h.repo, storeId: 'st1', cloud: { url: cloud.url, apiKey: 'k' }, fetch: globalThis.fetch, clock: h.clock, prng: new Prng(3), metrics: new EdgeMetrics(10),
      log: pino({ level: 'silent' }),
      // Rows come due at once on the manual clock; only the drain backoff (real time) spaces the requests.
      bounds: { outboxBatchMax: 10, batchRecordsMax: 10, uploadRequestsParallelMax: 1, retryAttemptsPerPassMax: 10, retryBackoffBaseMs: 400, retryBackoffMaxMs: 400, httpTimeoutMs: 2000, outboxPollMs: 10 },
    });
    u.start();
    await new Promise((r) => setTimeout(r, 700));
    await u.stop();
    // Without the drain backoff: one request per 10 ms poll, dozens. With it: the first, then one per 200-400 ms.
    expect(cloud.paths.length).toBeGreaterThanOrEqual(2);
    expect(cloud.paths.length).toBeLessThanOrEqual(5);
    expect(h.repo.outboxCount('pending')).toBe(80);
  });
});
