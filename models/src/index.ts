export { buildModels, ensureModels, DEFAULT_MODELS_DIR } from './build.js';
export type { BuildOptions, BuildProgress, BuildResult } from './build.js';
export { CATALOG, type ModelName } from './catalog.js';
export { ManifestError, readManifest, type ModelManifest } from './manifest.js';
export { loadModel, type LoadedModel } from './runtime.js';
export { loadFacePipeline, DEFAULT_FACE_THRESHOLDS } from './face/pipeline.js';
export type { FacePipeline, FacePipelineOptions, FaceThresholds, FaceQuality, FaceDenyReason, FaceEmbedder, EmbedResult } from './face/pipeline.js';
export { Gallery, GalleryError, SEARCH_K_MAX, type GalleryOptions, type GalleryMatch, type GalleryPrecision } from './gallery.js';
