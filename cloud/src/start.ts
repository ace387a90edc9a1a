import { systemClock, type Clock } from '@tebura/contract';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { CloudConfig } from './config.js';
import type { CloudCtx, FaceEmbedder } from './context.js';
import { buildCloudApp, SWEEP_ROWS_MAX, type CloudStats } from './http/app.js';
import type { SandboxScript } from './payments/sandbox.js';
import { expireHolds } from './services/holds.js';
import { sweepPending } from './services/settle.js';

export interface RunningCloud {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
  stats(): Promise<CloudStats>;
}

/** Receipts left 'pending' by a crash are settled at start, in bounded rounds. */
export const START_SWEEP_ROUNDS_MAX = 100;

export async function startCloud(
  cfg: Readonly<CloudConfig>,
  deps: { clock?: Clock; faceEmbedder?: FaceEmbedder; logger?: FastifyBaseLogger; sandboxScript?: SandboxScript } = {},
): Promise<RunningCloud> {
  const built = await buildCloudApp(cfg, { ...deps, clock: deps.clock ?? systemClock });
  try {
    for (let i = 0; i < START_SWEEP_ROUNDS_MAX; i++) {
      if ((await sweepPending(built.ctx, SWEEP_ROWS_MAX)) === 0) break;
    }
    const url = await built.app.listen({ host: cfg.host, port: cfg.port });
    const sweeper = startSweeper(built.ctx, built.app.log, cfg.sweepIntervalMs);
    return {
      url,
      app: built.app,
      close: async () => {
        await sweeper.stop();
        await built.close();
      },
      stats: built.stats,
    };
  } catch (e) {
    await built.close();
    throw e;
  }
}

/** Periodic sweep: pending receipts settled, expired holds voided. One run at a time; a failure is logged and retried next interval. */
function startSweeper(ctx: CloudCtx, log: FastifyBaseLogger, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= (async () => {
      try {
        await sweepPending(ctx, SWEEP_ROWS_MAX);
        await expireHolds(ctx);
      } catch (err) {
        log.error({ err }, 'periodic payment sweep failed');
      }
    })().finally(() => {
      running = null;
    });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
