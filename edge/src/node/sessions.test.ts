import { describe, expect, it } from 'vitest';
import type { Adjustment, Receipt } from '@tebura/contract';
import { isTeburaError } from '@tebura/contract';
import { nodeHarness } from '../testing/node-harness.js';
import { PENDING_SETTLES_MAX } from './carts.js';

describe('carts', () => {
  it('applies a cart delta once per eventId', () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.delta('e1', s, 'onigiri', 2);
    h.delta('e1', s, 'onigiri', 2);
    h.delta('e2', s, 'onigiri', 1);
    expect(h.repo.cart(s)).toEqual([{ sku: 'onigiri', quantity: 3 }]);
  });

  it('never goes negative: a put-back of an item not in the cart is a NEGATIVE_CART review', () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.delta('e1', s, 'tea', 1);
    h.delta('e2', s, 'tea', -2);
    h.delta('e2', s, 'tea', -2); // replay: still one review item
    expect(h.repo.cart(s)).toEqual([{ sku: 'tea', quantity: 1 }]);
    const open = h.repo.reviews('open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ reason: 'NEGATIVE_CART', session_id: s, status: 'open' });
    h.delta('e3', s, 'tea', -1);
    expect(h.repo.cart(s)).toEqual([]);
  });

  it('measures an early delta\'s event_to_cart from its rest level once known, and bounds how many wait', () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    const base = { sessionId: s, sku: 'onigiri', quantityDelta: 1, confidence: 0.9, settledAt: 0 };
    const t0 = h.clock.now();
    // Committed at t0; its provisional settle (the early level) 100 ms before, its rest level 300 ms after.
    h.carts.cartDelta({ ...base, eventId: 'lc-1:5:p1/p1#0', emittedAt: t0, settleArrivalMs: t0 - 100, settlePending: true });
    h.carts.cartDelta({ ...base, eventId: 'lc-1:6:p1', emittedAt: t0, settleArrivalMs: t0 - 50 });
    expect(h.d.metrics.eventToCartMs.count()).toBe(1);
    h.clock.advance(400);
    h.carts.settleKnown('lc-1:5:p1', t0 + 300);
    expect(h.d.metrics.eventToCartMs.count()).toBe(2);
    // Measured from commit (t0), not from when the rest level became known: the cart led by 300 ms.
    expect(h.d.metrics.eventToCartMs.percentile(0)).toBe(-300);
    expect(h.d.metrics.eventToCartMs.percentile(100)).toBe(50);
    // Never confirmed: the oldest waiting is measured from its provisional time when the bound is reached.
    for (let k = 0; k <= PENDING_SETTLES_MAX; k++) h.carts.cartDelta({ ...base, eventId: `lc-1:${100 + k}:p1`, emittedAt: h.clock.now(), settleArrivalMs: h.clock.now() - 70, settlePending: true });
    expect(h.d.metrics.eventToCartMs.count()).toBe(3);
    expect(h.d.metrics.eventToCartMs.percentile(100)).toBe(70);
  });

  it('sends deltas for unknown sessions, unknown skus and closed sessions to review', () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.delta('e1', 'nobody', 'tea', 1);
    h.delta('e2', s, 'caviar', 1);
    h.sessions.close(s);
    h.delta('e3', s, 'tea', 1);
    expect(h.repo.reviews('open').map((r) => r.reason).sort()).toEqual(['AFTER_EXIT', 'UNKNOWN_SESSION', 'UNKNOWN_SKU']);
  });

  it('persists perception review candidates once with their evidence', () => {
    const h = nodeHarness();
    const c = { eventId: 'ev', reason: 'AMBIGUOUS_SKU', plateIds: ['p1'], deltaG: -110, window: { startTs: 1, endTs: 2 },
      skuCandidates: [{ sku: 'onigiri', quantity: 1, probability: 0.5 }], shopperCandidates: [{ sessionId: 's', probability: 1 }],
      evidence: { weightTrace: [{ plateId: 'p1', ts: 1, grams: 100 }], tracks: [] } };
    h.carts.review(c);
    h.carts.review(c);
    const rows = h.repo.reviews('all');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.candidate)).toEqual(c);
  });
});

describe('sessions', () => {
  it('queues the SessionRecord with the session, and receipt + close + outbox row together', async () => {
    const h = nodeHarness();
    const s = h.admit('t1', 'cust-9');
    expect(h.repo.outbox().map((o) => [o.kind, o.id])).toEqual([['session', s]]);
    h.delta('e1', s, 'onigiri', 2);
    h.delta('e2', s, 'battery', 1);
    h.clock.advance(60_000);
    const r = await h.sessions.exit('gate-out', h.clock.now());
    expect(r).not.toBeNull();
    expect(r!.lines.map((l) => [l.sku, l.quantity])).toEqual([['battery', 1], ['onigiri', 2]]);
    // food 296 * 8 % = 23.68 -> 23; standard 598 * 10 % = 59.8 -> 59
    expect(r!.taxes.map((t) => t.taxMinor)).toEqual([23, 59]);
    expect(r!.totalMinor).toBe(296 + 598 + 23 + 59);
    expect(h.repo.session(s)?.status).toBe('closed');
    expect(h.repo.outbox().map((o) => o.kind)).toEqual(['session', 'receipt']);
    expect(h.sessions.close(s)).toBeNull(); // closing twice does nothing
    expect(h.repo.countReceipts()).toBe(1);
  });

  it('an exit nobody is bound to closes nothing', async () => {
    const h = nodeHarness();
    expect(await h.sessions.exit('gate-out', 1)).toBeNull();
  });

  it('recovers an exiting session after a restart', async () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.repo.markExiting(s, 'gate-out', 123, h.clock.now());
    await h.sessions.recover();
    expect(h.repo.receiptOf<Receipt>(s)?.closedAt).toBe(123);
  });
});

describe('review resolution', () => {
  it('before exit fixes the cart', () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.delta('e1', s, 'tea', -1);
    const [rv] = h.repo.reviews('open');
    const v = h.sessions.resolveReview(rv!.review_id, { sessionId: s, lines: [{ sku: 'umbrella', quantityDelta: 1 }], resolvedBy: 'crew-1' });
    expect(v.status).toBe('resolved');
    expect(h.repo.cart(s)).toEqual([{ sku: 'umbrella', quantity: 1 }]);
    try {
      h.sessions.resolveReview(rv!.review_id, { sessionId: s, lines: [], resolvedBy: 'x' });
      expect.unreachable();
    } catch (e) {
      expect(isTeburaError(e) && e.code).toBe('E_REVIEW_CLOSED');
    }
  });

  it('after exit creates a signed adjustment with tax in the outbox', async () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.delta('e1', s, 'onigiri', 1);
    h.carts.review({ eventId: 'amb', reason: 'AMBIGUOUS_SHOPPER', plateIds: ['p2'], deltaG: -530, window: { startTs: 0, endTs: 1 },
      skuCandidates: [{ sku: 'tea', quantity: 1, probability: 0.6 }], shopperCandidates: [{ sessionId: s, probability: 0.6 }], evidence: { weightTrace: [], tracks: [] } });
    const receipt = await h.sessions.exit('gate-out', h.clock.now());
    expect(receipt!.totalMinor).toBe(148 + 11); // charged what is certain
    const [rv] = h.repo.reviews('open');
    h.sessions.resolveReview(rv!.review_id, { sessionId: s, lines: [{ sku: 'tea', quantityDelta: 1 }], resolvedBy: 'crew' });
    const adj = h.repo.outbox().find((o) => o.kind === 'adjustment');
    const a = JSON.parse(adj!.record) as Adjustment;
    // food taxable 148 -> 286: tax 11 -> 22; moves total by 138 + 11
    expect(a).toMatchObject({ receiptId: receipt!.receiptId, sessionId: s, totalMinor: 149, lines: [{ sku: 'tea', quantityDelta: 1, unitPriceMinor: 138, taxClass: 'food' }] });
    expect(h.repo.outbox().map((o) => o.kind)).toEqual(['session', 'receipt', 'adjustment']);
  });

  it('unknown review -> E_NOT_FOUND; bad lines roll back', () => {
    const h = nodeHarness();
    expect(() => h.sessions.resolveReview('nope', { sessionId: null, lines: [], resolvedBy: 'x' })).toThrow(/not found/);
    const s = h.admit('t1');
    h.delta('e1', s, 'tea', -1);
    const [rv] = h.repo.reviews('open');
    expect(() => h.sessions.resolveReview(rv!.review_id, { sessionId: s, lines: [{ sku: 'tea', quantityDelta: -1 }], resolvedBy: 'x' })).toThrow(/would hold/);
    expect(h.repo.review(rv!.review_id)?.status).toBe('open');
  });
});

describe('checkpoints', () => {
  it('a delta emitted outside a message saves the perception checkpoint in its transaction', () => {
    const h = nodeHarness();
    let saved = 0;
    h.carts.checkpoint = () => {
      saved++;
      h.sessions.saveSnapshot();
    };
    const s = h.admit('t1');
    h.delta('e1', s, 'tea', 1);
    expect(saved).toBe(1);
    h.repo.tx(() => h.delta('e2', s, 'tea', 1)); // inside ingest's transaction: ingest saves it
    expect(saved).toBe(1);
  });

  it('an admission commits with the checkpoint that holds it, or not at all', () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    expect(JSON.stringify(h.repo.loadSnapshot())).toContain(s);
    // A failing checkpoint must not leave a session row that perception never saw.
    h.perception.snapshot = () => {
      throw new Error('disk full');
    };
    expect(() => h.admit('t2', 'cust-2')).toThrow('disk full');
    expect(h.repo.sessionsWith('open').map((r) => r.session_id)).toEqual([s]);
  });
});
