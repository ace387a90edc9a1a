/**
 * 72 hours of trading while the cloud is unreachable, on an injected clock:
 * the store's records queue in a client-side outbox (a small one written for
 * this test; the real edge outbox is another package's), then the cloud comes
 * back and the outbox drains in order. Every receipt must be charged exactly
 * once and, per session, the cloud must see session, receipt, adjustments in
 * that order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudPaths, ManualClock, Prng } from '@tebura/contract';
import { buildCloudApp, type CloudApp } from '../http/app.js';
import { trialBalance } from '../ledger/journal.js';
import { dropSchema, makeAdjustment, makeReceipt, makeSession, randomSuffix, storeKey, testConfig, type Backend } from './fixtures.js';
import type { OutboxItem } from './fault.js';

const HOUR_MS = 3_600_000;
const OUTAGE_MS = 72 * HOUR_MS;
const TICK_MS = 10 * 60_000;
/** The outbox refuses new records past this many, rather than growing without bound. */
const OUTBOX_LENGTH_MAX = 50_000;

class TestOutbox {
  readonly queue: OutboxItem[] = [];
  lengthPeak = 0;
  failedAttempts = 0;
  private nextAttemptMs = 0;
  private backoffMs = 1000;
  static readonly BACKOFF_MS_MAX = 5 * 60_000;

  constructor(
    private readonly clock: ManualClock,
    private readonly send: (item: OutboxItem) => Promise<number>,
  ) {}

  push(item: OutboxItem): void {
    if (this.queue.length >= OUTBOX_LENGTH_MAX) throw new Error('outbox full');
    this.queue.push(item);
    this.lengthPeak = Math.max(this.lengthPeak, this.queue.length);
  }

  /** Sends from the head in order; stops at the first failure and backs off on the injected clock. */
  async flush(): Promise<void> {
    if (this.clock.now() < this.nextAttemptMs) return;
    while (this.queue.length > 0) {
      const status = await this.send(this.queue[0] as OutboxItem).catch(() => 0);
      if (status !== 200 && status !== 201) {
        this.failedAttempts++;
        this.nextAttemptMs = this.clock.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, TestOutbox.BACKOFF_MS_MAX);
        return;
      }
      this.queue.shift();
      this.backoffMs = 1000;
    }
  }
}

export function outageSuite(backend: Backend): void {
  describe(`72 h outage on ${backend}`, () => {
    const cfg = testConfig(backend);
    const clock = new ManualClock(Date.UTC(2026, 10, 1));
    let cloud: CloudApp;
    beforeAll(async () => {
      cloud = await buildCloudApp(cfg, { clock });
    });
    afterAll(async () => {
      await cloud.close();
      await dropSchema(cfg);
    });

    it('charges every receipt exactly once, in order per session, after the cloud returns', async () => {
      const prng = new Prng(72);
      const run = randomSuffix();
      let cloudUp = false;
      const dropPrng = prng.fork('drops');
      const outbox = new TestOutbox(clock, async (item) => {
        if (!cloudUp) throw new Error('ECONNREFUSED');
        const r = await cloud.app.inject({
          method: 'POST',
          url: item.path,
          headers: { authorization: `Bearer ${storeKey('store-a')}`, 'idempotency-key': item.id },
          payload: item.body as object,
        });
        // After recovery 5 % of answers are lost on the way back: the retry must answer exists.
        if (dropPrng.next() < 0.05) throw new Error('response lost');
        return r.statusCode;
      });
      const open: { sessionId: string; customerId: string; closeAt: number }[] = [];
      const expected = new Map<string, number>();
      let n = 0;
      const start = clock.now();
      while (clock.now() - start < OUTAGE_MS) {
        clock.advance(TICK_MS);
        for (let k = prng.int(0, 3); k > 0; k--) {
          const sessionId = `s-${run}-${n++}`;
          const customerId = `c-${prng.int(1, 300)}`;
          open.push({ sessionId, customerId, closeAt: clock.now() + prng.int(2, 30) * 60_000 });
          outbox.push({ kind: 'session', path: CloudPaths.sessions('store-a'), id: sessionId, body: makeSession({ storeId: 'store-a', sessionId, customerId, at: clock.now() }) });
        }
        for (const s of open.filter((o) => o.closeAt <= clock.now())) {
          open.splice(open.indexOf(s), 1);
          const items = Array.from({ length: prng.int(0, 4) }, (_, k) => ({
            sku: `sku-${k}`,
            quantity: prng.int(1, 2),
            unitPriceMinor: prng.int(80, 2500),
            taxClass: prng.next() < 0.6 ? ('food' as const) : ('standard' as const),
          }));
          const receipt = makeReceipt({ storeId: 'store-a', sessionId: s.sessionId, receiptId: `r-${s.sessionId}`, customerId: s.customerId, items, at: clock.now() });
          outbox.push({ kind: 'receipt', path: CloudPaths.receipts('store-a'), id: receipt.receiptId, body: receipt });
          let total = receipt.totalMinor;
          const first = items[0];
          if (first !== undefined && prng.next() < 0.1) {
            const adj = makeAdjustment({ adjustmentId: `a-${s.sessionId}`, receipt, deltas: [{ ...first, quantity: -1 }], at: clock.now() });
            outbox.push({ kind: 'adjustment', path: CloudPaths.adjustments('store-a'), id: adj.adjustmentId, body: adj });
            total += adj.totalMinor;
          }
          expected.set(receipt.receiptId, total);
        }
        await outbox.flush();
      }
      expect(outbox.queue.length).toBeGreaterThan(1000);
      expect(outbox.failedAttempts).toBeGreaterThan(0);
      expect((await cloud.stats()).receipts).toBe(0);
      cloudUp = true;
      for (let i = 0; outbox.queue.length > 0 && i < 100_000; i++) {
        clock.advance(TestOutbox.BACKOFF_MS_MAX);
        await outbox.flush();
      }
      expect(outbox.queue).toEqual([]);

      const db = cloud.ctx.db;
      const rows = await db.all<{ receipt_id: string; total_minor: number; payment_status: string }>('SELECT receipt_id, total_minor, payment_status FROM receipts');
      expect(rows.length).toBe(expected.size);
      // Money actually moved per receipt: captures and charges, minus refunds of its adjustment.
      const moved = await db.all<{ rid: string; s: number }>(
        `SELECT COALESCE(a.receipt_id, p.record_id) AS rid, SUM(CASE WHEN p.op = 'refund' THEN -p.amount_minor ELSE p.amount_minor END) AS s
         FROM payments p LEFT JOIN adjustments a ON a.store_id = p.store_id AND a.adjustment_id = p.record_id
         WHERE p.status = 'ok' AND p.op IN ('capture', 'charge', 'refund') GROUP BY COALESCE(a.receipt_id, p.record_id)`,
      );
      const movedBy = new Map(moved.map((m) => [m.rid, Number(m.s)]));
      for (const r of rows) expect([r.receipt_id, movedBy.get(r.receipt_id) ?? 0]).toEqual([r.receipt_id, expected.get(r.receipt_id)]);
      expect(rows.every((r) => r.payment_status === (Number(r.total_minor) === 0 ? 'voided' : 'captured'))).toBe(true);
      const dupes = await db.all("SELECT idempotency_key FROM sandbox_ops GROUP BY idempotency_key HAVING COUNT(*) > 1");
      expect(dupes).toEqual([]);
      const log = await db.all<{ session_id: string; kind: string; seq: number }>('SELECT session_id, kind, seq FROM ingest_log ORDER BY seq');
      const rank = { session: 0, receipt: 1, adjustment: 2 } as Record<string, number>;
      const lastRank = new Map<string, number>();
      for (const e of log) {
        const r = rank[e.kind] ?? -1;
        expect(r).toBeGreaterThanOrEqual(lastRank.get(e.session_id) ?? 0);
        lastRank.set(e.session_id, r);
      }
      expect(Object.values(await trialBalance(db)).every((v) => v === 0)).toBe(true);
      console.log(
        `outage ${backend}: ${expected.size} receipts over 72 h, outbox peak ${outbox.lengthPeak}, ${outbox.failedAttempts} failed attempts, all charged once`,
      );
    }, 240_000);
  });
}
