import { describe, expect, it } from 'vitest';
import type { ProductHints } from '@tebura/contract';
import { fixtureLayout } from './fixtures.js';
import { HINT_CONFUSION_DEFAULT, HintBuffer } from './hints.js';

const hint = (deviceId: string, ts: number, plateIds: string[], candidates: { sku: string; score: number }[]): ProductHints => ({
  v: 1, msgId: `${deviceId}:b:${ts}`, deviceId, bootId: 'b', seq: ts, ts, plateIds, candidates,
});

describe('HintBuffer', () => {
  // fixtureLayout declares cam-s (shelf camera, confusionRate 0.03).
  const buf = new HintBuffer(4, fixtureLayout().cameras);
  buf.add(hint('cam-s', 1000, ['g1s1p5'], [{ sku: 'b', score: 0.3 }, { sku: 'a', score: 0.9 }, { sku: 'c', score: 0.01 }]));

  it('trusts the top SKU as far as the camera is declared reliable, and the runner-up next', () => {
    const f = buf.collect(['g1s1p5'], 0, 2000)!;
    expect(f('a')).toBeCloseTo(0.97, 6);
    expect(f('b')).toBeCloseTo(0.03 * 0.8, 6);
    expect(f('c')).toBeCloseTo(0.03 * 0.2, 6);
    expect(f('zzz')).toBeCloseTo(0.03 * 0.05, 6);
  });

  it('ignores hints for other plates or outside the window, and uses a default for unknown cameras', () => {
    expect(buf.collect(['g1s1p1'], 0, 2000)).toBeUndefined();
    expect(buf.collect(['g1s1p5'], 1500, 2000)).toBeUndefined();
    const other = new HintBuffer(4);
    other.add(hint('cam-x', 10, ['p'], [{ sku: 'a', score: 0.5 }]));
    expect(other.collect(['p'], 0, 20)!('a')).toBeCloseTo(1 - HINT_CONFUSION_DEFAULT, 6);
  });

  it('scores two SKUs taken in one reach by the better of the two for each hint', () => {
    // One reach, two SKUs, one hint naming each: both hints are right about the pair.
    const two = new HintBuffer(4, fixtureLayout().cameras);
    two.add(hint('cam-s', 1000, ['g1s1p5'], [{ sku: 'a', score: 0.9 }]));
    two.add(hint('cam-s', 1010, ['g1s1p5'], [{ sku: 'b', score: 0.9 }]));
    const f = two.collect(['g1s1p5'], 0, 2000)!;
    expect(f('a', 'b')).toBeCloseTo(0.97 * 0.97, 6);
    // Each alone is contradicted by the other hint.
    expect(f('a')).toBeCloseTo(0.97 * 0.03 * 0.05, 6);
    expect(f('a', 'zzz')).toBeCloseTo(0.97 * 0.03 * 0.05, 6);
  });

  it('keeps only the newest hintsMax hints', () => {
    const small = new HintBuffer(2);
    for (let i = 0; i < 3; i++) small.add(hint('cam-x', i, [`p${i}`], [{ sku: 'a', score: 1 }]));
    expect(small.collect(['p0'], 0, 10)).toBeUndefined();
    expect(small.collect(['p2'], 0, 10)).toBeDefined();
  });
});
