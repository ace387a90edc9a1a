export { buildModels, ensureModels, DEFAULT_MODELS_DIR } from './build.js';
export type { BuildOptions, BuildProgress, BuildResult } from './build.js';
export { CATALOG, type ModelName } from './catalog.js';
export { ManifestError, readManifest, type ModelManifest } from './manifest.js';
export { loadModel, type LoadedModel } from './runtime.js';
