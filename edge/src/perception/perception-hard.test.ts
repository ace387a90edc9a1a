import { describe, expect, it } from 'vitest';
import { ManualClock, Prng, type ProductHints } from '@tebura/contract';
import { fixtureLayout, weightMessages } from './fixtures.js';
import { createPerception, createPerceptionWith } from './index.js';
import { runScenario, type ScenarioSpec, type Waypoint } from './scenario.js';
import { plateSeries } from './synthetic.js';
import { DEFAULT_TUNING } from './tuning.js';

const layout = fixtureLayout({ noiseSigmaG: 1 });
const T0 = 1_700_000_000_000;
const IN = { x: 1, y: 0.5 };
const OUT = { x: 8, y: 0.5 };
// Shelf g1s1 plates p1..p6 at x 2.3, 2.9, 3.5, 4.1, 4.7, 5.3 (y 3.3); aisle in front at y 2.6.
// Gondola 2's plates are at y 5.7. Weights: p1 105, p2 538, p3 250, p4 330, p5 62, p6 64 g.

/** Enter at t0, stand at `stops` in turn, leave by the exit at `leaveTs`. */
function walk(t0: number, stops: { x: number; y: number; from: number; to: number }[], leaveTs: number): Waypoint[] {
  const path: Waypoint[] = [{ ts: t0, ...IN }, { ts: t0 + 800, ...IN }];
  for (const s of stops) path.push({ ts: s.from, x: s.x, y: s.y }, { ts: s.to, x: s.x, y: s.y });
  path.push({ ts: leaveTs, ...OUT });
  return path;
}

function spec(over: Partial<ScenarioSpec>): ScenarioSpec {
  return { layout, seed: 3, durationMs: 14_000, walkers: [], picks: [], admits: [], crossings: [], ...over };
}

describe('perception: two shoppers, companions, put-backs, hints', () => {
  it('gives the pick to the shopper standing closer when two are within reach', () => {
    const r = runScenario(
      spec({
        walkers: [
          walk(T0, [{ x: 3.5, y: 2.6, from: T0 + 3000, to: T0 + 8000 }], T0 + 11_000),
          walk(T0 + 1500, [{ x: 4.1, y: 2.55, from: T0 + 4000, to: T0 + 8000 }], T0 + 12_000),
        ],
        admits: [
          { sessionId: 'A', gateId: 'gate-in', people: 1, ts: T0 + 300 },
          { sessionId: 'B', gateId: 'gate-in', people: 1, ts: T0 + 1800 },
        ],
        picks: [{ plateId: 'g1s1p3', atMs: T0 + 5500, deltaG: -250 }],
        crossings: [
          { gateId: 'gate-out', direction: 'out', ts: T0 + 11_000 },
          { gateId: 'gate-out', direction: 'out', ts: T0 + 12_000 },
        ],
      }),
      createPerception,
    );
    expect(r.reviews).toEqual([]);
    expect(r.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([['A', 'sku-003', 1]]);
    expect(r.exits.map((e) => e.sessionId)).toEqual(['A', 'B']);
  });

  it('asks a human when two shoppers are equally close', () => {
    const r = runScenario(
      spec({
        walkers: [
          walk(T0, [{ x: 3.2, y: 2.6, from: T0 + 3000, to: T0 + 8000 }], T0 + 11_000),
          walk(T0 + 1500, [{ x: 3.8, y: 2.6, from: T0 + 4000, to: T0 + 8000 }], T0 + 12_000),
        ],
        admits: [
          { sessionId: 'A', gateId: 'gate-in', people: 1, ts: T0 + 300 },
          { sessionId: 'B', gateId: 'gate-in', people: 1, ts: T0 + 1800 },
        ],
        picks: [{ plateId: 'g1s1p3', atMs: T0 + 5500, deltaG: -250 }],
      }),
      createPerception,
    );
    expect(r.deltas).toEqual([]);
    expect(r.reviews).toHaveLength(1);
    const rv = r.reviews[0]!;
    expect(rv.reason).toBe('AMBIGUOUS_SHOPPER');
    expect(rv.shopperCandidates.map((c) => c.sessionId).sort()).toEqual(['A', 'B']);
    expect(rv.skuCandidates[0]).toMatchObject({ sku: 'sku-003', quantity: 1 });
    expect(rv.evidence.weightTrace.length).toBeGreaterThan(0);
    expect(rv.evidence.tracks.length).toBe(2);
  });

  // Equal distances: only behaviour can tell. A picker walks off 1.3-2.5 s after the
  // reach (reach, lift, turn, a step); a bystander waiting for the shelf stays. So
  // A walking off at 1.8 s while B stays on is evidence (likelihood ratio about 7),
  // while both staying on leaves nothing to decide by.
  const equidistant = (aLeavesMs: number) =>
    runScenario(
      spec({
        durationMs: 16_000,
        walkers: [
          walk(T0, [{ x: 3.2, y: 2.6, from: T0 + 3000, to: T0 + aLeavesMs }], T0 + 11_000 + Math.max(0, aLeavesMs - 7300)),
          walk(T0 + 1500, [{ x: 3.8, y: 2.6, from: T0 + 4000, to: T0 + 13_000 }], T0 + 15_500),
        ],
        admits: [
          { sessionId: 'A', gateId: 'gate-in', people: 1, ts: T0 + 300 },
          { sessionId: 'B', gateId: 'gate-in', people: 1, ts: T0 + 1800 },
        ],
        picks: [{ plateId: 'g1s1p3', atMs: T0 + 5500, deltaG: -250 }],
      }),
      createPerception,
    );

  it('charges the one of two equidistant shoppers who walks off like a picker while the other stays', () => {
    const r = equidistant(7300);
    expect(r.reviews).toEqual([]);
    expect(r.deltas).toMatchObject([{ sessionId: 'A', sku: 'sku-003', quantityDelta: 1 }]);
  });

  it('asks a human when two equidistant shoppers both stay on at the shelf', () => {
    const r = equidistant(12_000);
    expect(r.deltas).toEqual([]);
    expect(r.reviews).toHaveLength(1);
    const rv = r.reviews[0]!;
    expect(rv.reason).toBe('AMBIGUOUS_SHOPPER');
    expect(rv.shopperCandidates.map((c) => c.sessionId).sort()).toEqual(['A', 'B']);
    for (const c of rv.shopperCandidates) expect(c.probability).toBeLessThan(DEFAULT_TUNING.confidenceMin);
    expect(rv.skuCandidates[0]).toMatchObject({ sku: 'sku-003', quantity: 1 });
  });

  it('rolls a companion pick up to the payer session and names both at the exit', () => {
    const r = runScenario(
      spec({
        walkers: [
          walk(T0, [{ x: 3.5, y: 2.6, from: T0 + 3000, to: T0 + 6000 }], T0 + 10_000),
          // The companion follows through the gate and goes to the other gondola.
          [{ ts: T0, x: 1.3, y: 0.2 }, { ts: T0 + 1300, ...IN }, { ts: T0 + 4000, x: 4.7, y: 4.9 }, { ts: T0 + 8000, x: 4.7, y: 4.9 }, { ts: T0 + 11_500, ...OUT }],
        ],
        admits: [{ sessionId: 'P', gateId: 'gate-in', people: 2, ts: T0 + 200 }],
        crossings: [
          { gateId: 'gate-in', direction: 'in', ts: T0 + 800 },
          { gateId: 'gate-in', direction: 'in', ts: T0 + 1300 },
          { gateId: 'gate-out', direction: 'out', ts: T0 + 10_000 },
          { gateId: 'gate-out', direction: 'out', ts: T0 + 11_500 },
        ],
        // g2s1p5 is sku-017 (x 4.7, y 5.7); the companion stands 0.8 m from it and 1.6 m from g1 plates.
        picks: [
          { plateId: 'g1s1p3', atMs: T0 + 4500, deltaG: -250 },
          { plateId: 'g2s1p5', atMs: T0 + 6000, deltaG: -layout.products[16]!.unitWeightG.mean },
        ],
      }),
      createPerception,
    );
    expect(r.reviews).toEqual([]);
    expect(r.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([
      ['P', 'sku-003', 1],
      ['P', 'sku-017', 1],
    ]);
    expect(r.exits.map((e) => e.sessionId)).toEqual(['P', 'P']);
  });

  it('takes a put-back on the wrong plate off the cart', () => {
    const r = runScenario(
      spec({
        walkers: [walk(T0, [{ x: 4.1, y: 2.6, from: T0 + 3000, to: T0 + 5500 }, { x: 2.3, y: 2.6, from: T0 + 6500, to: T0 + 9000 }], T0 + 12_000)],
        admits: [{ sessionId: 'W', gateId: 'gate-in', people: 1, ts: T0 + 300 }],
        picks: [
          { plateId: 'g1s1p4', atMs: T0 + 4000, deltaG: -330 },
          { plateId: 'g1s1p1', atMs: T0 + 7500, deltaG: 330 },
        ],
      }),
      createPerception,
    );
    expect(r.reviews).toEqual([]);
    expect(r.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([
      ['W', 'sku-004', 1],
      ['W', 'sku-004', -1],
    ]);
  });

  it('keeps two shoppers apart through label switches and misses', () => {
    const r = runScenario(
      spec({
        seed: 21,
        missRate: 0.2,
        idSwitchRate: 0.1,
        walkers: [
          walk(T0, [{ x: 2.3, y: 2.6, from: T0 + 3000, to: T0 + 7000 }], T0 + 11_000),
          walk(T0 + 1500, [{ x: 4.7, y: 2.6, from: T0 + 4500, to: T0 + 9000 }], T0 + 13_000),
        ],
        admits: [
          { sessionId: 'A', gateId: 'gate-in', people: 1, ts: T0 + 300 },
          { sessionId: 'B', gateId: 'gate-in', people: 1, ts: T0 + 1800 },
        ],
        picks: [
          { plateId: 'g1s1p1', atMs: T0 + 5000, deltaG: -105 },
          { plateId: 'g1s1p5', atMs: T0 + 7000, deltaG: -124 },
        ],
        crossings: [
          { gateId: 'gate-out', direction: 'out', ts: T0 + 11_000 },
          { gateId: 'gate-out', direction: 'out', ts: T0 + 13_000 },
        ],
      }),
      createPerception,
    );
    // 124 g on p5 is two 62 g items.
    expect(r.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([
      ['A', 'sku-001', 1],
      ['B', 'sku-005', 2],
    ]);
    expect(r.exits.map((e) => e.sessionId)).toEqual(['A', 'B']);
  });

  it('uses a shelf-camera hint to decide between near-equal SKUs on one plate', () => {
    const base = spec({
      walkers: [walk(T0, [{ x: 5.3, y: 2.6, from: T0 + 3000, to: T0 + 7000 }], T0 + 10_000)],
      admits: [{ sessionId: 'H', gateId: 'gate-in', people: 1, ts: T0 + 300 }],
      picks: [{ plateId: 'g1s1p6', atMs: T0 + 4000, deltaG: -64.2 }],
    });
    const plain = runScenario(base, createPerception);
    expect(plain.deltas).toEqual([]);
    expect(plain.reviews.map((x) => x.reason)).toEqual(['AMBIGUOUS_SKU']);
    const hint: ProductHints = { v: 1, msgId: 'cam-s:b:0', deviceId: 'cam-s', bootId: 'b', seq: 0, ts: T0 + 4300, plateIds: ['g1s1p6'], candidates: [{ sku: 'sku-twin', score: 0.92 }, { sku: 'sku-006', score: 0.05 }] };
    const hinted = runScenario(base, (l, c, s) => {
      const p = createPerception(l, c, s);
      p.onHints(hint);
      return p;
    });
    expect(hinted.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([['H', 'sku-twin', 1]]);
  });
});

describe('perception: settle', () => {
  it('waits for an event in progress near the shopper and resolves when it settles', async () => {
    const clock = new ManualClock(T0);
    const deltas: string[] = [];
    const p = createPerceptionWith(layout, clock, { cartDelta: (d) => deltas.push(d.sku), review: () => {} });
    const shelf = layout.gondolas[0]!.shelves[0]!;
    const prng = new Prng(4);
    const series = shelf.plates.map((_, i) => plateSeries(prng, { samples: 600, baseG: 700, noiseG: 1, steps: i === 2 ? [{ at: 240, deltaG: -250, handSamples: 30 }] : [] }));
    const msgs = weightMessages(shelf, T0, series);
    p.admit('S', 'gate-in', 1, T0);
    const frame = (ts: number, x: number, y: number): void =>
      p.onDetections({ v: 1, msgId: `c:${ts}`, deviceId: 'cam-a', bootId: 'b', seq: ts - T0, ts, detections: [{ localId: 'x', x, y, confidence: 0.9 }] });
    // Seen three times at the gate: one detection alone is not yet a person (tracker CONFIRM_HITS).
    for (const dt of [0, 30, 60]) frame(T0 + dt, IN.x, IN.y);
    p.admit('S', 'gate-in', 1, T0);
    for (let ts = T0 + 100; ts <= T0 + 4000; ts += 100) frame(ts, 3.5, 2.6);
    // Feed up to the middle of the hand (sample 250 of 240..270).
    const mid = msgs.filter((m) => m.ts < T0 + (250 * 1000) / 60);
    for (const m of mid) p.onWeight(m);
    const t = Date.now();
    await p.settle('S', 60);
    expect(Date.now() - t).toBeGreaterThanOrEqual(50);
    const waiting = p.settle('S', 5000);
    for (const m of msgs.slice(mid.length)) p.onWeight(m);
    const t2 = Date.now();
    await waiting;
    expect(Date.now() - t2).toBeLessThan(1000);
    expect(deltas).toEqual(['sku-003']);
  });
});
