/**
 * Model manifests: what a model expects and produces, where its weights came from,
 * and the sha256 of the ONNX file. The runtime refuses a model whose file does not
 * match its manifest (a tampered or half-written file), and checks the input shape
 * the session reports against the manifest before one warm-up inference.
 */
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export type ModelTask = 'face-detection' | 'face-landmarks' | 'face-embedding' | 'face-antispoof' | 'face-liveness';

export interface ModelInputSpec {
  name: string;
  layout: 'NHWC';
  /** Fixed shape, batch first. */
  shape: number[];
  pixelFormat: 'RGB';
  dtype: 'float32';
  /** model input = pixel (0..255) * scale + offset, per channel after any in-graph steps. */
  normalisation: { scale: number; offset: number; note: string };
}

export interface ModelOutputSpec {
  name: string;
  description: string;
}

export interface ModelManifest {
  manifestVersion: 1;
  name: string;
  task: ModelTask;
  file: string;
  sha256: string;
  bytes: number;
  input: ModelInputSpec;
  outputs: ModelOutputSpec[];
  source: { package: string; version: string; files: string[]; licence: string; upstream: string };
  converter: { name: string; version: number };
  /** Hash of the source weight files and converter version: the build is skipped when unchanged. */
  buildKey: string;
  /** Max abs difference to the TFJS reference that the parity test accepts. */
  parityToleranceAbs: number;
}

export class ManifestError extends Error {
  readonly code = 'E_MODEL_MANIFEST';
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function manifestPath(dir: string, name: string): string {
  return join(dir, `${name}.manifest.json`);
}

export function readManifest(dir: string, name: string): ModelManifest {
  const p = manifestPath(dir, name);
  if (!existsSync(p)) throw new ManifestError(`model ${name}: no manifest at ${p} (run \`tebura models build\`)`);
  const m = JSON.parse(readFileSync(p, 'utf8')) as ModelManifest;
  if (m.manifestVersion !== 1 || m.name !== name) throw new ManifestError(`model ${name}: manifest ${p} is not a version 1 manifest for ${name}`);
  return m;
}

/** Reads the model bytes and checks them against the manifest; throws ManifestError on mismatch. */
export function readVerifiedModel(dir: string, manifest: ModelManifest): Buffer {
  const p = join(dir, manifest.file);
  if (!existsSync(p)) throw new ManifestError(`model ${manifest.name}: file ${p} missing`);
  const bytes = readFileSync(p);
  const sha = sha256Hex(bytes);
  if (sha !== manifest.sha256 || bytes.length !== manifest.bytes) {
    throw new ManifestError(`model ${manifest.name}: sha256 ${sha} of ${p} does not match manifest ${manifest.sha256}`);
  }
  return bytes;
}
