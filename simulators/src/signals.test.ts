/** The raw signals have the statistics the store and scenario files promise. */
import { describe, expect, it } from 'vitest';
import type { CameraDetections, LoadCellWeight, ProductHints } from '@tebura/contract';
import { loadStore } from './load.js';
import { generateTraffic } from './generate.js';
import { SMALL_STORE, scenarioOf } from './test/fixtures.js';

const store = loadStore(SMALL_STORE);

function collect(doc: Record<string, unknown>, seed = 1): { weights: LoadCellWeight[]; frames: CameraDetections[]; hints: ProductHints[]; truth: ReturnType<typeof generateTraffic>['truth'] } {
  const weights: LoadCellWeight[] = [];
  const frames: CameraDetections[] = [];
  const hints: ProductHints[] = [];
  const r = generateTraffic({
    scenario: scenarioOf(doc), store, seed,
    onMessage: (m) => {
      if (m.channel === 'loadcell/weight') weights.push(JSON.parse(m.payload) as LoadCellWeight);
      if (m.channel === 'camera/detections') frames.push(JSON.parse(m.payload) as CameraDetections);
      if (m.channel === 'camera/hints') hints.push(JSON.parse(m.payload) as ProductHints);
    },
  });
  return { weights, frames, hints, truth: r.truth };
}

/** Samples of one plate as (t, grams), dropouts left out. */
function series(weights: LoadCellWeight[], plateId: string): { t: number; g: number }[] {
  return weights.flatMap((w) => (w.readings.find((r) => r.plateId === plateId)?.grams ?? []).flatMap((g, k) => (g === null ? [] : [{ t: w.ts + k * w.sampleIntervalMs, g }])));
}

function untouched(truth: ReturnType<typeof generateTraffic>['truth']): string {
  const touched = new Set(truth.events.flatMap((e) => e.plates.map((p) => p.plateId)));
  return store.gondolas.flatMap((g) => g.shelves.flatMap((s) => s.plates)).find((p) => !touched.has(p.id) && p.id.startsWith('g1'))!.id;
}

describe('load-cell signal', () => {
  it('an idle plate reads its noise sigma around a steady level; samples come at the configured rate', () => {
    const { weights, truth } = collect({ shoppers: 1, durationS: 60, faults: { dropoutRate: 0, driftScale: 0 } });
    const id = untouched(truth);
    const s = series(weights, id);
    const mean = s.reduce((a, b) => a + b.g, 0) / s.length;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b.g - mean) ** 2, 0) / s.length);
    expect(sd).toBeGreaterThan(1.5 * 0.85);
    expect(sd).toBeLessThan(1.5 * 1.15);
    const spanS = (s.at(-1)!.t - s[0]!.t) / 1000;
    expect(s.length / spanS).toBeCloseTo(60, 0);
  });

  it('noise scale, drift and dropouts follow the scenario faults', () => {
    const { weights, truth } = collect({ shoppers: 1, durationS: 120, faults: { weightNoiseScale: 4, driftScale: 20, dropoutRate: 0.01 } });
    const id = untouched(truth);
    const s = series(weights, id);
    const first = s.filter((x) => x.t < s[0]!.t + 5000);
    const last = s.filter((x) => x.t > s.at(-1)!.t - 5000);
    const avg = (xs: { g: number }[]) => xs.reduce((a, b) => a + b.g, 0) / xs.length;
    const minutes = (s.at(-1)!.t - s[0]!.t) / 60_000;
    // |drift| per plate is driftGPerMin x scale x [0.5, 1.5): 0.5 x 20 = 10 g/min -> 5..15.
    const slope = Math.abs(avg(last) - avg(first)) / (minutes - 5 / 60);
    expect(slope).toBeGreaterThan(4);
    expect(slope).toBeLessThan(16);
    const all = weights.flatMap((w) => w.readings.flatMap((r) => r.grams));
    const dropped = all.filter((g) => g === null).length / all.length;
    // Bursts of 1..6 samples after each start: about 3.5x the start rate.
    expect(dropped).toBeGreaterThan(0.01);
    expect(dropped).toBeLessThan(0.06);
  });

  it('a pick lowers the plate by the unit\'s true weight once the shelf settles', () => {
    const { weights, truth } = collect({ shoppers: 2, durationS: 120, faults: { dropoutRate: 0 }, behaviour: { multiUnitRate: 0 } });
    const pick = truth.events.find((e) => e.kind === 'pick' && e.plates.length === 1)!;
    const s = series(weights, pick.plates[0]!.plateId);
    const avg = (a: number, b: number) => {
      const v = s.filter((x) => x.t >= pick.ts + a && x.t < pick.ts + b);
      return v.reduce((x, y) => x + y.g, 0) / v.length;
    };
    expect(avg(2000, 3000) - avg(-2000, -1000)).toBeCloseTo(pick.plates[0]!.deltaG, -1);
  });
});

describe('cameras', () => {
  it('miss rate and position noise match the faults; one detection per visible person otherwise', () => {
    const { frames, truth } = collect({ shoppers: 1, durationS: 60, faults: { cameraMissRate: 0.2, positionNoiseM: 0.1, idSwitchRate: 0 } });
    const inside = frames.filter((f) => f.ts > truth.sessions[0]!.entryTs! + 500 && f.ts < truth.sessions[0]!.exitTs! - 2000 && f.deviceId === 'cam-1');
    const missed = inside.filter((f) => f.detections.length === 0).length / inside.length;
    expect(missed).toBeGreaterThan(0.12);
    expect(missed).toBeLessThan(0.28);
    expect(Math.max(...inside.map((f) => f.detections.length))).toBe(1);
    expect(new Set(inside.flatMap((f) => f.detections.map((d) => d.localId))).size).toBe(1);
  });

  it('ID switches give a person new labels', () => {
    const { frames } = collect({ shoppers: 1, durationS: 60, faults: { idSwitchRate: 0.05, cameraMissRate: 0 } });
    expect(new Set(frames.filter((f) => f.deviceId === 'cam-1').flatMap((f) => f.detections.map((d) => d.localId))).size).toBeGreaterThan(3);
  });

  it('shelf-camera hints put the true SKU first unless confused', () => {
    const clean = collect({ shoppers: 12, durationS: 600, behaviour: { skus: ['water-500', 'beer-350', 'onigiri-salmon', 'gum-mint'], multiUnitRate: 0 }, faults: { hintConfusionRate: 0 } });
    const confused = collect({ shoppers: 12, durationS: 600, behaviour: { skus: ['water-500', 'beer-350', 'onigiri-salmon', 'gum-mint'], multiUnitRate: 0 }, faults: { hintConfusionRate: 1 } });
    const right = (r: typeof clean) => r.hints.filter((h) => r.truth.events.some((e) => e.kind !== 'handoff' && Math.abs(e.ts - h.ts) < 1 && e.sku === h.candidates[0]!.sku)).length;
    expect(clean.hints.length).toBeGreaterThan(5);
    expect(right(clean)).toBe(clean.hints.length);
    expect(right(confused)).toBe(0);
  });
});
