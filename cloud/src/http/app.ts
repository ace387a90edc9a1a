/**
 * The cloud app: plugins (docs), then hooks (metrics, errors), then routes.
 * Opening the database and the signing key happens here, not at import.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { systemClock, type Clock } from '@tebura/contract';
import { encryptionKeyOf, type CloudConfig } from '../config.js';
import type { CloudCtx, FaceEmbedder } from '../context.js';
import { openDb } from '../db/open.js';
import { one } from '../db/sql.js';
import { balances, trialBalance } from '../ledger/journal.js';
import { createMetrics } from '../metrics.js';
import { SandboxProvider, type SandboxScript } from '../payments/sandbox.js';
import { InFlight } from '../services/inflight.js';
import { expireHolds } from '../services/holds.js';
import { sweepPending } from '../services/settle.js';
import { loadOrCreateSigningKey } from '../services/tokens.js';
import { Authenticator } from './auth.js';
import { installErrorHandling } from './errors.js';
import { batchRoutes } from './routes-batch.js';
import { catalogRoutes } from './routes-catalog.js';
import { customerRoutes } from './routes-customers.js';
import { storeRoutes } from './routes-store.js';
import { standingRoutes } from './routes-standing.js';

export interface CloudDeps {
  clock?: Clock;
  faceEmbedder?: FaceEmbedder;
  logger?: FastifyBaseLogger;
  /** Drives the sandbox provider's answers in tests. */
  sandboxScript?: SandboxScript;
}

export interface CloudStats {
  receipts: number;
  chargedTotalMinor: number;
  sessions: number;
}

export interface CloudApp {
  app: FastifyInstance;
  ctx: CloudCtx;
  stats(): Promise<CloudStats>;
  close(): Promise<void>;
}

/** Receipts settled per sweep call; the rest wait for the next one. */
export const SWEEP_ROWS_MAX = 1000;

export async function buildCloudApp(cfg: Readonly<CloudConfig>, deps: CloudDeps = {}): Promise<CloudApp> {
  const clock = deps.clock ?? systemClock;
  const db = await openDb(cfg, clock.now());
  try {
    const metrics = createMetrics();
    const ctx: CloudCtx = {
      cfg,
      db,
      clock,
      metrics,
      provider: new SandboxProvider(db, clock, { ...cfg.payments.sandbox, ...(deps.sandboxScript === undefined ? {} : { script: deps.sandboxScript }) }),
      rates: new Map(cfg.taxRates.map((r) => [r.taxClass, r.rateBp])),
      stores: new Map(cfg.stores.map((s) => [s.storeId, s])),
      encryptionKey: encryptionKeyOf(cfg),
      inFlight: new InFlight(cfg.inFlightWaitMs, cfg.inFlightRecordsMax),
      ...(deps.faceEmbedder === undefined ? {} : { faceEmbedder: deps.faceEmbedder }),
    };
    await seedStores(ctx);
    const key = await loadOrCreateSigningKey(db, ctx.encryptionKey, clock.now());
    const app = Fastify({
      ...(deps.logger === undefined ? { logger: { level: cfg.logLevel } } : { loggerInstance: deps.logger }),
      bodyLimit: cfg.bodyBytesMax,
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    });
    await app.register(swagger, {
      openapi: {
        info: { title: 'Tebura cloud ledger', version: '1' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    installErrorHandling(app, metrics);
    app.addHook('onResponse', (req, reply, done) => {
      metrics.httpRequests.inc({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
      done();
    });
    const auth = new Authenticator(cfg);
    storeRoutes(app, ctx, auth);
    batchRoutes(app, ctx, auth);
    catalogRoutes(app, ctx, auth);
    customerRoutes(app, ctx, auth, key);
    adminRoutes(app, ctx, auth);
    standingRoutes(app, ctx, auth);
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
    await app.ready();
    return {
      app,
      ctx,
      stats: () => statsOf(ctx),
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

async function seedStores(ctx: CloudCtx): Promise<void> {
  for (const s of ctx.cfg.stores) {
    await ctx.db.run(
      `INSERT INTO stores (store_id, currency, hold_minor, trusted_hold_minor, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (store_id) DO UPDATE SET currency = excluded.currency, hold_minor = excluded.hold_minor, trusted_hold_minor = excluded.trusted_hold_minor`,
      [s.storeId, s.currency, s.holdMinor, s.trustedHoldMinor ?? null, ctx.clock.now()],
    );
  }
}

export async function statsOf(ctx: CloudCtx): Promise<CloudStats> {
  const r = await one<{ n: number }>(ctx.db, 'SELECT COUNT(*) AS n FROM receipts');
  const s = await one<{ n: number }>(ctx.db, 'SELECT COUNT(*) AS n FROM sessions');
  const c = await one<{ t: number | null }>(ctx.db, "SELECT SUM(amount_minor) AS t FROM payments WHERE status = 'ok' AND op IN ('capture', 'charge')");
  return { receipts: Number(r?.n ?? 0), sessions: Number(s?.n ?? 0), chargedTotalMinor: Number(c?.t ?? 0) };
}

function adminRoutes(app: FastifyInstance, ctx: CloudCtx, auth: Authenticator): void {
  const security = [{ bearer: [] }];
  app.get('/v1/admin/ledger/balances', { schema: { summary: 'Account balances and the trial balance', tags: ['admin'], security } }, async (req) => {
    auth.admin(req);
    return { balances: await balances(ctx.db), trialBalance: await trialBalance(ctx.db) };
  });
  app.post('/v1/admin/payments/sweep', { schema: { summary: 'Settle receipts left pending and void expired holds', tags: ['admin'], security } }, async (req) => {
    auth.admin(req);
    return { settled: await sweepPending(ctx, SWEEP_ROWS_MAX), holdsExpired: await expireHolds(ctx) };
  });
  app.get('/v1/admin/stats', { schema: { summary: 'Counts for dashboards and tests', tags: ['admin'], security } }, async (req) => {
    auth.admin(req);
    return statsOf(ctx);
  });
}
