/** Perception and fusion: the edge node's view of shelves, people and who took what. */
import type { PerceptionFactory } from './api.js';
import { createPerceptionWith } from './perception.js';

export type * from './api.js';
export { createPerceptionWith, StorePerception, SETTLE_WAITERS_MAX } from './perception.js';
export { settleDeltas } from './settle-clock.js';
export { DEFAULT_TUNING, type PerceptionTuning } from './tuning.js';
export { benchPerception, type BenchResult } from './bench.js';

/** The factory the node uses: default tuning. */
export const createPerception: PerceptionFactory = (layout, clock, sink) => createPerceptionWith(layout, clock, sink);
