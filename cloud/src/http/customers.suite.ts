import { describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { FACE_TEMPLATE, ManualClock } from '@tebura/contract';
import { buildCloudApp } from './app.js';
import { ADMIN_KEY, makeReceipt, storeKey, testConfig, type Backend } from '../testing/fixtures.js';
import { useCloudApp } from '../testing/use-cloud-app.js';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const storeA = { authorization: `Bearer ${storeKey('store-a')}` };
const consent = { purpose: 'entry by face and palm', policyVersion: '2026-01', at: 1_700_000_000_000 };
const vec = (seed: number, n = 32): number[] => Array.from({ length: n }, (_, i) => Math.sin(seed * 7 + i));

export function customersSuite(backend: Backend): void {
describe(`customers, enrolment, tokens and sync on ${backend}`, () => {
  const cfg = testConfig(backend);
  const clock = new ManualClock(1_700_000_000_000);
  const embedded: number[] = [];

  const cloud = useCloudApp(cfg, {
      clock,
      faceEmbedder: async (img) => {
        embedded.push(img.length);
        return Float32Array.from(vec(img[0] ?? 0, FACE_TEMPLATE.dim));
      },
    });

  const req = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = admin) =>
    cloud().app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });

  it('creates customers with consent, idempotently', async () => {
    const a = await req('POST', '/v1/customers', { customerId: 'cu-1', consent });
    expect([a.statusCode, a.json()]).toEqual([201, { customerId: 'cu-1', status: 'created' }]);
    const b = await req('POST', '/v1/customers', { customerId: 'cu-1', consent });
    expect([b.statusCode, b.json().status]).toEqual([200, 'exists']);
    const anon = await req('POST', '/v1/customers', { consent });
    expect(anon.json().customerId).toMatch(/^c_/);
    expect((await req('POST', '/v1/customers', { customerId: 'x' })).json().code).toBe('E_SCHEMA');
    expect((await req('POST', '/v1/customers', { consent }, storeA)).json().code).toBe('E_FORBIDDEN');
  });

  it('enrols palm and face, stores only ciphertext, and syncs decrypted vectors to the store', async () => {
    expect((await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'palm', template: vec(1) })).statusCode).toBe(201);
    expect((await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'face', embedding: vec(2, FACE_TEMPLATE.dim) })).statusCode).toBe(201);
    const rows = await cloud().ctx.db.all<{ vector_enc: string }>('SELECT vector_enc FROM enrolments WHERE customer_id = ?', ['cu-1']);
    expect(rows).toHaveLength(2);
    const plain = Buffer.from(Float32Array.from(vec(1)).buffer).toString('base64').slice(0, 12);
    for (const r of rows) expect(r.vector_enc.includes(plain)).toBe(false);
    const s = await req('GET', '/v1/stores/store-a/sync?since=0', undefined, storeA);
    expect(s.statusCode).toBe(200);
    const body = s.json();
    expect(body.enrolments.map((e: { kind: string }) => e.kind).sort()).toEqual(['face', 'palm']);
    const palm = body.enrolments.find((e: { kind: string }) => e.kind === 'palm');
    const norm = Math.hypot(...vec(1));
    expect(palm.vector[3]).toBeCloseTo(vec(1)[3]! / norm, 5);
    const face = body.enrolments.find((e: { kind: string }) => e.kind === 'face').vector as number[];
    expect(face).toHaveLength(FACE_TEMPLATE.dim);
    // Each block unit-norm / sqrt(blocks): the gate's dot product is the mean of the block cosines.
    const blockSq = (b: number) => face.slice(b * FACE_TEMPLATE.blockDim, (b + 1) * FACE_TEMPLATE.blockDim).reduce((s, x) => s + x * x, 0);
    const blocks = Array.from({ length: FACE_TEMPLATE.blocks }, (_, b) => blockSq(b).toFixed(5));
    expect(blocks).toEqual(new Array(FACE_TEMPLATE.blocks).fill((1 / FACE_TEMPLATE.blocks).toFixed(5)));
    const again = await req('GET', `/v1/stores/store-a/sync?since=${body.version}`, undefined, storeA);
    expect(again.json()).toMatchObject({ version: body.version, enrolments: [], deletions: [] });
    expect((await req('GET', '/v1/stores/store-a/sync', undefined, { authorization: `Bearer ${storeKey('store-b')}` })).statusCode).toBe(403);
  });

  it('embeds photos with the injected embedder and rejects bad vectors', async () => {
    const photo = Buffer.from([5, 1, 2, 3]).toString('base64');
    const a = await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'face', photosB64: [photo, photo] });
    expect(a.statusCode).toBe(201);
    expect(embedded).toEqual([4, 4]);
    const wrongDim = await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'face', embedding: vec(2, 1024) });
    expect([wrongDim.statusCode, wrongDim.json().code]).toEqual([400, 'E_CUSTOMER_FACE_TEMPLATE_DIM']);
    expect(wrongDim.json().message).toContain('1024');
    const zeroBlock = await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'face', embedding: [...vec(2, FACE_TEMPLATE.dim - FACE_TEMPLATE.blockDim), ...new Array(FACE_TEMPLATE.blockDim).fill(0)] });
    expect([zeroBlock.statusCode, zeroBlock.json().code]).toEqual([400, 'E_CUSTOMER_ENROLMENT_VECTOR']);
    const zeros = await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'palm', template: new Array(32).fill(0) });
    expect([zeros.statusCode, zeros.json().code]).toEqual([400, 'E_CUSTOMER_ENROLMENT_VECTOR']);
    const short = await req('POST', '/v1/customers/cu-1/enrolments', { kind: 'palm', template: [1, 2] });
    expect(short.json().code).toBe('E_SCHEMA');
    expect((await req('POST', '/v1/customers/nobody/enrolments', { kind: 'palm', template: vec(3) })).statusCode).toBe(404);
  });

  it('issues ES256 entry tokens verifiable with the served JWKS', async () => {
    const t = await req('POST', '/v1/customers/cu-1/entry-tokens', { storeId: 'store-a' });
    expect(t.statusCode).toBe(201);
    const { token, expiresAt } = t.json() as { token: string; expiresAt: number };
    expect(expiresAt).toBe(clock.now() + 300_000);
    const jwks = (await req('GET', '/v1/entry-tokens/jwks', undefined, {})).json();
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { currentDate: new Date(clock.now()) });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: 'cu-1', store: 'store-a', iat: clock.now() / 1000, exp: clock.now() / 1000 + 300 });
    expect(typeof payload.jti).toBe('string');
    expect((await req('POST', '/v1/customers/cu-1/entry-tokens', { storeId: 'nowhere' })).statusCode).toBe(404);
  });

  it('keeps the signing key across restarts of the same database', async () => {
    if (backend === 'sqlite') return; // ':memory:' dies with the process; the PostgreSQL run checks persistence
    const again = await buildCloudApp(cfg, { clock });
    try {
      const a = (await req('GET', '/v1/entry-tokens/jwks', undefined, {})).json();
      const b = (await again.app.inject({ method: 'GET', url: '/v1/entry-tokens/jwks' })).json();
      expect(b).toEqual(a);
      const stored = await cloud().ctx.db.all<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys');
      expect(stored.every((r) => !r.private_jwk.includes('"d"'))).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('erases a customer: templates gone, audit row, deletion in the feed, no more tokens', async () => {
    const before = (await req('GET', '/v1/stores/store-a/sync?since=0', undefined, storeA)).json();
    const d = await req('DELETE', '/v1/customers/cu-1');
    expect(d.statusCode).toBe(200);
    expect(await cloud().ctx.db.all('SELECT 1 FROM enrolments WHERE customer_id = ?', ['cu-1'])).toEqual([]);
    const audit = await cloud().ctx.db.all<{ action: string }>('SELECT action FROM audit WHERE subject = ? ORDER BY audit_id', ['cu-1']);
    expect(audit.map((a) => a.action)).toContain('customer.erase');
    const after = (await req('GET', `/v1/stores/store-a/sync?since=${before.version}`, undefined, storeA)).json();
    expect(after.deletions).toEqual([{ customerId: 'cu-1', version: after.version }]);
    const full = (await req('GET', '/v1/stores/store-b/sync?since=0', undefined, { authorization: `Bearer ${storeKey('store-b')}` })).json();
    expect(full.enrolments.filter((e: { customerId: string }) => e.customerId === 'cu-1')).toEqual([]);
    expect((await req('POST', '/v1/customers/cu-1/entry-tokens', { storeId: 'store-a' })).json().code).toBe('E_CUSTOMER_ERASED');
    expect((await req('DELETE', '/v1/customers/cu-1')).statusCode).toBe(404);
  });

  it('lists receipts, opens a dispute the store pulls, and refunds on resolution', async () => {
    await req('POST', '/v1/customers', { customerId: 'cu-2', consent });
    const rec = makeReceipt({ storeId: 'store-a', sessionId: 'sx', receiptId: 'rx', customerId: 'cu-2', items: [{ sku: 'tea', quantity: 2, unitPriceMinor: 200, taxClass: 'food' }] });
    await cloud().app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: { ...storeA, 'idempotency-key': 'rx' }, payload: rec });
    const list = (await req('GET', '/v1/customers/cu-2/receipts')).json();
    expect(list.receipts).toHaveLength(1);
    expect(list.receipts[0]).toMatchObject({ receiptId: 'rx', totalMinor: 432, payment: { status: 'captured' }, paidMinor: 432 });
    const since = (await req('GET', '/v1/stores/store-a/sync?since=0', undefined, storeA)).json().version;
    const dsp = await req('POST', '/v1/receipts/rx/disputes', { sku: 'tea', reason: 'took only one' });
    expect(dsp.statusCode).toBe(201);
    const { disputeId } = dsp.json();
    expect((await req('GET', '/v1/customers/cu-2/standing', undefined, storeA)).json()).toEqual({ unpaidMinor: 0, disputed: true });
    const feed = (await req('GET', `/v1/stores/store-a/sync?since=${since}`, undefined, storeA)).json();
    expect(feed.disputes).toMatchObject([{ disputeId, receiptId: 'rx', sku: 'tea', customerId: 'cu-2' }]);
    const other = (await req('GET', `/v1/stores/store-b/sync?since=${since}`, undefined, { authorization: `Bearer ${storeKey('store-b')}` })).json();
    expect(other.disputes).toEqual([]);
    const res = await req('POST', `/v1/admin/disputes/${disputeId}/resolve`, { refund: true });
    expect(res.json()).toEqual({ status: 'refunded', refundMinor: 432, payment: { status: 'refunded' } });
    expect((await req('POST', `/v1/admin/disputes/${disputeId}/resolve`, { refund: false })).json().code).toBe('E_DISPUTE_STATE');
    expect((await req('GET', '/v1/customers/cu-2/standing')).json()).toEqual({ unpaidMinor: 0, disputed: false });
    expect((await req('POST', '/v1/receipts/rx/disputes', { sku: 'nope', reason: 'x' })).statusCode).toBe(404);
    const bal = (await req('GET', '/v1/admin/ledger/balances')).json();
    expect(Object.values(bal.trialBalance)).toEqual([0]);
  });

  it('a customer token lists and disputes only its own receipts; entry tokens and store keys are no credential', async () => {
    const token = async (id: string) => {
      await req('POST', '/v1/customers', { customerId: id, consent });
      const t = await req('POST', `/v1/customers/${id}/tokens`);
      expect(t.statusCode).toBe(201);
      expect((t.json() as { expiresAt: number }).expiresAt).toBe(clock.now() + 2_592_000_000);
      return { authorization: `Bearer ${(t.json() as { token: string }).token}` };
    };
    const [me, other] = [await token('cu-3'), await token('cu-4')];
    for (const [id, rid] of [['cu-3', 'r3'], ['cu-4', 'r4']] as const) {
      const rec = makeReceipt({ storeId: 'store-a', sessionId: `s-${rid}`, receiptId: rid, customerId: id, items: [{ sku: 'tea', quantity: 1, unitPriceMinor: 200, taxClass: 'food' }] });
      await cloud().app.inject({ method: 'POST', url: '/v1/stores/store-a/receipts', headers: { ...storeA, 'idempotency-key': rid }, payload: rec });
    }
    const mine = await req('GET', '/v1/customers/cu-3/receipts', undefined, me);
    expect([mine.statusCode, (mine.json() as { receipts: { receiptId: string }[] }).receipts.map((r) => r.receiptId)]).toEqual([200, ['r3']]);
    const theirs = await req('GET', '/v1/customers/cu-4/receipts', undefined, me);
    expect([theirs.statusCode, theirs.json().code]).toEqual([403, 'E_CUSTOMER_FORBIDDEN']);
    // Another customer's receipt answers as if it did not exist.
    const steal = await req('POST', '/v1/receipts/r4/disputes', { sku: 'tea', reason: 'not mine' }, me);
    expect([steal.statusCode, steal.json().code]).toEqual([404, 'E_NOT_FOUND']);
    expect((await req('POST', '/v1/receipts/r3/disputes', { sku: 'tea', reason: 'did not take it' }, me)).statusCode).toBe(201);
    expect((await req('POST', '/v1/receipts/r4/disputes', { sku: 'tea', reason: 'mine' }, other)).statusCode).toBe(201);
    const entry = (await req('POST', '/v1/customers/cu-3/entry-tokens', { storeId: 'store-a' })).json() as { token: string };
    const asEntry = await req('GET', '/v1/customers/cu-3/receipts', undefined, { authorization: `Bearer ${entry.token}` });
    expect([asEntry.statusCode, asEntry.json().code]).toEqual([401, 'E_UNAUTHORIZED']);
    expect((await req('GET', '/v1/customers/cu-3/receipts', undefined, storeA)).json().code).toBe('E_FORBIDDEN');
    expect((await req('POST', '/v1/customers/cu-3/tokens', undefined, me)).statusCode).toBe(401); // tokens are issued with the admin key only
    clock.advance(2_592_000_000 + 1000);
    const expired = await req('GET', '/v1/customers/cu-3/receipts', undefined, me);
    expect([expired.statusCode, expired.json().code]).toEqual([401, 'E_UNAUTHORIZED']);
  });

  it('serves metrics and OpenAPI docs', async () => {
    const m = await req('GET', '/metrics', undefined, {});
    expect(m.body).toContain('tebura_cloud_http_requests_total');
    expect(m.body).toContain('tebura_cloud_payment_ops_total{op="charge",outcome="ok"}');
    const doc = await req('GET', '/docs/json', undefined, {});
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toContain('/v1/stores/{storeId}/receipts');
    expect((await req('GET', '/docs/', undefined, {})).statusCode).toBe(200);
  });
});
}
