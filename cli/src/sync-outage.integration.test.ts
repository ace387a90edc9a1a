/**
 * 72 hours of trading while the cloud is unreachable, on one injected clock:
 * the edge's own sessions and carts close receipts (and some post-exit review
 * corrections) into the edge's SQLite outbox, and the edge's OutboxUploader
 * keeps trying through a proxy that refuses every connection. Then the cloud
 * (started by its own start path, on real HTTP) becomes reachable, 5 % of its
 * answers are lost on the way back, and the outbox drains. Every receipt must
 * be charged exactly once and, per session, the cloud must see session, receipt,
 * adjustments in that order. On SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock, Prng, type Adjustment, type Receipt } from '@tebura/contract';
import { startCloud } from '@tebura/cloud';
import { openDb as openCloudDb } from '@tebura/cloud/db/open';
import { trialBalance } from '@tebura/cloud/ledger/journal';
import { DroppingProxy } from '@tebura/cloud/testing/fault';
import { dropSchema, storeKey, testConfig, type Backend } from '@tebura/cloud/testing/fixtures';
import { EdgeMetrics } from '@tebura/edge/metrics';
import { OutboxUploader } from '@tebura/edge/sync/outbox';
import { nodeHarness } from '@tebura/edge/testing/node-harness';

const HOUR_MS = 3_600_000;
const OUTAGE_MS = 72 * HOUR_MS;
const TICK_MS = 10 * 60_000;
const STORE = 'store-a';
const SKUS = ['onigiri', 'tea', 'battery', 'umbrella'];
/** Upload passes allowed for the recovery; far more than needed, so a stuck outbox fails the test instead of hanging it. */
const RECOVERY_PASSES_MAX = 5_000;
const backends: Backend[] = ['sqlite', 'pg'];

describe.each(backends)('72 h outage, edge outbox to the cloud, on %s', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'tebura-outage-'));
  const cfg = testConfig(backend, backend === 'sqlite' ? { dbPath: join(dir, 'ledger.sqlite') } : {});
  afterAll(async () => {
    await dropSchema(cfg);
    rmSync(dir, { recursive: true, force: true });
  });

  it('charges every receipt exactly once, in order per session, after the cloud returns', async () => {
    const prng = new Prng(72);
    const h = nodeHarness(join(dir, 'edge.sqlite'), STORE);
    const clock = h.clock as ManualClock;
    const cloud = await startCloud(cfg, { clock });
    const proxy = new DroppingProxy(prng.fork('drops'), 0.05);
    const proxyUrl = await proxy.listen(); // target '' = every connection refused: the cloud is down
    const metrics = new EdgeMetrics(100);
    const u = new OutboxUploader({
      repo: h.repo, storeId: STORE, cloud: { url: proxyUrl, apiKey: storeKey(STORE) }, fetch: globalThis.fetch, clock, prng: prng.fork('uploader'), metrics,
      log: pino({ level: 'silent' }),
      bounds: { outboxBatchMax: 100, batchRecordsMax: 20, uploadRequestsParallelMax: 2, retryAttemptsPerPassMax: 5, retryBackoffBaseMs: 1000, retryBackoffMaxMs: 5 * 60_000, httpTimeoutMs: 10_000, outboxPollMs: 1000 },
    });
    try {
      const open: { sessionId: string; closeAt: number }[] = [];
      let n = 0;
      const start = clock.now();
      while (clock.now() - start < OUTAGE_MS) {
        clock.advance(TICK_MS);
        for (let k = prng.int(0, 3); k > 0; k--, n++) {
          const sessionId = h.admit(`t${n}`, `c-${prng.int(1, 300)}`);
          for (let p = prng.int(0, 4); p > 0; p--) h.delta(`e${n}-${p}`, sessionId, SKUS[prng.int(0, SKUS.length - 1)] as string, 1);
          open.push({ sessionId, closeAt: clock.now() + prng.int(2, 30) * 60_000 });
        }
        for (const s of open.filter((o) => o.closeAt <= clock.now())) {
          open.splice(open.indexOf(s), 1);
          const receipt = h.sessions.close(s.sessionId);
          const first = receipt?.lines[0];
          // One in ten: a reviewer removes an item after exit, which the edge queues as an adjustment.
          if (first !== undefined && prng.next() < 0.1) {
            h.repo.insertReview(`rv-${s.sessionId}`, `ev-${s.sessionId}`, s.sessionId, 'post-exit check', clock.now(), {});
            h.sessions.resolveReview(`rv-${s.sessionId}`, { sessionId: s.sessionId, lines: [{ sku: first.sku, quantityDelta: -1 }], resolvedBy: 'test' });
          }
        }
        await u.drain();
      }
      const peak = h.repo.outboxCount('pending');
      expect(peak).toBeGreaterThan(1000);
      expect(metrics.counts.outboxRetries).toBeGreaterThan(0);
      expect((await cloud.stats()).receipts).toBe(0);

      proxy.target = cloud.url;
      let passes = 0;
      for (; h.repo.outboxCount('pending') > 0 && passes < RECOVERY_PASSES_MAX; passes++) {
        clock.advance(60_000);
        await u.drain();
      }
      expect([h.repo.outboxCount('pending'), h.repo.outboxCount('failed')]).toEqual([0, 0]);
      expect(proxy.dropped).toBeGreaterThan(0);

      const expected = new Map<string, number>();
      for (const row of h.repo.outbox()) {
        if (row.kind === 'receipt') expected.set(row.id, (expected.get(row.id) ?? 0) + (JSON.parse(row.record) as Receipt).totalMinor);
        if (row.kind === 'adjustment') {
          const a = JSON.parse(row.record) as Adjustment;
          expected.set(a.receiptId, (expected.get(a.receiptId) ?? 0) + a.totalMinor);
        }
      }
      await checkCloud(cfg, expected);
      console.log(
        `outage ${backend}: ${expected.size} receipts over 72 h, outbox peak ${peak} rows, ${metrics.counts.outboxRetries} row retries, ` +
          `${passes} recovery passes, ${proxy.dropped} answers dropped; all charged once`,
      );
    } finally {
      await proxy.close();
      await cloud.close();
      h.repo.db.close();
    }
  }, 300_000);
});

async function checkCloud(cfg: Parameters<typeof openCloudDb>[0], expected: ReadonlyMap<string, number>): Promise<void> {
  const db = await openCloudDb(cfg, 0);
  try {
    const rows = await db.all<{ receipt_id: string; total_minor: number; payment_status: string }>('SELECT receipt_id, total_minor, payment_status FROM receipts');
    expect(rows.length).toBe(expected.size);
    // Money actually moved per receipt: captures and charges, minus refunds of its adjustments.
    const moved = await db.all<{ rid: string; s: number }>(
      `SELECT COALESCE(a.receipt_id, p.record_id) AS rid, SUM(CASE WHEN p.op = 'refund' THEN -p.amount_minor ELSE p.amount_minor END) AS s
       FROM payments p LEFT JOIN adjustments a ON a.store_id = p.store_id AND a.adjustment_id = p.record_id
       WHERE p.status = 'ok' AND p.op IN ('capture', 'charge', 'refund') GROUP BY COALESCE(a.receipt_id, p.record_id)`,
    );
    const movedBy = new Map(moved.map((m) => [m.rid, Number(m.s)]));
    for (const r of rows) expect([r.receipt_id, movedBy.get(r.receipt_id) ?? 0]).toEqual([r.receipt_id, expected.get(r.receipt_id)]);
    expect(rows.filter((r) => r.payment_status !== (Number(r.total_minor) === 0 ? 'voided' : 'captured'))).toEqual([]);
    expect(await db.all('SELECT idempotency_key FROM sandbox_ops GROUP BY idempotency_key HAVING COUNT(*) > 1')).toEqual([]);
    const log = await db.all<{ session_id: string; kind: string }>('SELECT session_id, kind FROM ingest_log ORDER BY seq');
    const rank: Record<string, number> = { session: 0, receipt: 1, adjustment: 2 };
    const lastRank = new Map<string, number>();
    const outOfOrder = log.filter((e) => {
      const r = rank[e.kind] ?? -1;
      const bad = r < (lastRank.get(e.session_id) ?? 0);
      lastRank.set(e.session_id, r);
      return bad;
    });
    expect(outOfOrder).toEqual([]);
    expect(Object.values(await trialBalance(db)).every((v) => v === 0)).toBe(true);
  } finally {
    await db.close();
  }
}
