import { describe, expect, it } from 'vitest';
import { SampleBatcher, type WeightBatch } from './batcher.js';

const sample = (counter: number, g: number, t = counter * 10) => ({ counter, receivedAtMs: t, grams: [g, -g] });

function collect(n: number): { out: WeightBatch[]; b: SampleBatcher } {
  const out: WeightBatch[] = [];
  return { out, b: new SampleBatcher(['p1', 'p2'], n, (x) => out.push(x)) };
}

describe('SampleBatcher', () => {
  it('emits samplesPerMsg samples per plate, stamped with the first sample time', () => {
    const { out, b } = collect(3);
    for (let i = 0; i < 7; i++) b.add(sample(i, i));
    expect(out).toEqual([
      { tsMs: 0, readings: [{ plateId: 'p1', grams: [0, 1, 2] }, { plateId: 'p2', grams: [-0, -1, -2] }] },
      { tsMs: 30, readings: [{ plateId: 'p1', grams: [3, 4, 5] }, { plateId: 'p2', grams: [-3, -4, -5] }] },
    ]);
    b.flush();
    expect(out[2]?.readings[0]?.grams).toEqual([6]);
  });

  it('fills a small counter gap with nulls so sample k stays at ts + k * interval', () => {
    const { out, b } = collect(4);
    b.add(sample(10, 1));
    b.add(sample(12, 3));
    b.add(sample(13, 4));
    expect(out[0]?.readings[0]?.grams).toEqual([1, null, 3, 4]);
    expect(b.counters.samplesMissing).toBe(1);
  });

  it('cuts the packet on a gap that does not fit and on a counter reset (controller reboot)', () => {
    const { out, b } = collect(4);
    b.add(sample(0, 0));
    b.add(sample(9, 9));
    b.add(sample(2, 2));
    b.flush();
    expect(out.map((x) => x.readings[0]?.grams)).toEqual([[0], [9], [2]]);
    expect(b.counters).toEqual({ samplesMissing: 8, batchesCut: 2 });
  });

  it('treats the u32 counter wrap as the next sample', () => {
    const { out, b } = collect(2);
    b.add(sample(0xffffffff, 1));
    b.add(sample(0, 2));
    expect(out[0]?.readings[0]?.grams).toEqual([1, 2]);
    expect(b.counters.batchesCut).toBe(0);
  });
});
