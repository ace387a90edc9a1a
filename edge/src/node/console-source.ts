/** The node's side of the console seam: read models over SQLite and perception, plus live events. */
import type { Receipt, StoreLayout } from '@tebura/contract';
import type { CartView, ConsoleSource, DeviceView, LiveEvent, PersonView, ReviewItemView, ReviewResolution } from '../console/source.js';
import type { Perception } from '../perception/api.js';
import type { Repo } from '../store/repo.js';
import { reviewView, type Carts } from './carts.js';
import type { Sessions } from './sessions.js';

/** Listeners beyond this are refused: each console client holds one. */
export const LIVE_LISTENERS_MAX = 256;
/** Most receipts one console request may list. */
export const RECEIPTS_LIST_MAX = 1000;

export class LiveHub {
  private readonly listeners = new Set<(e: LiveEvent) => void>();
  constructor(private readonly onListenerError: (e: unknown) => void) {}

  subscribe(l: (e: LiveEvent) => void): () => void {
    if (this.listeners.size >= LIVE_LISTENERS_MAX) throw new Error(`too many live listeners (${LIVE_LISTENERS_MAX})`);
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  emit(e: LiveEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

export interface SourceParts {
  storeId: string;
  layout: StoreLayout;
  repo: Repo;
  carts: Carts;
  sessions: Sessions;
  perception: () => Perception;
  devices: () => DeviceView[];
  stats: () => Record<string, number>;
  hub: LiveHub;
}

export function makeConsoleSource(p: SourceParts): ConsoleSource {
  return {
    storeId: p.storeId,
    layout: () => p.layout,
    carts: (): CartView[] => [...p.repo.sessionsWith('open'), ...p.repo.sessionsWith('exiting')].map((s) => p.carts.cartView(s)),
    receipts: (limit: number): Receipt[] => p.repo.receipts<Receipt>(Math.max(0, Math.min(RECEIPTS_LIST_MAX, Math.floor(limit)))),
    reviews: (status): ReviewItemView[] => p.repo.reviews(status).map(reviewView),
    resolveReview: (reviewId: string, resolution: ReviewResolution) => p.sessions.resolveReview(reviewId, resolution),
    devices: p.devices,
    people: (): PersonView[] => p.perception().people(),
    plateWeights: () => p.perception().plateWeights(),
    stats: p.stats,
    subscribe: (l) => p.hub.subscribe(l),
  };
}
