/**
 * What the console reads from a running edge node. The node implements it; the
 * console (fastify REST + server-sent events + web UI) only consumes it.
 */
import type { Receipt, StoreLayout } from '@tebura/contract';
import type { ReviewCandidate } from '../perception/api.js';

export interface CartView {
  sessionId: string;
  customerId: string;
  guests: number;
  openedAt: number;
  lines: { sku: string; name: string; quantity: number; unitPriceMinor: number }[];
  pendingReviews: number;
}

export interface ReviewItemView {
  reviewId: string;
  /** open | resolved */
  status: 'open' | 'resolved';
  sessionId: string | null;
  createdAt: number;
  candidate: ReviewCandidate;
  resolution?: ReviewResolution;
}

export interface ReviewResolution {
  /** The reviewer's answer: which session gets what; empty lines = nothing happened. */
  sessionId: string | null;
  lines: { sku: string; quantityDelta: number }[];
  resolvedBy: string;
}

export interface DeviceView {
  deviceId: string;
  kind: string;
  state: 'online' | 'offline' | 'unknown';
  lastSeen: number | null;
  msgsPerS: number;
  gaps: number;
  restarts: number;
}

export interface PersonView {
  trackId: string;
  sessionId: string | null;
  x: number;
  y: number;
}

export type LiveEvent =
  | { type: 'people'; people: PersonView[]; ts: number }
  | { type: 'plates'; grams: Record<string, number>; ts: number }
  | { type: 'cart'; cart: CartView }
  | { type: 'session_closed'; sessionId: string; receipt: Receipt }
  | { type: 'review'; item: ReviewItemView }
  | { type: 'gate'; gateId: string; decision: 'open' | 'deny'; reason: string; ts: number }
  | { type: 'device'; device: DeviceView };

export interface ConsoleSource {
  storeId: string;
  layout(): StoreLayout;
  carts(): CartView[];
  receipts(limit: number): Receipt[];
  reviews(status: 'open' | 'resolved' | 'all'): ReviewItemView[];
  /** Throws TeburaError (E_NOT_FOUND / E_REVIEW_CLOSED ...) on a bad request. */
  resolveReview(reviewId: string, resolution: ReviewResolution): ReviewItemView;
  devices(): DeviceView[];
  people(): PersonView[];
  plateWeights(): Record<string, number>;
  stats(): Record<string, number>;
  /** Live updates; returns an unsubscribe function. Throttling is the console's job. */
  subscribe(listener: (e: LiveEvent) => void): () => void;
}
