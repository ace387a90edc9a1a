/**
 * Face template layouts: version 3 (contract FACE_TEMPLATE) is a lifted dlib descriptor
 * whose dot products order pairs by Euclidean distance; composeTemplate's blocks (version
 * 2: two unit blocks / sqrt(2)) give a dot product that is the mean of the block cosines.
 */
import { FACE_TEMPLATE, normaliseBlocks } from '@tebura/contract';
import { describe, expect, it } from 'vitest';
import { bgrCaffe, composeTemplate, liftedTemplate } from './pipeline.js';
import { dot, l2normalise } from './quality.js';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.3;
  });
}

describe('face template version 3 (lifted dlib descriptor)', () => {
  const desc = (seed: number): Float32Array => random(128, seed).map((x) => x * 0.25);
  const dist = (a: Float32Array, b: Float32Array): number => Math.hypot(...a.map((x, i) => x - (b[i] as number)));

  it('has the contract length and unit norm; its dot product is 1 - d^2 / (2 (c^2 + |x|^2)) to 1e-3 of the d^2 term', () => {
    const c = FACE_TEMPLATE.euclideanLift;
    for (let k = 0; k < 5; k++) {
      const [x, y] = [desc(2 * k + 1), desc(2 * k + 2)];
      const [tx, ty] = [liftedTemplate(x, c), liftedTemplate(y, c)];
      if (!tx || !ty) throw new Error('template refused');
      expect(tx.length).toBe(FACE_TEMPLATE.dim);
      expect(dot(tx, tx)).toBeCloseTo(1, 5);
      const meanSq = (dot(x, x) + dot(y, y)) / 2;
      const approx = dist(x, y) ** 2 / (2 * (c * c + meanSq));
      expect(Math.abs(1 - dot(tx, ty) - approx)).toBeLessThan(1e-3 * approx);
    }
  });

  it('orders pairs by Euclidean distance, as dlib compares descriptors', () => {
    const probe = desc(100);
    const others = Array.from({ length: 40 }, (_, k) => desc(200 + k));
    const byDistance = [...others].sort((a, b) => dist(probe, a) - dist(probe, b));
    const tp = liftedTemplate(probe, FACE_TEMPLATE.euclideanLift) as Float32Array;
    const score = (o: Float32Array): number => dot(tp, liftedTemplate(o, FACE_TEMPLATE.euclideanLift) as Float32Array);
    const byScore = [...others].sort((a, b) => score(b) - score(a));
    expect(byScore).toEqual(byDistance);
  });

  it('refuses non-finite descriptors', () => {
    const bad = desc(1);
    bad[3] = Number.NaN;
    expect(liftedTemplate(bad, FACE_TEMPLATE.euclideanLift)).toBeUndefined();
  });
});

describe('face template blocks (version 2 layout)', () => {
  const d = 1024;
  it('is two unit blocks scaled by 1/sqrt(2): unit norm, dot = mean of the two cosines', () => {
    for (let k = 0; k < 5; k++) {
      // Raw (unnormalised, differently scaled) embeddings of two crops, two input variants each.
      const [a1, b1, a2, b2] = [random(d, 4 * k + 1).map((x) => x * 7), random(d, 4 * k + 2), random(d, 4 * k + 3).map((x) => x * 0.1), random(d, 4 * k + 4)];
      const t1 = composeTemplate([a1, b1], d);
      const t2 = composeTemplate([a2, b2], d);
      if (!t1 || !t2) throw new Error('template refused');
      expect(t1.length).toBe(2 * d);
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
    const sum = new Float32Array(2 * d);
    for (const v of t) v.forEach((x, i) => (sum[i] = (sum[i] as number) + x));
    const m = normaliseBlocks(sum, 2) as Float32Array;
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
