export { buildConsoleApp, startConsole, BODY_BYTES_MAX_DEFAULT, type ConsoleOptions } from './app.js';
export { DEFAULT_SSE_LIMITS, type SseLimits } from './sse-hub.js';
export { ConsoleErrorCodes } from './errors.js';
export { storeView, type StoreView, type PlateView } from './store-view.js';
export type * from './source.js';
