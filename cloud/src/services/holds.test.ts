import { describe, expect, it } from 'vitest';
import { ManualClock } from '@tebura/contract';
import { startCloud } from '../start.js';
import { makeSession, storeKey, testConfig } from '../testing/fixtures.js';
import { holdsSuite } from './holds.suite.js';

holdsSuite('sqlite');

describe('the running cloud sweeps holds by itself', () => {
  it('voids an expired hold within a sweep interval, without the admin route', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const cloud = await startCloud(testConfig('sqlite', { holdTtlMs: 60_000, sweepIntervalMs: 1000 }), { clock });
    try {
      const s = makeSession({ storeId: 'store-a', sessionId: 'auto-1', customerId: 'c-auto' });
      const r = await fetch(`${cloud.url}/v1/stores/store-a/sessions`, {
        method: 'POST', headers: { authorization: `Bearer ${storeKey('store-a')}`, 'idempotency-key': 'auto-1', 'content-type': 'application/json' }, body: JSON.stringify(s),
      });
      expect(r.status).toBe(201);
      clock.advance(61_000);
      const status = async () => {
        const again = await fetch(`${cloud.url}/v1/stores/store-a/sessions`, {
          method: 'POST', headers: { authorization: `Bearer ${storeKey('store-a')}`, 'idempotency-key': 'auto-1', 'content-type': 'application/json' }, body: JSON.stringify(s),
        });
        return ((await again.json()) as { payment: { status: string } }).payment.status;
      };
      const end = Date.now() + 5000;
      while ((await status()) !== 'voided' && Date.now() < end) await new Promise((res) => setTimeout(res, 200));
      expect(await status()).toBe('voided');
    } finally {
      await cloud.close();
    }
  });
});
