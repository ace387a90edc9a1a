import { describe, expect, it } from 'vitest';
import { Prng } from '@tebura/contract';
import { fixtureLayout, weightMessages } from './fixtures.js';
import { ShelfEventDetector, type ShelfEvent } from './shelf-events.js';
import { plateSeries, type StepSpec } from './synthetic.js';
import { DEFAULT_TUNING } from './tuning.js';

const layout = fixtureLayout({ noiseSigmaG: 1 });
const shelf = layout.gondolas[0]!.shelves[0]!;
const N = 60 * 10; // 10 s at 60 Hz
/** Steps start after the plates' 2 s warm-up (120 samples). */
const WARM = 150;

function run(seed: number, stepsByPlate: Record<number, StepSpec[]>, extra: { driftG?: number; dropoutRate?: number; noiseG?: number } = {}): ShelfEvent[] {
  const prng = new Prng(seed);
  const series = shelf.plates.map((_, i) =>
    plateSeries(prng, { samples: N, baseG: 800 + i * 137, noiseG: extra.noiseG ?? 1, driftG: extra.driftG, dropoutRate: extra.dropoutRate, steps: (stepsByPlate[i] ?? []).map((st) => ({ ...st, at: st.at + WARM })) }),
  );
  const det = new ShelfEventDetector(shelf, DEFAULT_TUNING);
  const out: ShelfEvent[] = [];
  for (const m of weightMessages(shelf, 1_000_000, series)) det.ingest(m, out);
  return out;
}

describe('ShelfEventDetector', () => {
  it('finds nothing in noise, drift and dropouts alone', () => {
    for (let seed = 1; seed <= 5; seed++) {
      // 2 g/min drift at 60 Hz, plus 10 % dropouts.
      expect(run(seed, {}, { driftG: 2 / 3600, dropoutRate: 0.1 })).toEqual([]);
    }
  });

  it('finds one pick with its delta, plate and a window that ends promptly after the hand leaves', () => {
    const ev = run(7, { 2: [{ at: 120, deltaG: -105, handSamples: 36, oscillationG: 25 }] });
    expect(ev).toHaveLength(1);
    const e = ev[0]!;
    expect(e.plateIds).toEqual([shelf.plates[2]!.id]);
    expect(Math.abs(e.deltaG - (-105))).toBeLessThan(2);
    const handLeftTs = 1_000_000 + ((WARM + 120 + 36) * 1000) / 60;
    expect(e.startTs).toBeLessThan(handLeftTs);
    // Settled within the stable window plus the oscillation decay (~0.5 s), not seconds.
    expect(e.endTs - handLeftTs).toBeLessThan(700);
    expect(e.eventId).toContain(shelf.loadCell.deviceId);
  });

  it('merges an item resting across three plates into one event', () => {
    const ev = run(11, {
      2: [{ at: 100, deltaG: -18, handSamples: 30 }],
      3: [{ at: 102, deltaG: -57, handSamples: 30 }],
      4: [{ at: 101, deltaG: -25, handSamples: 32 }],
    });
    expect(ev).toHaveLength(1);
    expect(ev[0]!.plateIds).toEqual([shelf.plates[2]!.id, shelf.plates[3]!.id, shelf.plates[4]!.id]);
    expect(Math.abs(ev[0]!.deltaG - (-100))).toBeLessThan(2);
  });

  it('separates two simultaneous picks on non-adjacent plates of one shelf', () => {
    const ev = run(13, { 0: [{ at: 100, deltaG: -250, handSamples: 40 }], 4: [{ at: 105, deltaG: -62, handSamples: 30 }] });
    expect(ev).toHaveLength(2);
    const byPlate = new Map(ev.map((e) => [e.plateIds.join(','), e.deltaG]));
    expect(Math.abs((byPlate.get(shelf.plates[0]!.id) ?? NaN) - (-250))).toBeLessThan(2);
    expect(Math.abs((byPlate.get(shelf.plates[4]!.id) ?? NaN) - (-62))).toBeLessThan(2);
  });

  it('a pick from the next plate a second later is another reach: the first does not wait for it', () => {
    // Plate 1 is taken from and comes to rest; plate 2 starts moving 0.67 s later (another
    // shopper) and is still busy long after. Merged as one run, plate 1's change waited
    // for plate 2's (02 default seed: 1.67 s after it settled).
    const prng = new Prng(19);
    const steps: Record<number, StepSpec[]> = { 1: [{ at: WARM + 100, deltaG: -434, handSamples: 30 }], 2: [{ at: WARM + 140, deltaG: -530, handSamples: 90 }] };
    const series = shelf.plates.map((_, i) => plateSeries(prng, { samples: N, baseG: 800 + i * 137, noiseG: 1, steps: steps[i] ?? [] }));
    const det = new ShelfEventDetector(shelf, DEFAULT_TUNING);
    const out: ShelfEvent[] = [];
    const seenAt: number[] = [];
    for (const m of weightMessages(shelf, 1_000_000, series)) {
      det.ingest(m, out);
      while (seenAt.length < out.length) seenAt.push(m.ts);
    }
    expect(out.map((e) => e.plateIds)).toEqual([[shelf.plates[1]!.id], [shelf.plates[2]!.id]]);
    expect(Math.abs(out[0]!.deltaG - -434)).toBeLessThan(2);
    expect(Math.abs(out[1]!.deltaG - -530)).toBeLessThan(2);
    // Plate 2's hand is in until sample WARM + 230: plate 1's change is out before that.
    expect(seenAt[0]!).toBeLessThan(1_000_000 + ((WARM + 230) * 1000) / 60);
  });

  it('splits a move between adjacent plates into a pick and a put', () => {
    const ev = run(17, { 1: [{ at: 100, deltaG: -330, handSamples: 30 }], 2: [{ at: 110, deltaG: 330, handSamples: 30 }] });
    expect(ev.map((e) => Math.round(e.deltaG / 10) * 10).sort((a, b) => a - b)).toEqual([-330, 330]);
  });

  it('finds a pick and a later put-back on the same plate', () => {
    const ev = run(19, { 5: [{ at: 60, deltaG: -95, handSamples: 30 }, { at: 300, deltaG: 95, handSamples: 30 }] });
    expect(ev).toHaveLength(2);
    expect(Math.abs(ev[0]!.deltaG + 95)).toBeLessThan(2);
    expect(Math.abs(ev[1]!.deltaG - 95)).toBeLessThan(2);
  });

  it('tells which plates moved when: the plate picked from, not its quiet neighbours', () => {
    const prng = new Prng(7);
    const series = shelf.plates.map((_, i) => plateSeries(prng, { samples: N, baseG: 800 + i * 137, noiseG: 1, steps: i === 2 ? [{ at: WARM + 120, deltaG: -105, handSamples: 36, oscillationG: 25 }] : [] }));
    const det = new ShelfEventDetector(shelf, DEFAULT_TUNING);
    const out: ShelfEvent[] = [];
    for (const m of weightMessages(shelf, 1_000_000, series)) det.ingest(m, out);
    expect(out).toHaveLength(1);
    const { startTs, endTs } = out[0]!;
    const picked = shelf.plates[2]!.id;
    expect(det.plateActiveDuring(picked, startTs - 100, startTs + 100)).toBe(true);
    expect(det.plateActiveDuring(picked, endTs - 100, endTs)).toBe(true);
    // Before the reach and well after the plate went idle again: quiet.
    expect(det.plateActiveDuring(picked, 1_000_000, startTs - 500)).toBe(false);
    expect(det.plateActiveDuring(picked, endTs + 3000, endTs + 4000)).toBe(false);
    for (const i of [0, 1, 3]) expect(det.plateActiveDuring(shelf.plates[i]!.id, startTs - 1000, endTs + 1000), `plate ${i}`).toBe(false);
    expect(det.plateActiveDuring('not-here', startTs, endTs)).toBe(false);
  });

  it('ignores a touch that leaves the weight unchanged', () => {
    expect(run(23, { 3: [{ at: 100, deltaG: 0, handSamples: 40 }] })).toEqual([]);
  });

  it('ignores neighbour crosstalk of a heavy pick', () => {
    const ev = run(29, { 2: [{ at: 100, deltaG: -538, handSamples: 30 }], 1: [{ at: 100, deltaG: -8, handSamples: 30 }], 3: [{ at: 100, deltaG: -9, handSamples: 30 }] });
    expect(ev).toHaveLength(1);
    expect(ev[0]!.plateIds).toEqual([shelf.plates[2]!.id]);
  });

  it('survives a burst of dropouts during the event', () => {
    const ev = run(31, { 1: [{ at: 100, deltaG: -180, handSamples: 30, oscillationG: 15 }] }, { dropoutRate: 0.3 });
    expect(ev).toHaveLength(1);
    expect(Math.abs(ev[0]!.deltaG - (-180))).toBeLessThan(2);
  });

  it('finds each pick exactly once with light smooth hand presses and slow settling (40 random picks)', () => {
    const prng = new Prng(101);
    let found = 0;
    let worstErrG = 0;
    for (let n = 0; n < 40; n++) {
      const plate = prng.int(0, shelf.plates.length - 1);
      const deltaG = -prng.int(25, 600);
      const step: StepSpec = { at: 60, deltaG, handSamples: 36, smoothPressG: 10 + 20 * prng.next(), oscillationG: 5 + Math.min(150, Math.abs(deltaG) * 0.25), oscillationHz: 2 + 2 * prng.next() };
      const ev = run(1000 + n, { [plate]: [step] }, { noiseG: 1.5, dropoutRate: 0.0005 });
      if (ev.length === 1 && ev[0]!.plateIds[0] === shelf.plates[plate]!.id) found++;
      for (const e of ev) worstErrG = Math.max(worstErrG, Math.abs(e.deltaG - deltaG));
    }
    expect(found).toBe(40);
    expect(worstErrG).toBeLessThan(4);
  });
});

describe('ShelfEventDetector across a gap in readings', () => {
  const T = 1_000_000;
  const per = 1000 / shelf.loadCell.sampleRateHz;
  /** Plate 1 loses 300 g at sample `at` (after warm-up); packets starting in [from, to) samples are lost. */
  function gapRun(at: number, from: number, to: number): ShelfEvent[] {
    const prng = new Prng(3);
    const series = shelf.plates.map((_, i) => plateSeries(prng, { samples: N, baseG: 800 + i * 137, noiseG: 1, steps: i === 1 ? [{ at, deltaG: -300, handSamples: 36, oscillationG: 10 }] : [] }));
    const det = new ShelfEventDetector(shelf, DEFAULT_TUNING);
    const out: ShelfEvent[] = [];
    for (const m of weightMessages(shelf, T, series)) {
      const k = Math.round((m.ts - T) / per);
      if (k >= from && k < to) continue;
      det.ingest(m, out);
    }
    return out;
  }

  // A restart that lost QoS 0 readings: the pick happened while nobody saw the plate.
  it('a change already there when readings resume is dated from the start of the gap', () => {
    const [e, ...rest] = gapRun(300, 240, 480);
    expect(rest).toEqual([]);
    expect(e!.deltaG).toBeCloseTo(-300, -1);
    const lastBefore = T + 239 * per;
    expect(e!.readingGap).toEqual({ fromTs: lastBefore, toTs: T + 240 * per + (480 - 240) * per });
    expect(e!.startTs).toBe(lastBefore);
  });

  it('a change after the gap, or across a lost packet or two, is not', () => {
    const after = gapRun(420, 240, 360);
    expect(after).toHaveLength(1);
    expect(after[0]!.readingGap).toBeUndefined();
    expect(after[0]!.startTs).toBeGreaterThanOrEqual(T + 420 * per);
    const short = gapRun(300, 300, 324);
    expect(short).toHaveLength(1);
    expect(short[0]!.readingGap).toBeUndefined();
  });
});
