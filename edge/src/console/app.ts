/**
 * The operator console: fastify with REST, server-sent events and a small web UI.
 * Order follows the fastify demo app: core options, error handling, then routes.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { systemClock, type Clock } from '@tebura/contract';
import type { ConsoleSource } from './source.js';
import { ConsoleCounters } from './counters.js';
import { installErrorHandlers } from './errors.js';
import { DEFAULT_SSE_LIMITS, SseHub, type SseLimits } from './sse-hub.js';
import { apiRoutes } from './routes-api.js';
import { eventRoutes } from './routes-events.js';
import { loadAssets, staticRoutes } from './routes-static.js';

/** Largest request body accepted (a review resolution is well under 10 KiB). */
export const BODY_BYTES_MAX_DEFAULT = 64 * 1024;

export interface ConsoleOptions {
  /** Passed to fastify: false (default), true, or pino options. */
  logger?: FastifyServerOptions['logger'];
  /** The node's clock: timestamps the console stamps (the SSE hello). */
  clock?: Clock;
  /**
   * Wall time for SSE throttling. Not the node's clock on purpose: the throttle
   * protects a real browser on a real network, so a simulated clock that is
   * frozen or running 10x must not stall or flood it.
   */
  rateClock?: Clock;
  sse?: Partial<SseLimits>;
  bodyBytesMax?: number;
}

export async function buildConsoleApp(source: ConsoleSource, opts: ConsoleOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT,
    // Reject unknown fields instead of silently stripping them, and report every
    // problem at once (STYLE rule 3 applies to requests too).
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  const counters = new ConsoleCounters();
  const limits: SseLimits = { ...DEFAULT_SSE_LIMITS, ...opts.sse };
  const hub = new SseHub(source, limits, { node: opts.clock ?? systemClock, rate: opts.rateClock ?? systemClock }, counters, app.log);
  const files = await loadAssets(new URL('./public/', import.meta.url));

  installErrorHandlers(app, counters);
  // Open event streams would keep server.close() waiting forever.
  app.addHook('preClose', async () => hub.closeAll());

  await app.register(apiRoutes, { source, counters, hub });
  await app.register(eventRoutes, { hub, clientsMax: limits.clientsMax });
  await app.register(staticRoutes, { files });
  return app;
}

export async function startConsole(
  source: ConsoleSource,
  opts: { host: string; port: number } & ConsoleOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port, ...rest } = opts;
  const app = await buildConsoleApp(source, rest);
  const url = await app.listen({ host, port });
  return { url, close: () => app.close() };
}
