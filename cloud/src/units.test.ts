import { describe, expect, it } from 'vitest';
import { ConfigError, ManualClock } from '@tebura/contract';
import { loadCloudConfig } from './config.js';
import { decryptVector, encryptVector } from './crypto.js';
import { SqliteDb } from './db/sqlite.js';
import { migrate } from './db/migrations.js';
import { SandboxProvider } from './payments/sandbox.js';
import { InFlight } from './services/inflight.js';
import { buildCloudApp } from './http/app.js';
import { ADMIN_KEY, makeReceipt, storeKey, testConfig } from './testing/fixtures.js';

describe('config', () => {
  it('reports every problem with its path at once', () => {
    try {
      loadCloudConfig({ adminKey: 'short', stores: [{ storeId: 'a', apiKey: 'k'.repeat(20) }, { storeId: 'a', apiKey: 'k'.repeat(20) }] }, 'test');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).details.map((d) => d.path);
      expect(paths).toContain('/adminKey');
    }
    try {
      loadCloudConfig({ adminKey: ADMIN_KEY, stores: [{ storeId: 'a', apiKey: 'k'.repeat(20) }, { storeId: 'a', apiKey: 'k'.repeat(20) }] }, 'test');
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).details.map((d) => d.path).sort()).toEqual(['/encryptionKey', '/stores/1/apiKey', '/stores/1/storeId']);
    }
  });

  it('applies defaults and freezes', () => {
    const cfg = loadCloudConfig({ adminKey: ADMIN_KEY, encryptionKey: 'ab'.repeat(32) }, 'test');
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.payments.sandbox.failByCustomerPattern).toBe(true);
    expect(Object.isFrozen(cfg.payments)).toBe(true);
  });
});

describe('biometric encryption', () => {
  const key = Buffer.alloc(32, 7);
  it('round-trips and refuses a tampered ciphertext or another row', () => {
    const v = Float32Array.from([0.1, -0.2, 0.3]);
    const enc = encryptVector(key, v, 'c1:face');
    expect(Array.from(decryptVector(key, enc, 'c1:face'))).toEqual(Array.from(v));
    expect(encryptVector(key, v, 'c1:face')).not.toBe(enc);
    expect(() => decryptVector(key, enc, 'c2:face')).toThrow();
    const raw = Buffer.from(enc, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => decryptVector(key, raw.toString('base64'), 'c1:face')).toThrow();
  });
});

describe('sandbox provider', () => {
  it('replays by key, keeps captures within holds and refunds within captures', async () => {
    const db = new SqliteDb({ path: ':memory:', queueLengthMax: 100 });
    await migrate(db, 0);
    const p = new SandboxProvider(db, new ManualClock(0), { failByCustomerPattern: true, latencyMs: 0 });
    const base = { customerId: 'c', currency: 'JPY' };
    const hold = await p.authorize({ ...base, idempotencyKey: 'h', amountMinor: 1000 });
    if (!hold.ok) throw new Error('hold failed');
    expect(await p.authorize({ ...base, idempotencyKey: 'h', amountMinor: 1000 })).toEqual(hold);
    expect(await p.authorize({ ...base, idempotencyKey: 'h', amountMinor: 5 })).toMatchObject({ ok: false, kind: 'declined' });
    expect(await p.capture({ ...base, idempotencyKey: 'c1', amountMinor: 1001, parentRef: hold.ref })).toMatchObject({ ok: false, reason: 'exceeds hold' });
    const cap = await p.capture({ ...base, idempotencyKey: 'c2', amountMinor: 800, parentRef: hold.ref });
    if (!cap.ok) throw new Error('capture failed');
    expect(await p.refund({ ...base, idempotencyKey: 'f1', amountMinor: 500, parentRef: cap.ref })).toMatchObject({ ok: true });
    expect(await p.refund({ ...base, idempotencyKey: 'f2', amountMinor: 301, parentRef: cap.ref })).toMatchObject({ ok: false, reason: 'exceeds captured amount' });
    expect(await p.charge({ ...base, customerId: 'x-decline', idempotencyKey: 'd', amountMinor: 1 })).toMatchObject({ ok: false, kind: 'declined' });
    expect(await p.charge({ ...base, customerId: 'x-timeout', idempotencyKey: 't', amountMinor: 1 })).toMatchObject({ ok: false, kind: 'timeout' });
    expect(await p.charge({ ...base, customerId: 'x-error', idempotencyKey: 'e', amountMinor: 1 })).toMatchObject({ ok: false, kind: 'error' });
    expect(await p.chargedTotals()).toEqual({ count: 1, totalMinor: 800 });
    await db.close();
  });
});

describe('in-flight guard', () => {
  it('makes a retry wait for the first attempt, then 409 E_IN_FLIGHT past the bound', async () => {
    const f = new InFlight(50, 10);
    let release!: () => void;
    const slow = f.run('k', () => new Promise<string>((r) => (release = () => r('first'))));
    await expect(f.run('k', async () => 'second')).rejects.toMatchObject({ code: 'E_IN_FLIGHT', kind: 'conflict' });
    const waiting = f.run('k', async () => 'after');
    release();
    expect(await slow).toBe('first');
    expect(await waiting).toBe('after');
  });

  it('answers 409 over HTTP while the same receipt is still being charged', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cloud = await buildCloudApp(testConfig('sqlite', { inFlightWaitMs: 20 }), {
      sandboxScript: () => undefined,
    });
    const orig = cloud.ctx.provider.charge.bind(cloud.ctx.provider);
    (cloud.ctx.provider as { charge: typeof orig }).charge = async (req) => {
      await gate;
      return orig(req);
    };
    try {
      const rec = makeReceipt({ storeId: 'store-a', sessionId: 's', receiptId: 'r-slow', customerId: 'c', items: [{ sku: 'x', quantity: 1, unitPriceMinor: 100, taxClass: 'food' }] });
      const h = { authorization: `Bearer ${storeKey('store-a')}`, 'idempotency-key': 'r-slow' };
      const first = cloud.app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: h, payload: rec });
      await new Promise((r) => setTimeout(r, 30));
      const second = await cloud.app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: h, payload: rec });
      expect([second.statusCode, second.json().code]).toEqual([409, 'E_IN_FLIGHT']);
      release();
      expect((await first).statusCode).toBe(201);
      const third = await cloud.app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: h, payload: rec });
      expect([third.statusCode, third.json().status]).toEqual([200, 'exists']);
    } finally {
      await cloud.close();
    }
  });
});

describe('admin and limits', () => {
  it('guards admin routes, sweeps pending receipts and bounds bodies', async () => {
    let down = true;
    const cloud = await buildCloudApp(testConfig('sqlite', { bodyBytesMax: 4096 }), { sandboxScript: () => (down ? 'error' : undefined) });
    try {
      const admin = { authorization: `Bearer ${ADMIN_KEY}` };
      const store = { authorization: `Bearer ${storeKey('store-a')}` };
      expect((await cloud.app.inject({ method: 'GET', url: '/v1/admin/stats', headers: store })).statusCode).toBe(403);
      const rec = makeReceipt({ storeId: 'store-a', sessionId: 's', receiptId: 'r-p', customerId: 'c', items: [{ sku: 'x', quantity: 1, unitPriceMinor: 100, taxClass: 'food' }] });
      const a = await cloud.app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: { ...store, 'idempotency-key': 'r-p' }, payload: rec });
      expect(a.json().payment).toEqual({ status: 'pending', reason: 'error' });
      down = false;
      expect((await cloud.app.inject({ method: 'POST', url: '/v1/admin/payments/sweep', headers: admin })).json()).toEqual({ settled: 1, holdsExpired: 0 });
      expect((await cloud.app.inject({ method: 'GET', url: '/v1/admin/stats', headers: admin })).json()).toEqual({ receipts: 1, sessions: 0, chargedTotalMinor: 108 });
      const big = await cloud.app.inject({
        method: 'POST',
        url: '/v1/stores/store-a/receipts',
        headers: { ...store, 'idempotency-key': 'r-big' },
        payload: { ...rec, receiptId: 'r-big', lines: Array.from({ length: 100 }, () => rec.lines[0]) },
      });
      expect([big.statusCode, big.json().code]).toEqual([413, 'E_TOO_LARGE']);
    } finally {
      await cloud.close();
    }
  });

  it('answers each record of a batch in its slot', async () => {
    const cloud = await buildCloudApp(testConfig('sqlite'));
    try {
      const rec = makeReceipt({ storeId: 'store-a', sessionId: 's', receiptId: 'r-b', customerId: 'c', items: [{ sku: 'x', quantity: 1, unitPriceMinor: 100, taxClass: 'food' }] });
      const other = makeReceipt({ storeId: 'store-a', sessionId: 's2', receiptId: 'r-b2', customerId: 'c', items: [{ sku: 'x', quantity: 2, unitPriceMinor: 100, taxClass: 'food' }] });
      // After session s fails in slot 1, its later record is not ingested (order per session); s2 goes on.
      const body = {
        records: [
          { kind: 'receipt', record: rec },
          { kind: 'receipt', record: { ...rec, totalMinor: 1 } },
          { kind: 'session', record: { nope: 1 } },
          { kind: 'receipt', record: rec },
          { kind: 'receipt', record: other },
        ],
      };
      const r = await cloud.app.inject({ method: 'POST', url: '/v1/stores/store-a/records', headers: { authorization: `Bearer ${storeKey('store-a')}` }, payload: body });
      expect(r.statusCode).toBe(200);
      const slots = r.json().results as { status: string; error?: { code: string } }[];
      expect(slots.map((s) => s.error?.code ?? s.status)).toEqual(['created', 'E_IDEMPOTENCY_MISMATCH', 'E_SCHEMA', 'E_CLOUD_BATCH_SESSION_BLOCKED', 'created']);
    } finally {
      await cloud.close();
    }
  });
});

describe('sync paging', () => {
  it('pages the feed with more=true until every enrolment and deletion is seen', async () => {
    const cloud = await buildCloudApp(testConfig('sqlite', { syncPageRowsMax: 2 }));
    try {
      const admin = { authorization: `Bearer ${ADMIN_KEY}` };
      const consent = { purpose: 'entry', policyVersion: '1', at: 0 };
      for (let i = 0; i < 5; i++) {
        await cloud.app.inject({ method: 'POST', url: '/v1/customers', headers: admin, payload: { customerId: `p${i}`, consent } });
        const template = Array.from({ length: 16 }, (_, k) => k + i + 1);
        expect((await cloud.app.inject({ method: 'POST', url: `/v1/customers/p${i}/enrolments`, headers: admin, payload: { kind: 'palm', template } })).statusCode).toBe(201);
      }
      await cloud.app.inject({ method: 'DELETE', url: '/v1/customers/p1', headers: admin });
      const seen: string[] = [];
      let since = 0;
      let pages = 0;
      for (;;) {
        const r = await cloud.app.inject({ method: 'GET', url: `/v1/stores/store-a/sync?since=${since}`, headers: { authorization: `Bearer ${storeKey('store-a')}` } });
        const p = r.json() as { version: number; more: boolean; enrolments: { customerId: string }[]; deletions: { customerId: string }[] };
        pages++;
        seen.push(...p.enrolments.map((e) => `+${e.customerId}`), ...p.deletions.map((d) => `-${d.customerId}`));
        expect(p.version).toBeGreaterThanOrEqual(since);
        since = p.version;
        if (!p.more) break;
      }
      // p1's enrolment row is gone (erased), so its feed slot yields nothing; its deletion arrives.
      expect(seen.sort()).toEqual(['+p0', '+p2', '+p3', '+p4', '-p1']);
      expect(pages).toBe(3);
    } finally {
      await cloud.close();
    }
  });
});

describe('migrations and trust', () => {
  it('applies each version once', async () => {
    const db = new SqliteDb({ path: ':memory:', queueLengthMax: 10 });
    expect(await migrate(db, 0)).toEqual([1, 2, 3, 4]);
    expect(await migrate(db, 0)).toEqual([]);
    expect((await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual([1, 2, 3, 4]);
    await db.close();
  });

  it('holds more for trusted customers and refuses unembeddable photos with 422', async () => {
    const cloud = await buildCloudApp(testConfig('sqlite'), {
      faceEmbedder: async () => {
        throw new Error('no face found');
      },
    });
    try {
      const admin = { authorization: `Bearer ${ADMIN_KEY}` };
      const consent = { purpose: 'entry', policyVersion: '1', at: 0 };
      await cloud.app.inject({ method: 'POST', url: '/v1/customers', headers: admin, payload: { customerId: 'vip', consent, trust: 'trusted' } });
      const s = { sessionId: 'sv', storeId: 'store-a', customerId: 'vip', entryMethod: 'app', guests: 0, openedAt: 0 };
      await cloud.app.inject({ method: 'POST', url: '/v1/stores/store-a/sessions', headers: { authorization: `Bearer ${storeKey('store-a')}`, 'idempotency-key': 'sv' }, payload: s });
      const hold = await cloud.ctx.db.all<{ amount_minor: number }>("SELECT amount_minor FROM payments WHERE record_id = 'sv' AND op = 'authorize'");
      expect(hold.map((h) => Number(h.amount_minor))).toEqual([10_000]);
      const r = await cloud.app.inject({ method: 'POST', url: '/v1/customers/vip/enrolments', headers: admin, payload: { kind: 'face', photosB64: ['AAAA'] } });
      expect([r.statusCode, r.json().code, r.json().details[0].path]).toEqual([422, 'E_CUSTOMER_ENROLMENT_VECTOR', '/photosB64/0']);
    } finally {
      await cloud.close();
    }
  });
});
