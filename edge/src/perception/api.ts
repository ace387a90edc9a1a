/**
 * The seam between perception/fusion (shelves, product inference, tracking,
 * association) and the edge node (sessions, carts, receipts, persistence).
 *
 * The node feeds validated, de-duplicated device messages in; perception calls the
 * sink with cart deltas and review candidates. Perception never touches SQLite or
 * MQTT; the node never looks at grams or detections.
 */
import type { CameraDetections, LoadCellWeight, ProductHints, StoreLayout, Clock } from '@tebura/contract';

export interface CartDelta {
  /** Stable id of the shelf event that caused it (idempotent apply on replay). */
  eventId: string;
  sessionId: string;
  sku: string;
  /** Positive: taken; negative: put back. Never zero. */
  quantityDelta: number;
  /** Calibrated probability that this delta is right (sku, count and shopper). */
  confidence: number;
  /** Device time at which the weight settled. */
  settledAt: number;
  /** Wall-clock (clock.now()) when perception emitted it; for emit_to_cart latency. */
  emittedAt: number;
  /**
   * Wall-clock arrival of the packet carrying the reading after which the weight
   * stayed settled (see settle-clock.ts); for event_to_cart latency. Absent when unknown.
   */
  settleArrivalMs?: number;
  /**
   * Decided on an early window whose full window has not come: settleArrivalMs is
   * provisional (the early level's), and PerceptionSink.settleKnown gives the time
   * the weight settled at the level the plate came to rest at, when that window comes.
   */
  settlePending?: true;
}

export interface ReviewCandidate {
  eventId: string;
  /** Why a human must look: AMBIGUOUS_SKU, AMBIGUOUS_SHOPPER, TWO_HANDS (two shoppers at one multi-unit change), NO_SHOPPER, UNKNOWN_WEIGHT ... */
  reason: string;
  plateIds: string[];
  deltaG: number;
  window: { startTs: number; endTs: number };
  /** Best guesses, most likely first. */
  skuCandidates: { sku: string; quantity: number; probability: number }[];
  shopperCandidates: { sessionId: string; probability: number }[];
  /** Evidence for the reviewer: a short weight trace and track positions. */
  evidence: {
    weightTrace: { plateId: string; ts: number; grams: number }[];
    tracks: { sessionId: string | null; trackId: string; x: number; y: number; ts: number }[];
  };
}

export interface PerceptionSink {
  cartDelta(delta: CartDelta): void;
  review(item: ReviewCandidate): void;
  /**
   * The weight behind shelf event `eventId`'s pending deltas (settlePending) settled at
   * `settleArrivalMs` (wall clock): measure their event_to_cart from it. Measurement only.
   */
  settleKnown?(eventId: string, settleArrivalMs: number): void;
}

/** Identity binding state that must survive an edge restart. */
export interface PerceptionSnapshot {
  version: 1;
  data: unknown;
}

export interface Perception {
  onWeight(msg: LoadCellWeight): void;
  onDetections(msg: CameraDetections): void;
  onHints(msg: ProductHints): void;
  /**
   * A gate admitted a session: bind it to the next track(s) that pass through that
   * gate; `people` = 1 + guests (companions roll up to the same session).
   */
  admit(sessionId: string, gateId: string, people: number, ts: number): void;
  /** Someone crossed a gate. For an exit gate: which session left (null if unknown). */
  onCrossing(gateId: string, direction: 'in' | 'out', ts: number): { sessionId: string | null };
  /**
   * Resolve pending shelf events that may still belong to this session (weight not
   * yet settled); resolves when none is pending or after `timeoutMs`.
   */
  settle(sessionId: string, timeoutMs: number): Promise<void>;
  /** The session is closed: forget its tracks. */
  release(sessionId: string): void;
  snapshot(): PerceptionSnapshot;
  restore(s: PerceptionSnapshot): void;
  /** For the console: tracked people, with their session if bound. */
  people(): { trackId: string; sessionId: string | null; x: number; y: number }[];
  /** For the console: current filtered weight per plate. */
  plateWeights(): Record<string, number>;
  /** Optional counters for metrics (events, reviews, dropped input, sink errors ...). */
  stats?(): Record<string, number>;
}

export type PerceptionFactory = (layout: StoreLayout, clock: Clock, sink: PerceptionSink) => Perception;
