/**
 * Converter parity: each ONNX model against its TFJS (cpu) reference on the same
 * input, within the tolerance recorded in the model's manifest.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModels, DEFAULT_MODELS_DIR } from '../build.js';
import { catalogEntry, packageDir, type ModelName } from '../catalog.js';
import { loadModel } from '../runtime.js';
import { loadTfjsGraph, runTfjsGraph } from '../testing/tfjs-reference.js';
import { dlibTfjsDescriptor } from '../testing/dlib-tfjs.js';
import { landmark68Tfjs } from '../testing/landmark68-tfjs.js';
import { halfToFloat } from './weights.js';

/** Deterministic pseudo-random pixels in 0..255 (Lehmer), so failures replay. */
function pixels(n: number, seed = 1): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = (s / 2147483647) * 255;
  }
  return x;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

beforeAll(async () => {
  await buildModels({ outDir: DEFAULT_MODELS_DIR });
}, 120_000);

describe('weights', () => {
  it('decodes IEEE half floats', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 10);
  });
});

describe('TFJS graph models: ONNX matches TFJS cpu', () => {
  const cases: Array<[ModelName, string[]]> = [
    ['blazeface', ['Identity', 'Identity_1', 'Identity_2', 'Identity_3']],
    ['faceres', ['global_pooling/Mean']],
    ['antispoof', ['Identity']],
    ['liveness', ['Identity']],
  ];
  for (const [name, tfOutputs] of cases) {
    it(`${name} within its manifest tolerance`, async () => {
      const entry = catalogEntry(name);
      const { dir } = packageDir(entry.package);
      const model = await loadModel(name, { dir: DEFAULT_MODELS_DIR });
      const shape = model.manifest.input.shape;
      const raw = pixels(shape.reduce((a, b) => a * b, 1));
      const { scale, offset } = model.manifest.input.normalisation;
      const input = raw.map((v) => v * scale + offset);
      const ours = await model.run(input);
      const tfModel = await loadTfjsGraph(join(dir, entry.files[0] ?? ''));
      const ref = await runTfjsGraph(tfModel, input, shape, tfOutputs);
      tfOutputs.forEach((o, i) => {
        const mine = ours[o.replace(/[:/]/g, '_')];
        expect(mine, `output ${o}`).toBeDefined();
        const diff = maxAbsDiff(mine?.data ?? [], ref[i] ?? []);
        expect(diff).toBeLessThanOrEqual(model.manifest.parityToleranceAbs);
      });
      // A converter that emits zeros would pass a diff test against a broken reference: check signal.
      const first = ours[(tfOutputs[0] ?? '').replace(/[:/]/g, '_')]?.data ?? new Float32Array();
      expect(first.some((v) => v !== 0)).toBe(true);
      await model.close();
    });
  }
});

describe('dlib ResNet rebuilt in ONNX', () => {
  it('matches a TFJS forward pass of the same weights', async () => {
    const entry = catalogEntry('dlib-resnet');
    const { dir } = packageDir(entry.package);
    const model = await loadModel('dlib-resnet', { dir: DEFAULT_MODELS_DIR });
    const input = pixels(150 * 150 * 3, 7);
    const ours = (await model.run(input))['descriptor']?.data ?? new Float32Array();
    const ref = await dlibTfjsDescriptor(join(dir, entry.files[0] ?? ''), input);
    expect(ours.length).toBe(128);
    expect(maxAbsDiff(ours, ref)).toBeLessThanOrEqual(model.manifest.parityToleranceAbs);
    await model.close();
  });
});

describe('face-api 68-point landmark net rebuilt in ONNX', () => {
  it('matches a TFJS forward pass of the same weights', async () => {
    const entry = catalogEntry('face-landmark-68');
    const { dir } = packageDir(entry.package);
    const model = await loadModel('face-landmark-68', { dir: DEFAULT_MODELS_DIR });
    const input = pixels(112 * 112 * 3, 11);
    const ours = (await model.run(input))['landmarks']?.data ?? new Float32Array();
    const ref = await landmark68Tfjs(join(dir, entry.files[0] ?? ''), input);
    expect(ours.length).toBe(136);
    expect(ours.some((v) => v !== 0)).toBe(true);
    expect(maxAbsDiff(ours, ref)).toBeLessThanOrEqual(model.manifest.parityToleranceAbs);
    await model.close();
  });
});
