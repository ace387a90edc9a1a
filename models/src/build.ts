/**
 * `tebura models build`: converts npm-shipped weights to ONNX files plus manifests
 * in `models/onnx/` (git-ignored). Idempotent: a model whose source files,
 * converter version and output file still match its manifest is skipped, so
 * `ensureModels()` costs a few hashes when everything is up to date.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, CONVERTER_VERSION, packageDir, type CatalogEntry, type ModelName } from './catalog.js';
import { manifestPath, readManifest, readVerifiedModel, sha256Hex, type ModelManifest } from './manifest.js';

export const DEFAULT_MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'onnx');

export interface BuildProgress {
  model: ModelName;
  state: 'skipped' | 'building' | 'built';
  ms?: number;
  bytes?: number;
}

export interface BuildOptions {
  outDir?: string;
  onProgress?: (p: BuildProgress) => void;
  /** Build only these models (default: all). */
  only?: readonly ModelName[];
  /** Rebuild even when up to date. */
  force?: boolean;
}

export interface BuildResult {
  outDir: string;
  built: ModelName[];
  skipped: ModelName[];
  manifests: ModelManifest[];
}

function buildKeyOf(entry: CatalogEntry, pkgDir: string, version: string): string {
  const h = [entry.name, entry.package, version, `converter:${CONVERTER_VERSION}`];
  for (const f of entry.files) h.push(`${f}:${sha256Hex(readFileSync(join(pkgDir, f)))}`);
  return sha256Hex(h.join('\n'));
}

function upToDate(outDir: string, entry: CatalogEntry, buildKey: string): ModelManifest | undefined {
  if (!existsSync(manifestPath(outDir, entry.name))) return undefined;
  try {
    const m = readManifest(outDir, entry.name);
    if (m.buildKey !== buildKey) return undefined;
    readVerifiedModel(outDir, m);
    return m;
  } catch {
    return undefined; // unreadable or tampered: rebuild from source
  }
}

/** Write then rename, so a concurrent reader never sees half a file. */
function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function buildOne(entry: CatalogEntry, outDir: string, pkgDir: string, version: string, buildKey: string): ModelManifest {
  const file = `${entry.name}.onnx`;
  const bytes = entry.convert(join(pkgDir, entry.files[0] ?? ''), {
    'tebura.model': entry.name,
    'tebura.source': `${entry.package}@${version}`,
    'tebura.buildKey': buildKey,
  });
  const manifest: ModelManifest = {
    manifestVersion: 1,
    name: entry.name,
    task: entry.task,
    file,
    sha256: sha256Hex(bytes),
    bytes: bytes.length,
    input: entry.input,
    outputs: entry.outputs,
    source: { package: entry.package, version, files: entry.files, licence: entry.licence, upstream: entry.upstream },
    converter: { name: 'tebura-models', version: CONVERTER_VERSION },
    buildKey,
    parityToleranceAbs: entry.parityToleranceAbs,
  };
  writeAtomic(join(outDir, file), bytes);
  writeAtomic(manifestPath(outDir, entry.name), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function buildModels(opts: BuildOptions = {}): Promise<BuildResult> {
  const outDir = opts.outDir ?? DEFAULT_MODELS_DIR;
  mkdirSync(outDir, { recursive: true });
  const result: BuildResult = { outDir, built: [], skipped: [], manifests: [] };
  for (const entry of CATALOG) {
    if (opts.only && !opts.only.includes(entry.name)) continue;
    const { dir: pkgDir, version } = packageDir(entry.package);
    const buildKey = buildKeyOf(entry, pkgDir, version);
    const current = opts.force ? undefined : upToDate(outDir, entry, buildKey);
    if (current) {
      result.skipped.push(entry.name);
      result.manifests.push(current);
      opts.onProgress?.({ model: entry.name, state: 'skipped' });
      continue;
    }
    opts.onProgress?.({ model: entry.name, state: 'building' });
    const t0 = performance.now();
    const m = buildOne(entry, outDir, pkgDir, version, buildKey);
    result.built.push(entry.name);
    result.manifests.push(m);
    opts.onProgress?.({ model: entry.name, state: 'built', ms: Math.round(performance.now() - t0), bytes: m.bytes });
  }
  return Promise.resolve(result);
}

/**
 * Builds the models on first use. Cheap when up to date (hashes only), so it is
 * called at every pipeline load rather than cached in a module global.
 */
export function ensureModels(opts: Omit<BuildOptions, 'force'> = {}): Promise<BuildResult> {
  return buildModels(opts);
}
