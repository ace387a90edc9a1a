export { CloudConfigSchema, loadCloudConfig, DEV_ENCRYPTION_KEY, type CloudConfig, type StoreCredential } from './config.js';
export { startCloud, type RunningCloud } from './start.js';
export { buildCloudApp, type CloudApp, type CloudDeps, type CloudStats } from './http/app.js';
export { CloudErrors } from './errors.js';
export type { PaymentProvider, PaymentRequest, ProviderOutcome, PaymentOp } from './payments/provider.js';
export { SandboxProvider, type SandboxScript, type SandboxVerdict } from './payments/sandbox.js';
export type { FaceEmbedder } from './context.js';
export { benchLedger, type LedgerBenchResult, type LedgerBenchOptions } from './bench.js';
