import { describe, expect, it } from 'vitest';
import { ManualClock } from '@tebura/contract';
import { standingList } from '../services/standing-list.js';
import { ADMIN_KEY, makeReceipt, makeSession, storeKey, testConfig, type Backend } from '../testing/fixtures.js';
import { useCloudApp } from '../testing/use-cloud-app.js';

const storeA = { authorization: `Bearer ${storeKey('store-a')}` };
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const items = [{ sku: 'tea', quantity: 1, unitPriceMinor: 300, taxClass: 'food' as const }];

export function standingSuite(backend: Backend): void {
describe(`standing list for the gates on ${backend}`, () => {
  const cfg = testConfig(backend);
  const clock = new ManualClock(1_700_000_000_000);
  const cloud = useCloudApp(cfg, { clock });

  const post = (path: string, id: string, body: object) =>
    cloud().app.inject({ method: 'POST', url: path, headers: { ...storeA, 'idempotency-key': id }, payload: body });
  /** A session and its receipt for `customerId`; the sandbox declines ids containing 'decline'. */
  async function shop(n: number, customerId: string): Promise<void> {
    await post('/v1/stores/store-a/sessions', `s${n}`, makeSession({ storeId: 'store-a', sessionId: `s${n}`, customerId }));
    await post('/v1/stores/store-a/receipts', `r${n}`, makeReceipt({ storeId: 'store-a', sessionId: `s${n}`, receiptId: `r${n}`, customerId, items }));
  }
  const list = async () => (await cloud().app.inject({ method: 'GET', url: '/v1/stores/store-a/standing', headers: storeA })).json();

  it('lists a customer whose charge was declined as unpaid, and nobody who paid', async () => {
    await shop(1, 'cu-paid');
    await shop(2, 'cu-decline-1');
    expect(await list()).toEqual({ asOf: clock.now(), truncated: false, customers: [{ customerId: 'cu-decline-1', unpaid: true, openDispute: false }] });
  });

  it('lists an open dispute until it is resolved', async () => {
    const d = await cloud().app.inject({ method: 'POST', url: '/v1/receipts/r1/disputes', headers: admin, payload: { sku: 'tea', reason: 'not mine' } });
    expect(d.statusCode).toBe(201);
    expect((await list()).customers).toEqual([
      { customerId: 'cu-decline-1', unpaid: true, openDispute: false },
      { customerId: 'cu-paid', unpaid: false, openDispute: true },
    ]);
    await cloud().app.inject({ method: 'POST', url: `/v1/admin/disputes/${d.json().disputeId}/resolve`, headers: admin, payload: { refund: false } });
    expect((await list()).customers.map((c: { customerId: string }) => c.customerId)).toEqual(['cu-decline-1']);
  });

  it('bounds the answer and says when it was cut', async () => {
    await shop(3, 'cu-decline-2');
    const r = await standingList(cloud().ctx, 1);
    expect(r).toMatchObject({ truncated: true, customers: [{ customerId: 'cu-decline-1' }] });
  });

  it('answers only a store key for that store', async () => {
    const other = await cloud().app.inject({ method: 'GET', url: '/v1/stores/store-a/standing', headers: { authorization: `Bearer ${storeKey('store-b')}` } });
    expect(other.statusCode).toBe(403);
    expect((await cloud().app.inject({ method: 'GET', url: '/v1/stores/store-a/standing' })).statusCode).toBe(401);
  });
});
}
