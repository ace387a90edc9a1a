/**
 * Carts and the review queue: perception's sink. Cart deltas apply exactly once
 * (by eventId, in SQLite), carts never go negative, and anything uncertain or
 * impossible becomes a persisted review item with its evidence.
 */
import { createHash } from 'node:crypto';
import type { CartDelta, PerceptionSink, ReviewCandidate } from '../perception/api.js';
import { settleEventOf } from '../perception/settle-clock.js';
import type { CartView, ReviewItemView, ReviewResolution } from '../console/source.js';
import type { ReviewRow, SessionRow } from '../store/repo.js';
import type { NodeDeps } from './deps.js';

/** Stable per shelf event, so a replayed review candidate is stored once. */
export function reviewIdOf(eventId: string): string {
  return `rv-${createHash('sha256').update(eventId).digest('hex').slice(0, 24)}`;
}

/** A review candidate the node makes itself (a delta it cannot apply). */
function candidateFromDelta(d: CartDelta, reason: string): ReviewCandidate {
  return {
    eventId: d.eventId,
    reason,
    plateIds: [],
    deltaG: 0,
    window: { startTs: d.settledAt, endTs: d.settledAt },
    skuCandidates: [{ sku: d.sku, quantity: d.quantityDelta, probability: d.confidence }],
    shopperCandidates: [{ sessionId: d.sessionId, probability: d.confidence }],
    evidence: { weightTrace: [], tracks: [] },
  };
}

export function reviewView(r: ReviewRow): ReviewItemView {
  const v: ReviewItemView = {
    reviewId: r.review_id,
    status: r.status,
    sessionId: r.session_id,
    createdAt: r.created_at,
    candidate: JSON.parse(r.candidate) as ReviewCandidate,
  };
  if (r.resolution !== null) v.resolution = JSON.parse(r.resolution) as ReviewResolution;
  return v;
}

/** Early deltas whose settle time waits for their full window (a few hundred ms each); see pendingSettles. */
export const PENDING_SETTLES_MAX = 1024;

export class Carts implements PerceptionSink {
  private namesOf: { layout: NodeDeps['layout']; names: Map<string, { name: string; priceMinor: number }> } | null = null;

  /**
   * Early deltas committed before their weight's rest level was known (settlePending):
   * commit time and provisional settle time by delta id, until settleKnown. Bounded: the
   * oldest is measured from its provisional time when full.
   */
  private readonly pendingSettles = new Map<string, { committedMs: number; provisionalMs: number }>();

  constructor(private readonly d: NodeDeps) {}

  /** SKU -> name and price of the layout in force (a catalog pull swaps d.layout). */
  private get names(): Map<string, { name: string; priceMinor: number }> {
    if (this.namesOf?.layout !== this.d.layout) {
      this.namesOf = { layout: this.d.layout, names: new Map(this.d.layout.products.map((p) => [p.sku, { name: p.name, priceMinor: p.priceMinor }])) };
    }
    return this.namesOf.names;
  }

  /**
   * Saves perception's checkpoint (set by the node). Called in the same transaction
   * as a delta that perception emitted outside a message (from a settle timer), so
   * the two cannot disagree after a crash; within a message, ingest does it.
   */
  checkpoint: () => void = () => undefined;

  /** Idempotent by eventId; an impossible delta becomes a review item instead. */
  cartDelta(delta: CartDelta): void {
    try {
      const outer = this.d.repo.db.inTransaction;
      const changed = this.d.repo.tx(() => {
        const r = this.applyDelta(delta);
        if (!outer) this.checkpoint();
        return r;
      });
      const now = this.d.clock.now();
      this.d.metrics.emitToCartMs.add(now - delta.emittedAt);
      if (delta.settleArrivalMs !== undefined) {
        if (delta.settlePending !== true) this.d.metrics.eventToCartMs.add(now - delta.settleArrivalMs);
        else {
          if (this.pendingSettles.size >= PENDING_SETTLES_MAX) {
            const [id, p] = this.pendingSettles.entries().next().value!;
            this.d.metrics.eventToCartMs.add(p.committedMs - p.provisionalMs);
            this.pendingSettles.delete(id);
          }
          this.pendingSettles.set(delta.eventId, { committedMs: now, provisionalMs: delta.settleArrivalMs });
        }
      }
      if (changed !== null) this.d.emit({ type: 'cart', cart: this.cartView(changed) });
    } catch (e) {
      this.d.metrics.handlerError('cart_delta');
      this.d.log.error({ err: e, eventId: delta.eventId }, 'cart delta not applied');
    }
  }

  /** The rest level of shelf event `eventId` is known: its pending deltas' event_to_cart counts from `settleArrivalMs`. */
  settleKnown(eventId: string, settleArrivalMs: number): void {
    for (const [id, p] of this.pendingSettles) {
      if (settleEventOf(id) !== eventId) continue;
      this.d.metrics.eventToCartMs.add(p.committedMs - settleArrivalMs);
      this.pendingSettles.delete(id);
    }
  }

  review(item: ReviewCandidate): void {
    try {
      const sessionId = item.shopperCandidates[0]?.sessionId ?? null;
      const outer = this.d.repo.db.inTransaction;
      const created = this.d.repo.tx(() => {
        const r = this.insertReview(item, sessionId);
        if (!outer) this.checkpoint();
        return r;
      });
      if (created !== null) this.d.emit({ type: 'review', item: created });
    } catch (e) {
      this.d.metrics.handlerError('review');
      this.d.log.error({ err: e, eventId: item.eventId }, 'review item not stored');
    }
  }

  /** Applies inside the caller's transaction; returns the changed session or null. */
  private applyDelta(delta: CartDelta): SessionRow | null {
    const { repo } = this.d;
    if (repo.eventOutcome(delta.eventId) !== undefined) return null;
    const now = this.d.clock.now();
    const session = repo.session(delta.sessionId);
    let problem: string | null = null;
    if (!Number.isInteger(delta.quantityDelta) || delta.quantityDelta === 0) problem = 'BAD_DELTA';
    else if (session === undefined) problem = 'UNKNOWN_SESSION';
    else if (session.status === 'closed') problem = 'AFTER_EXIT';
    else if (!this.names.has(delta.sku)) problem = 'UNKNOWN_SKU';
    else if (repo.cartQuantity(delta.sessionId, delta.sku) + delta.quantityDelta < 0) problem = 'NEGATIVE_CART';
    if (problem !== null || session === undefined) {
      repo.recordEvent(delta.eventId, delta.sessionId, delta.sku, delta.quantityDelta, `review:${problem}`, now);
      const created = this.insertReview(candidateFromDelta(delta, problem ?? 'UNKNOWN_SESSION'), session?.session_id ?? null);
      if (created !== null) queueMicrotask(() => this.d.emit({ type: 'review', item: created }));
      return null;
    }
    repo.setCartQuantity(delta.sessionId, delta.sku, repo.cartQuantity(delta.sessionId, delta.sku) + delta.quantityDelta);
    repo.recordEvent(delta.eventId, delta.sessionId, delta.sku, delta.quantityDelta, 'applied', now);
    return session;
  }

  private insertReview(item: ReviewCandidate, sessionId: string | null): ReviewItemView | null {
    const id = reviewIdOf(item.eventId);
    if (!this.d.repo.insertReview(id, item.eventId, sessionId, item.reason, this.d.clock.now(), item)) return null;
    const row = this.d.repo.review(id);
    return row === undefined ? null : reviewView(row);
  }

  cartView(s: SessionRow): CartView {
    return {
      sessionId: s.session_id,
      customerId: s.customer_id,
      guests: s.guests,
      openedAt: s.opened_at,
      lines: this.d.repo.cart(s.session_id).map((l) => {
        const p = this.names.get(l.sku);
        return { sku: l.sku, name: p?.name ?? l.sku, quantity: l.quantity, unitPriceMinor: p?.priceMinor ?? 0 };
      }),
      pendingReviews: this.d.repo.openReviewsOf(s.session_id),
    };
  }
}
