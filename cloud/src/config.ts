/**
 * The cloud's one config schema (STYLE rule 3): every problem reported at once
 * with its path, defaults applied, frozen after load.
 */
import { Type, type Static } from '@sinclair/typebox';
import { loadConfig, type ErrorDetail } from '@tebura/contract';

const HEX32 = '^[0-9a-fA-F]{64}$';

export const StoreCredentialSchema = Type.Object(
  {
    storeId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }),
    /** Bearer key the store's edge node presents. */
    apiKey: Type.String({ minLength: 16, maxLength: 256 }),
    /** Hold placed at entry for a customer of standard trust. */
    holdMinor: Type.Integer({ minimum: 0, default: 5000 }),
    /** Hold for a trusted customer (long history, no unpaid receipts). */
    trustedHoldMinor: Type.Optional(Type.Integer({ minimum: 0 })),
    currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'JPY' }),
  },
  { additionalProperties: false },
);
export type StoreCredential = Static<typeof StoreCredentialSchema>;

export const TaxRateSchema = Type.Object(
  { taxClass: Type.Union([Type.Literal('food'), Type.Literal('standard')]), rateBp: Type.Integer({ minimum: 0, maximum: 10000 }) },
  { additionalProperties: false },
);

export const SandboxSettingsSchema = Type.Object(
  {
    /**
     * Customer-id substrings that make the sandbox fail deterministically:
     * 'decline' declines, 'timeout' times out, 'error' answers a provider error.
     */
    failByCustomerPattern: Type.Boolean({ default: true }),
    /** Simulated provider latency per call. */
    latencyMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  },
  { additionalProperties: false, default: {} },
);

export const CloudConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    /** SQLite file; ':memory:' for tests. Ignored when databaseUrl is set. */
    dbPath: Type.String({ default: ':memory:' }),
    /** PostgreSQL connection string (DATABASE_URL); when set, PostgreSQL is used. */
    databaseUrl: Type.Optional(Type.String({ minLength: 1 })),
    /** PostgreSQL schema to use (created if missing); tests use a unique one per run. */
    databaseSchema: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'public' }),
    dbPoolSizeMax: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
    /** Requests waiting for the single SQLite writer before answering 503. */
    dbQueueLengthMax: Type.Integer({ minimum: 1, default: 10_000 }),
    adminKey: Type.String({ minLength: 16, maxLength: 256 }),
    /** AES-256-GCM key for biometric templates at rest, 64 hex chars. */
    encryptionKey: Type.Optional(Type.String({ pattern: HEX32 })),
    /** Allows a fixed, publicly known encryption key. Never in production. */
    devMode: Type.Boolean({ default: false }),
    stores: Type.Array(StoreCredentialSchema, { maxItems: 10_000, default: [] }),
    taxRates: Type.Array(TaxRateSchema, {
      minItems: 1,
      default: [
        { taxClass: 'food', rateBp: 800 },
        { taxClass: 'standard', rateBp: 1000 },
      ],
    }),
    payments: Type.Object(
      {
        provider: Type.Literal('sandbox', { default: 'sandbox' }),
        /** Bound on one provider call; a slower answer counts as a timeout. */
        callTimeoutMs: Type.Integer({ minimum: 1, maximum: 120_000, default: 10_000 }),
        sandbox: SandboxSettingsSchema,
      },
      { additionalProperties: false, default: {} },
    ),
    /** How long a retry waits for the same record still being processed before 409 E_IN_FLIGHT. */
    inFlightWaitMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 5_000 }),
    inFlightRecordsMax: Type.Integer({ minimum: 1, default: 10_000 }),
    bodyBytesMax: Type.Integer({ minimum: 1024, default: 1_048_576 }),
    /** Enrolment requests may carry photos. */
    enrolBodyBytesMax: Type.Integer({ minimum: 1024, default: 16_777_216 }),
    entryTokenTtlS: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
    /** An entry hold with no receipt this long after it reached the cloud is voided (walk-outs, lost sessions). */
    holdTtlMs: Type.Integer({ minimum: 60_000, maximum: 7 * 86_400_000, default: 86_400_000 }),
    /** How often the running cloud looks for expired holds (and pending receipts). */
    sweepIntervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 }),
    /** Lifetime of a customer credential (listing receipts, disputing a line); the app asks for a new one before it ends. */
    customerTokenTtlS: Type.Integer({ minimum: 60, maximum: 31_536_000, default: 2_592_000 }),
    syncPageRowsMax: Type.Integer({ minimum: 1, maximum: 100_000, default: 5_000 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);
export type CloudConfig = Static<typeof CloudConfigSchema>;

/** Publicly known, so only usable with devMode: true. */
export const DEV_ENCRYPTION_KEY = '7465627572612d6465762d6b65792d6e6f742d666f722d70726f64756374696f';

function crossChecks(cfg: CloudConfig): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (cfg.encryptionKey === undefined && !cfg.devMode) {
    problems.push({ path: '/encryptionKey', message: 'required unless devMode is true' });
  }
  const ids = new Set<string>();
  const keys = new Set<string>([cfg.adminKey]);
  cfg.stores.forEach((s, i) => {
    if (ids.has(s.storeId)) problems.push({ path: `/stores/${i}/storeId`, message: `duplicate store '${s.storeId}'` });
    if (keys.has(s.apiKey)) problems.push({ path: `/stores/${i}/apiKey`, message: 'api key reused (admin or another store)' });
    ids.add(s.storeId);
    keys.add(s.apiKey);
  });
  return problems;
}

/** Validates a raw config (file + env merged by the caller). Throws ConfigError with every problem. */
export function loadCloudConfig(raw: unknown, source: string): Readonly<CloudConfig> {
  const withEnv = { ...(raw as Record<string, unknown> | undefined) };
  const url = process.env['DATABASE_URL'];
  if (withEnv['databaseUrl'] === undefined && url !== undefined && url !== '') withEnv['databaseUrl'] = url;
  return loadConfig(CloudConfigSchema, withEnv, source, crossChecks);
}

export function encryptionKeyOf(cfg: CloudConfig): Buffer {
  return Buffer.from(cfg.encryptionKey ?? DEV_ENCRYPTION_KEY, 'hex');
}
