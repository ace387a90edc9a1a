import { describe, expect, it } from 'vitest';
import { ManualClock } from '@tebura/contract';
import { trialBalance } from '../ledger/journal.js';
import { ADMIN_KEY, makeReceipt, makeSession, storeKey, testConfig, type Backend } from '../testing/fixtures.js';
import { useCloudApp } from '../testing/use-cloud-app.js';

const HOLD_TTL_MS = 3_600_000;
const store = { authorization: `Bearer ${storeKey('store-a')}` };
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

export function holdsSuite(backend: Backend): void {
  describe(`hold expiry on ${backend}`, () => {
    const cfg = testConfig(backend, { holdTtlMs: HOLD_TTL_MS });
    const clock = new ManualClock(1_700_000_000_000);
    const cloud = useCloudApp(cfg, { clock });

    const post = (kind: 'sessions' | 'receipts', id: string, payload: object) =>
      cloud().app.inject({ method: 'POST', url: `/v1/stores/store-a/${kind}`, headers: { ...store, 'idempotency-key': id }, payload });
    const sweep = async () => (await cloud().app.inject({ method: 'POST', url: '/v1/admin/payments/sweep', headers: admin })).json() as { holdsExpired: number };
    const receipt = (sid: string) => makeReceipt({ storeId: 'store-a', sessionId: sid, receiptId: `r-${sid}`, customerId: 'c-h', items: [{ sku: 'tea', quantity: 2, unitPriceMinor: 200, taxClass: 'food' }] });

    it('voids a hold whose session has no receipt after holdTtlMs, once; a late receipt is then charged in full', async () => {
      for (const sid of ['h1', 'h2', 'h3']) expect((await post('sessions', sid, makeSession({ storeId: 'store-a', sessionId: sid, customerId: 'c-h' }))).json().payment).toEqual({ status: 'pending' });
      expect((await post('receipts', 'r-h3', receipt('h3'))).json().payment.status).toBe('captured');
      clock.advance(HOLD_TTL_MS - 1000);
      expect(await sweep()).toMatchObject({ holdsExpired: 0 });
      clock.advance(2000);
      expect(await sweep()).toMatchObject({ holdsExpired: 2 }); // h3's hold was captured by its receipt
      expect(await sweep()).toMatchObject({ holdsExpired: 0 });
      const db = cloud().ctx.db;
      const sessions = await db.all<{ session_id: string; auth_status: string }>("SELECT session_id, auth_status FROM sessions WHERE session_id LIKE 'h%' ORDER BY session_id");
      expect(sessions.map((s) => `${s.session_id}:${s.auth_status}`)).toEqual(['h1:expired', 'h2:expired', 'h3:authorized']);
      const voids = await db.all<{ record_id: string; amount_minor: number }>("SELECT record_id, amount_minor FROM payments WHERE op = 'void' AND status = 'ok' ORDER BY record_id");
      expect(voids.map((v) => [v.record_id, Number(v.amount_minor)])).toEqual([['h1', 3000], ['h2', 3000]]);
      expect(await db.all("SELECT idempotency_key FROM sandbox_ops WHERE op = 'void' GROUP BY idempotency_key HAVING COUNT(*) > 1")).toEqual([]);
      // The edge retrying the session record learns the hold is gone.
      const again = await post('sessions', 'h1', makeSession({ storeId: 'store-a', sessionId: 'h1', customerId: 'c-h' }));
      expect([again.statusCode, again.json().payment]).toEqual([200, { status: 'voided', reason: 'hold expired' }]);
      // A receipt arriving after the expiry (the edge was offline) is charged, not captured against the voided hold.
      expect((await post('receipts', 'r-h2', receipt('h2'))).json().payment.status).toBe('captured');
      const ops = await db.all<{ op: string; amount_minor: number }>("SELECT op, amount_minor FROM payments WHERE record_id = 'r-h2' AND status = 'ok'");
      expect(ops.map((o) => [o.op, Number(o.amount_minor)])).toEqual([['charge', 432]]);
      expect(Object.values(await trialBalance(db)).every((v) => v === 0)).toBe(true);
      const standing = await cloud().app.inject({ method: 'GET', url: '/v1/customers/c-h/standing', headers: admin });
      expect(standing.json()).toEqual({ unpaidMinor: 0, disputed: false });
    });
  });
}
