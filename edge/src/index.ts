/** @tebura/edge: the per-store edge node. */
export { startEdge, type EdgeNode, type EdgeDeps } from './node/edge.js';
export type { EdgeStats, Percentiles } from './node/stats.js';
export { EdgeConfigSchema, loadEdgeConfig, type EdgeConfig, type EdgeConfigInput } from './config.js';
export { AppTokenMatcher, MemoryJtiStore, type JtiStore, type AppTokenMatcherOptions } from './identity/app-token.js';
export { buildReceipt, buildAdjustment, taxFloor } from './checkout/receipt.js';
export type { SyncPull, SyncPullResult } from './sync/pull.js';
export type * from './perception/api.js';
export type * from './identity/api.js';
export type * from './console/source.js';
