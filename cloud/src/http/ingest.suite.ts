import { describe, expect, it } from 'vitest';
import { ManualClock } from '@tebura/contract';
import { buildCloudApp } from './app.js';
import { trialBalance } from '../ledger/journal.js';
import { makeAdjustment, makeReceipt, makeSession, storeKey, testConfig, type Backend } from '../testing/fixtures.js';
import { useCloudApp } from '../testing/use-cloud-app.js';


export function ingestSuite(backend: Backend): void {
describe(`record ingest on ${backend}`, () => {
  const cfg = testConfig(backend);
  const clock = new ManualClock(1_700_000_000_000);
  const auth = { authorization: `Bearer ${storeKey('store-a')}` };

  const cloud = useCloudApp(cfg, { clock });

  const post = (path: string, id: string, body: unknown, headers: Record<string, string> = auth) =>
    cloud().app.inject({ method: 'POST', url: path, headers: { ...headers, 'idempotency-key': id }, payload: body as object });

  const items = [
    { sku: 'onigiri', quantity: 2, unitPriceMinor: 150, taxClass: 'food' as const },
    { sku: 'umbrella', quantity: 1, unitPriceMinor: 999, taxClass: 'standard' as const },
  ];

  it('captures a receipt against the session hold and answers exists on retry', async () => {
    const s = makeSession({ storeId: 'store-a', sessionId: 's1', customerId: 'cust-1' });
    const r1 = await post('/v1/stores/store-a/sessions', 's1', s);
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toEqual({ status: 'created', id: 's1', payment: { status: 'pending' } });
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's1', receiptId: 'r1', customerId: 'cust-1', items });
    expect(rec.totalMinor).toBe(300 + 24 + 999 + 99);
    const a = await post('/v1/stores/store-a/receipts', 'r1', rec);
    expect(a.statusCode).toBe(201);
    expect(a.json()).toEqual({ status: 'created', id: 'r1', payment: { status: 'captured' } });
    const b = await post('/v1/stores/store-a/receipts', 'r1', rec);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual({ status: 'exists', id: 'r1', payment: { status: 'captured' } });
    const stats = await cloud().stats();
    expect(stats.chargedTotalMinor).toBe(rec.totalMinor);
  });

  it('charges the rest when the cart exceeds the hold', async () => {
    await post('/v1/stores/store-a/sessions', 's2', makeSession({ storeId: 'store-a', sessionId: 's2', customerId: 'cust-2' }));
    const big = makeReceipt({ storeId: 'store-a', sessionId: 's2', receiptId: 'r2', customerId: 'cust-2', items: [{ sku: 'wine', quantity: 3, unitPriceMinor: 2000, taxClass: 'standard' }] });
    const a = await post('/v1/stores/store-a/receipts', 'r2', big);
    expect(a.json().payment).toEqual({ status: 'captured' });
    const ops = await cloud().ctx.db.all<{ op: string; amount_minor: number }>("SELECT op, amount_minor FROM payments WHERE record_id = 'r2' ORDER BY op");
    expect(ops.map((o) => [o.op, Number(o.amount_minor)])).toEqual([['capture', 3000], ['charge', big.totalMinor - 3000]]);
  });

  it('voids the hold for an empty receipt', async () => {
    await post('/v1/stores/store-a/sessions', 's3', makeSession({ storeId: 'store-a', sessionId: 's3', customerId: 'cust-3' }));
    const empty = makeReceipt({ storeId: 'store-a', sessionId: 's3', receiptId: 'r3', customerId: 'cust-3', items: [] });
    const a = await post('/v1/stores/store-a/receipts', 'r3', empty);
    expect(a.statusCode).toBe(201);
    expect(a.json().payment).toEqual({ status: 'voided' });
  });

  it('leaves a declined receipt unpaid and visible in standing', async () => {
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's4', receiptId: 'r4', customerId: 'cust-decline-4', items });
    const a = await post('/v1/stores/store-a/receipts', 'r4', rec);
    expect(a.statusCode).toBe(201);
    expect(a.json().payment).toEqual({ status: 'failed', reason: 'card declined' });
    const st = await cloud().app.inject({ method: 'GET', url: '/v1/customers/cust-decline-4/standing', headers: auth });
    expect(st.json()).toEqual({ unpaidMinor: rec.totalMinor, disputed: false });
  });

  it('keeps a timed-out capture pending and settles it on retry with the same key', async () => {
    let calls = 0;
    const flaky = await buildCloudApp(testConfig('sqlite'), { clock, sandboxScript: (op) => (op === 'charge' && ++calls === 1 ? 'timeout' : undefined) });
    try {
      const rec = makeReceipt({ storeId: 'store-a', sessionId: 's5', receiptId: 'r5', customerId: 'cust-5', items });
      const h = { ...auth, 'idempotency-key': 'r5' };
      const a = await flaky.app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: h, payload: rec });
      expect(a.json()).toEqual({ status: 'created', id: 'r5', payment: { status: 'pending', reason: 'timeout' } });
      const b = await flaky.app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: h, payload: rec });
      expect(b.json()).toEqual({ status: 'exists', id: 'r5', payment: { status: 'captured' } });
      expect((await flaky.stats()).chargedTotalMinor).toBe(rec.totalMinor);
    } finally {
      await flaky.close();
    }
  });

  it('refunds a negative adjustment and charges a positive one', async () => {
    await post('/v1/stores/store-a/sessions', 's6', makeSession({ storeId: 'store-a', sessionId: 's6', customerId: 'cust-6' }));
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's6', receiptId: 'r6', customerId: 'cust-6', items });
    await post('/v1/stores/store-a/receipts', 'r6', rec);
    const refund = makeAdjustment({ adjustmentId: 'a6', receipt: rec, deltas: [{ ...items[0]!, quantity: -1 }] });
    expect(refund.totalMinor).toBe(-(150 + 12));
    const a = await post('/v1/stores/store-a/adjustments', 'a6', refund);
    expect(a.statusCode).toBe(201);
    expect(a.json().payment).toEqual({ status: 'refunded' });
    const extra = makeAdjustment({ adjustmentId: 'a6b', receipt: rec, deltas: [{ sku: 'gum', quantity: 1, unitPriceMinor: 120, taxClass: 'food' }] });
    const b = await post('/v1/stores/store-a/adjustments', 'a6b', extra);
    expect(b.json().payment).toEqual({ status: 'captured' });
    expect(Object.values(await trialBalance(cloud().ctx.db))).toEqual([0]);
  });

  it('places no hold for a session that arrives after its receipt', async () => {
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's-late', receiptId: 'r-late', customerId: 'c-late', items });
    expect((await post('/v1/stores/store-a/receipts', 'r-late', rec)).json().payment).toEqual({ status: 'captured' });
    const s = await post('/v1/stores/store-a/sessions', 's-late', makeSession({ storeId: 'store-a', sessionId: 's-late', customerId: 'c-late' }));
    expect(s.json()).toEqual({ status: 'created', id: 's-late', payment: { status: 'pending', reason: 'receipt already settled' } });
    expect(await cloud().ctx.db.all("SELECT 1 FROM payments WHERE record_id = 's-late'")).toEqual([]);
  });

  it('answers 409 for an adjustment whose receipt has not arrived', async () => {
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's7', receiptId: 'r7-missing', customerId: 'c7', items });
    const adj = makeAdjustment({ adjustmentId: 'a7', receipt: rec, deltas: [{ ...items[0]!, quantity: -1 }] });
    const a = await post('/v1/stores/store-a/adjustments', 'a7', adj);
    expect(a.statusCode).toBe(409);
    expect(a.json().code).toBe('E_LEDGER_RECEIPT_UNKNOWN');
  });

  it('rejects the same key with a different body (422 E_IDEMPOTENCY_MISMATCH)', async () => {
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's8', receiptId: 'r8', customerId: 'c8', items });
    expect((await post('/v1/stores/store-a/receipts', 'r8', rec)).statusCode).toBe(201);
    const changed = makeReceipt({ storeId: 'store-a', sessionId: 's8', receiptId: 'r8', customerId: 'c8', items: [items[0]!] });
    const a = await post('/v1/stores/store-a/receipts', 'r8', changed);
    expect(a.statusCode).toBe(422);
    expect(a.json().code).toBe('E_IDEMPOTENCY_MISMATCH');
  });

  it('rejects inconsistent receipt arithmetic with stable codes', async () => {
    const base = makeReceipt({ storeId: 'store-a', sessionId: 's9', receiptId: 'r9', customerId: 'c9', items });
    const cases: [unknown, string][] = [
      [{ ...base, lines: [{ ...base.lines[0]!, lineTotalMinor: 1 }, base.lines[1]] }, 'E_LEDGER_RECEIPT_LINE_TOTAL'],
      [{ ...base, subtotalMinor: base.subtotalMinor + 1 }, 'E_LEDGER_RECEIPT_SUBTOTAL'],
      [{ ...base, taxes: [{ ...base.taxes[0]!, taxMinor: 0 }, base.taxes[1]] }, 'E_LEDGER_RECEIPT_TAX'],
      [{ ...base, taxes: [{ ...base.taxes[0]!, rateBp: 1000 }, base.taxes[1]] }, 'E_LEDGER_RECEIPT_TAX'],
      [{ ...base, totalMinor: base.totalMinor + 5 }, 'E_LEDGER_RECEIPT_TOTAL'],
      [{ ...base, currency: 'USD' }, 'E_LEDGER_CURRENCY'],
    ];
    for (const [body, code] of cases) {
      const a = await post('/v1/stores/store-a/receipts', 'r9', body);
      expect([a.statusCode, a.json().code]).toEqual([422, code]);
    }
  });

  it('guards credentials, store ownership, keys and schemas', async () => {
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 's10', receiptId: 'r10', customerId: 'c10', items });
    const url = '/v1/stores/store-a/receipts';
    expect((await post(url, 'r10', rec, {})).json().code).toBe('E_UNAUTHORIZED');
    expect((await post(url, 'r10', rec, { authorization: 'Bearer nope' })).statusCode).toBe(401);
    const other = await post(url, 'r10', rec, { authorization: `Bearer ${storeKey('store-b')}` });
    expect([other.statusCode, other.json().code]).toEqual([403, 'E_FORBIDDEN']);
    const foreign = await post('/v1/stores/store-b/receipts', 'r10', rec, { authorization: `Bearer ${storeKey('store-b')}` });
    expect([foreign.statusCode, foreign.json().code]).toEqual([403, 'E_FORBIDDEN']);
    const wrongKey = await post(url, 'other-id', rec);
    expect([wrongKey.statusCode, wrongKey.json().code]).toEqual([400, 'E_CLOUD_IDEMPOTENCY_KEY']);
    const bad = await post(url, 'r10', { ...rec, totalMinor: -1 });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'E_SCHEMA']);
    const extra = await post(url, 'r10', { ...rec, surprise: 1 });
    expect(extra.json().code).toBe('E_SCHEMA');
    const json = await cloud().app.inject({ method: 'POST', url, headers: { ...auth, 'idempotency-key': 'r10', 'content-type': 'application/json' }, payload: '{' });
    expect([json.statusCode, json.json().code]).toEqual([400, 'E_JSON']);
    const missing = await cloud().app.inject({ method: 'GET', url: '/v1/nothing' });
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'E_NOT_FOUND']);
  });
});
}
