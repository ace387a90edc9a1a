/** What services share: config, storage, clock, payments, metrics. Built once per app. */
import type { Clock } from '@tebura/contract';
import type { CloudConfig, StoreCredential } from './config.js';
import type { SqlDb } from './db/sql.js';
import type { CloudMetrics } from './metrics.js';
import type { PaymentProvider } from './payments/provider.js';
import type { TaxRates } from './ledger/arithmetic.js';
import type { InFlight } from './services/inflight.js';

export type FaceEmbedder = (img: Buffer) => Promise<Float32Array>;

export interface CloudCtx {
  cfg: Readonly<CloudConfig>;
  db: SqlDb;
  clock: Clock;
  provider: PaymentProvider;
  metrics: CloudMetrics;
  rates: TaxRates;
  stores: ReadonlyMap<string, StoreCredential>;
  encryptionKey: Buffer;
  inFlight: InFlight;
  faceEmbedder?: FaceEmbedder;
}
