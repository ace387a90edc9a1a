import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModels, DEFAULT_MODELS_DIR } from './build.js';
import { ManifestError, manifestPath, readManifest } from './manifest.js';
import { loadModel } from './runtime.js';
import { lockFromManifests, readLock } from './lock.js';

let dir: string;

beforeAll(async () => {
  await buildModels({ outDir: DEFAULT_MODELS_DIR, only: ['liveness'] });
  dir = mkdtempSync(join(tmpdir(), 'tebura-manifest-'));
  copyFileSync(join(DEFAULT_MODELS_DIR, 'liveness.onnx'), join(dir, 'liveness.onnx'));
  copyFileSync(manifestPath(DEFAULT_MODELS_DIR, 'liveness'), manifestPath(dir, 'liveness'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model manifests', () => {
  it('record task, input layout, normalisation, source and licence', () => {
    const m = readManifest(dir, 'liveness');
    expect(m.task).toBe('face-liveness');
    expect(m.input).toMatchObject({ layout: 'NHWC', pixelFormat: 'RGB', shape: [1, 32, 32, 3] });
    expect(m.source.package).toBe('@vladmandic/human');
    expect(m.source.version).toBe('3.3.6');
    expect(m.source.licence.length).toBeGreaterThan(0);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('loads an intact model (with its warm-up inference)', async () => {
    const model = await loadModel('liveness', { dir });
    const out = await model.run(new Float32Array(32 * 32 * 3).fill(0.5));
    expect(out['Identity']?.dims).toEqual([1, 2]);
    await model.close();
  });

  it('refuses a tampered model file', async () => {
    const p = join(dir, 'liveness.onnx');
    const bytes = readFileSync(p);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff; // one flipped weight byte
    writeFileSync(p, bytes);
    await expect(loadModel('liveness', { dir })).rejects.toThrow(ManifestError);
    await expect(loadModel('liveness', { dir })).rejects.toThrow(/sha256/);
  });

  it('refuses a missing manifest with a hint to build', async () => {
    await expect(loadModel('faceres', { dir })).rejects.toThrow(/models build/);
  });
});

describe('buildModels', () => {
  it('is idempotent: a second build skips every model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tebura-build-'));
    try {
      const first = await buildModels({ outDir: out, only: ['liveness', 'antispoof'] });
      expect(first.built.sort()).toEqual(['antispoof', 'liveness']);
      const t0 = performance.now();
      const second = await buildModels({ outDir: out, only: ['liveness', 'antispoof'] });
      expect(second.built).toEqual([]);
      expect(second.skipped.sort()).toEqual(['antispoof', 'liveness']);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(second.manifests.map((m) => m.sha256).sort()).toEqual(first.manifests.map((m) => m.sha256).sort());
      // A damaged output is rebuilt, not trusted.
      writeFileSync(join(out, 'liveness.onnx'), 'garbage');
      const third = await buildModels({ outDir: out, only: ['liveness'] });
      expect(third.built).toEqual(['liveness']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('models.lock.json', () => {
  it('a fresh build is byte-identical to the lock (deterministic converter, locked packages)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tebura-lock-'));
    try {
      const r = await buildModels({ outDir: out });
      expect(lockFromManifests(r.manifests)).toEqual(readLock());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
