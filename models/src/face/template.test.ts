/** The face template layout: two unit blocks / sqrt(2), so a dot product is the mean of the two cosines. */
import { FACE_TEMPLATE, normaliseBlocks } from '@tebura/contract';
import { describe, expect, it } from 'vitest';
import { bgrCaffe, composeTemplate } from './pipeline.js';
import { dot, l2normalise } from './quality.js';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.3;
  });
}

describe('face template', () => {
  const d = FACE_TEMPLATE.blockDim;
  it('is two unit blocks scaled by 1/sqrt(2): unit norm, dot = mean of the two cosines', () => {
    for (let k = 0; k < 5; k++) {
      // Raw (unnormalised, differently scaled) embeddings of two crops, two input variants each.
      const [a1, b1, a2, b2] = [random(d, 4 * k + 1).map((x) => x * 7), random(d, 4 * k + 2), random(d, 4 * k + 3).map((x) => x * 0.1), random(d, 4 * k + 4)];
      const t1 = composeTemplate([a1, b1], d);
      const t2 = composeTemplate([a2, b2], d);
      if (!t1 || !t2) throw new Error('template refused');
      expect(t1.length).toBe(FACE_TEMPLATE.dim);
      expect(dot(t1, t1)).toBeCloseTo(1, 5);
      const cosA = dot(l2normalise(a1), l2normalise(a2));
      const cosB = dot(l2normalise(b1), l2normalise(b2));
      expect(dot(t1, t2)).toBeCloseTo((cosA + cosB) / 2, 5);
      // Each half is its block's unit vector / sqrt(2).
      expect(dot(t1.subarray(0, d), t1.subarray(0, d))).toBeCloseTo(0.5, 5);
      expect(t1[0]).toBeCloseTo((l2normalise(a1)[0] as number) / Math.SQRT2, 6);
    }
  });

  it('refuses blocks of the wrong length, zero blocks and non-finite values', () => {
    expect(composeTemplate([random(d, 1), random(d - 1, 2)], d)).toBeUndefined();
    expect(composeTemplate([random(d, 1), new Float32Array(d)], d)).toBeUndefined();
    const bad = random(d, 3);
    bad[5] = Number.NaN;
    expect(composeTemplate([random(d, 1), bad], d)).toBeUndefined();
    expect(composeTemplate([], d)).toBeUndefined();
  });

  it('normaliseBlocks re-balances a mean of templates (cloud enrolment from several photos)', () => {
    const t = [0, 1, 2].map((k) => composeTemplate([random(d, 10 + k), random(d, 20 + k)], d) as Float32Array);
    const sum = new Float32Array(FACE_TEMPLATE.dim);
    for (const v of t) v.forEach((x, i) => (sum[i] = (sum[i] as number) + x));
    const m = normaliseBlocks(sum, FACE_TEMPLATE.blocks) as Float32Array;
    expect(dot(m.subarray(0, d), m.subarray(0, d))).toBeCloseTo(0.5, 5);
    expect(dot(m.subarray(d), m.subarray(d))).toBeCloseTo(0.5, 5);
    expect(normaliseBlocks(sum.subarray(1), 2)).toBeUndefined();
  });

  it('bgrCaffe reverses the channels and subtracts the ImageNet mean', () => {
    expect(Array.from(bgrCaffe(Float32Array.from([10, 20, 30, 255, 0, 128])))).toEqual(
      [30 - 103.939, 20 - 116.779, 10 - 123.68, 128 - 103.939, 0 - 116.779, 255 - 123.68].map((x) => Math.fround(x)),
    );
  });
});
