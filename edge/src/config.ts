/**
 * The edge node's one config schema (STYLE rule 3): loaded with the contract's
 * `loadConfig`, every error reported with its path, defaults applied, frozen.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, GUESTS_MAX, IdString, StoreLayout, loadConfig, storeLayoutProblems, type ErrorDetail } from '@tebura/contract';

export const EdgeBounds = Type.Object(
  {
    /** How long an out-of-order message waits for its predecessors before we skip the gap. */
    reorderWindowMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 200 }),
    /** Messages held per device while waiting for a gap to fill. */
    reorderBufferMax: Type.Integer({ minimum: 1, maximum: 10_000, default: 64 }),
    /** Devices tracked by ingest; beyond it new devices are rejected (a flood guard). */
    devicesMax: Type.Integer({ minimum: 1, maximum: 100_000, default: 1024 }),
    /** Outbox rows sent per upload pass. */
    outboxBatchMax: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    /** Records per request on the cloud's batch route (its limit is BATCH_RECORDS_MAX, 100); 1 = one request per record. */
    batchRecordsMax: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    /** Batch requests of one upload pass in flight at once (disjoint sessions). */
    uploadRequestsParallelMax: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
    /** Failed sends tolerated in one pass before the pass stops and waits. */
    retryAttemptsPerPassMax: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
    retryBackoffBaseMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 500 }),
    retryBackoffMaxMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000 }),
    /** Interval between outbox passes when nothing wakes the uploader earlier. */
    outboxPollMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
    /** One cloud HTTP request, connect to body. */
    httpTimeoutMs: Type.Integer({ minimum: 10, maximum: 120_000, default: 5000 }),
    /** How long exit waits for perception to settle pending shelf events. */
    settleTimeoutMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 500 }),
    /** Periodic perception snapshot (it is also saved on every admit and close). */
    snapshotIntervalMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
    /** Used app-token ids remembered (each until its expiry). */
    usedJtisMax: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
    /** How long a fetched JWKS is trusted before it is fetched again. */
    jwksCacheMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 600_000 }),
    /** Gate requests being identified at once; beyond it a request is answered 'busy' at once. */
    gateRequestsInFlightMax: Type.Integer({ minimum: 1, maximum: 10_000, default: 64 }),
    /** Period of live people/plates events to console listeners. */
    liveIntervalMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 500 }),
    /** Sent outbox rows and applied-event ids of closed sessions are kept this long. */
    retentionMs: Type.Integer({ minimum: 60_000, default: 7 * 86_400_000 }),
    /** Latency samples kept for percentiles. */
    latencySamplesMax: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 10_000 }),
    /** (code, device) pairs remembered for log-once of rejected messages. */
    rejectLogKeysMax: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  },
  { additionalProperties: false, default: {} },
);
export type EdgeBounds = Static<typeof EdgeBounds>;

export const EdgeConfigSchema = Type.Object(
  {
    storeId: IdString,
    mqttUrl: Type.String({ pattern: '^(mqtt|mqtts|tcp|ws|wss)://', default: 'mqtt://127.0.0.1:1883' }),
    /** MQTT client id; the default `edge-<storeId>` keeps one persistent session per store. */
    mqttClientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** SQLite file; ':memory:' for tests. */
    dbPath: Type.String({ minLength: 1 }),
    /** The store layout document, inline or a path to a JSON file. */
    layout: Type.Union([Type.String({ minLength: 1 }), Type.Unknown()]),
    cloud: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://' }),
          apiKey: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Entry-token public keys for offline or demo use (a JWKS `{keys: [...]}`). */
    entryKeys: Type.Optional(Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) })),
    console: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Biometric entry. Galleries are filled from the cloud's sync feed (enrolments, deletions). */
    identity: Type.Object(
      {
        palm: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            /** Template length the store's palm scanners produce. */
            dim: Type.Integer({ minimum: 8, maximum: 1024, default: 128 }),
            gallerySizeMax: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1_000_000 }),
            threshold: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
          },
          { additionalProperties: false, default: {} },
        ),
        face: Type.Object(
          {
            /** Loads the ONNX face models (built from npm-shipped weights on first use). */
            enabled: Type.Boolean({ default: false }),
            gallerySizeMax: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
            threshold: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
          },
          { additionalProperties: false, default: {} },
        ),
        /** How often enrolments and deletions are pulled from the cloud. */
        syncIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5000 }),
        /** Companions one payer may bring in on their account; more answers TOO_MANY_GUESTS. */
        guestsMax: Type.Integer({ minimum: 0, maximum: GUESTS_MAX, default: 4 }),
        /** Customers owing money (UNPAID_BALANCE) or with an open dispute (OPEN_DISPUTE) are turned away at entry. */
        standing: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            denyOpenDispute: Type.Boolean({ default: true }),
            /** How often the list is pulled; a settled balance admits again after at most this long. */
            syncIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    bounds: EdgeBounds,
    /** Seed for backoff jitter and other randomness. */
    seed: Type.Integer({ default: 1 }),
  },
  { $id: 'EdgeConfig', additionalProperties: false },
);
export type EdgeConfigInput = Static<typeof EdgeConfigSchema>;

/** A loaded config: the layout is resolved to a checked StoreLayout. */
export type EdgeConfig = Readonly<Omit<EdgeConfigInput, 'layout'> & { layout: StoreLayout }>;

function resolveLayout(raw: unknown, _source: string): { layout?: StoreLayout; problems: ErrorDetail[] } {
  let doc: unknown = raw;
  if (typeof raw === 'string') {
    try {
      doc = JSON.parse(readFileSync(raw, 'utf8'));
    } catch (e) {
      return { problems: [{ path: '/layout', message: `cannot read layout file '${raw}': ${(e as Error).message}` }] };
    }
  }
  const withDefaults = Value.Default(StoreLayout, Value.Clone(doc)) as unknown;
  const problems: ErrorDetail[] = [...Value.Errors(StoreLayout, withDefaults)].map((e) => ({ path: `/layout${e.path}`, message: e.message }));
  if (problems.length > 0) return { problems };
  const layout = withDefaults as StoreLayout;
  problems.push(...storeLayoutProblems(layout).map((p) => ({ path: `/layout${p.path}`, message: p.message })));
  return { layout, problems };
}

/** Validates a raw config document; throws ConfigError listing every problem (layout ones too). */
export function loadEdgeConfig(raw: unknown, source: string): EdgeConfig {
  const rawLayout = raw !== null && typeof raw === 'object' ? (raw as { layout?: unknown }).layout : undefined;
  const lr = rawLayout === undefined ? { problems: [] as ErrorDetail[] } : resolveLayout(rawLayout, source);
  const details: ErrorDetail[] = [];
  let cfg: Readonly<EdgeConfigInput> | undefined;
  try {
    cfg = loadConfig(EdgeConfigSchema, raw, source, (c) =>
      c.bounds.retryBackoffMaxMs < c.bounds.retryBackoffBaseMs ? [{ path: '/bounds/retryBackoffMaxMs', message: 'must be >= retryBackoffBaseMs' }] : [],
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    details.push(...e.details);
  }
  details.push(...lr.problems);
  if (details.length > 0 || cfg === undefined || lr.layout === undefined) {
    throw new ConfigError(source, details.length > 0 ? details : [{ path: '/layout', message: 'layout missing' }]);
  }
  return Object.freeze({ ...cfg, layout: Object.freeze(lr.layout) });
}

/** Accepts an already loaded config or a raw document. */
export function asEdgeConfig(cfg: EdgeConfig | unknown, source = 'startEdge'): EdgeConfig {
  if (cfg !== null && typeof cfg === 'object' && Object.isFrozen(cfg) && typeof (cfg as { layout?: unknown }).layout === 'object') {
    const l = (cfg as { layout: { gates?: unknown } }).layout;
    if (Array.isArray(l.gates) && Object.isFrozen(l)) return cfg as EdgeConfig;
  }
  return loadEdgeConfig(cfg, source);
}
