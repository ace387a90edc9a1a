import { describe, expect, it } from 'vitest';
import { ManualClock } from '@tebura/contract';
import { fixtureLayout } from './fixtures.js';
import { createPerception } from './index.js';
import type { CartDelta } from './api.js';
import { runScenario, type ScenarioSpec } from './scenario.js';
import { settleEventOf } from './settle-clock.js';

const layout = fixtureLayout({ noiseSigmaG: 1 });
const T0 = 1_700_000_000_000;
const gateIn = { x: 1, y: 0.5 };
const gateOut = { x: 8, y: 0.5 };
// g1s1p3 (sku-003, 250 g) is at x 3.5, y 3.3; a shopper in front of it stands at y 2.6.

function oneShopper(over: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    layout,
    seed: 5,
    durationMs: 11_000,
    walkers: [
      [
        { ts: T0, ...gateIn },
        { ts: T0 + 1000, ...gateIn },
        { ts: T0 + 4000, x: 3.5, y: 2.6 },
        { ts: T0 + 7000, x: 3.5, y: 2.6 },
        { ts: T0 + 10_000, ...gateOut },
      ],
    ],
    picks: [{ plateId: 'g1s1p3', atMs: T0 + 5000, deltaG: -250 }],
    admits: [{ sessionId: 's1', gateId: 'gate-in', people: 1, ts: T0 + 500 }],
    crossings: [
      { gateId: 'gate-in', direction: 'in', ts: T0 + 1000 },
      { gateId: 'gate-out', direction: 'out', ts: T0 + 10_000 },
    ],
    ...over,
  };
}

describe('createPerception end to end', () => {
  it('dates a pick decided early from where its plate came to rest, once its full window comes', () => {
    const pending: CartDelta[] = [];
    const known: [string, number][] = [];
    const r = runScenario(oneShopper(), (l, c, sink) =>
      createPerception(l, c, {
        ...sink,
        cartDelta: (d) => {
          if (d.settlePending === true) pending.push({ ...d });
          sink.cartDelta(d);
        },
        settleKnown: (id, at) => {
          known.push([id, at]);
          sink.settleKnown!(id, at);
        },
      }),
    );
    expect(r.deltas).toHaveLength(1);
    const d = r.deltas[0]!;
    // Charged on the early window with a provisional settle time, then given the rest level's.
    expect(pending.map((p) => p.eventId)).toEqual([d.eventId]);
    expect(known).toEqual([[settleEventOf(d.eventId), d.settleArrivalMs]]);
    expect(d.settlePending).toBeUndefined();
    // The swing carried on past the early decision: the plate came to rest later than the early level suggested.
    expect(d.settleArrivalMs).toBeGreaterThanOrEqual(pending[0]!.settleArrivalMs!);
  });

  it('admits one shopper at the gate, puts the pick in their cart promptly and names them at the exit', () => {
    const r = runScenario(oneShopper(), createPerception);
    expect(r.reviews).toEqual([]);
    expect(r.deltas).toHaveLength(1);
    const d = r.deltas[0]!;
    expect(d).toMatchObject({ sessionId: 's1', sku: 'sku-003', quantityDelta: 1 });
    expect(d.confidence).toBeGreaterThanOrEqual(0.8);
    // The hand left at ~5.5 s; settled within the stable window plus decay.
    expect(d.settledAt - (T0 + 5500)).toBeLessThan(700);
    // One 12-sample packet at 60 Hz is 200 ms: emission waits at most for the packet that settles it.
    expect(d.emittedAt - d.settledAt).toBeLessThanOrEqual(200);
    expect(r.exits).toEqual([{ gateId: 'gate-out', ts: T0 + 10_000, sessionId: 's1' }]);
  });

  it('keeps the shopper through camera misses and label switches', () => {
    const r = runScenario(oneShopper({ seed: 9, missRate: 0.3, idSwitchRate: 0.05 }), createPerception);
    expect(r.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([['s1', 'sku-003', 1]]);
    expect(r.exits[0]!.sessionId).toBe('s1');
  });

  it('sends a pick nobody admitted was near to review as NO_SHOPPER or UNKNOWN_SHOPPER', () => {
    const r = runScenario(oneShopper({ admits: [] }), createPerception);
    expect(r.deltas).toEqual([]);
    expect(r.reviews).toHaveLength(1);
    expect(['NO_SHOPPER', 'UNKNOWN_SHOPPER']).toContain(r.reviews[0]!.reason);
    expect(r.reviews[0]!.skuCandidates[0]).toMatchObject({ sku: 'sku-003', quantity: 1 });
  });

  it('snapshot and restore keep the binding across a restart', () => {
    const spec = oneShopper();
    const first = runScenario({ ...spec, durationMs: 4500, picks: [], crossings: spec.crossings.slice(0, 1) }, createPerception);
    const snap = JSON.parse(JSON.stringify(first.perception.snapshot())) as ReturnType<typeof first.perception.snapshot>;
    const second = runScenario(spec, (l, c, s) => {
      const p = createPerception(l, c, s);
      p.restore(snap);
      return p;
    });
    expect(second.deltas.map((d) => d.sessionId)).toEqual(['s1']);
    // Misplaced units travel with the snapshot too.
    const withMisplaced = createPerception(layout, new ManualClock(0), { cartDelta: () => {}, review: () => {} });
    withMisplaced.restore({ version: 1, data: { ...(snap.data as object), misplaced: [['g1s1p1', 'sku-004', 2]] } });
    expect((withMisplaced.snapshot().data as { misplaced: unknown }).misplaced).toEqual([['g1s1p1', 'sku-004', 2]]);
    // And the last pick on each set of plates, which a put-back there may be returning.
    const takes = [{ key: 'g1s1p3', preLevelG: 1000.5, items: [{ sku: 'sku-003', count: 1 }] }];
    const withTakes = createPerception(layout, new ManualClock(0), { cartDelta: () => {}, review: () => {} });
    withTakes.restore({ version: 1, data: { ...(snap.data as object), plateTakes: takes } });
    expect((withTakes.snapshot().data as { plateTakes: unknown }).plateTakes).toEqual(takes);
    // So does a track's identity doubt (Track.idMix).
    const tracks = (snap.data as { tracks: { idMix?: [string, number][] }[] }).tracks;
    expect(tracks.length).toBeGreaterThan(0);
    tracks[0]!.idMix = [['s9', 0.25]];
    const withDoubt = createPerception(layout, new ManualClock(0), { cartDelta: () => {}, review: () => {} });
    withDoubt.restore(snap);
    expect((withDoubt.snapshot().data as { tracks: { idMix?: unknown }[] }).tracks[0]!.idMix).toEqual([['s9', 0.25]]);
    expect(() => createPerception(layout, new ManualClock(0), { cartDelta: () => {}, review: () => {} }).restore({ version: 1, data: { tracks: 3 } })).toThrow(/snapshot invalid/);
  });

  it('a shelf event still waiting to be decided survives a restart (its plate has already moved on)', () => {
    const spec = oneShopper();
    const first = runScenario({ ...spec, durationMs: 4500, picks: [], crossings: spec.crossings.slice(0, 1) }, createPerception);
    const snap = JSON.parse(JSON.stringify(first.perception.snapshot())) as ReturnType<typeof first.perception.snapshot>;
    // As fusion.ts defers it: an early pick that waited for its full window when the node died.
    const e = {
      eventId: 'lc-1:5600:g1s1p3', shelfId: 'g1s1', deviceId: 'lc-1', plateIds: ['g1s1p3'], plateDeltasG: [-250.4], deltaG: -250.4,
      startTs: T0 + 5000, endTs: T0 + 5600, noiseG: 1, early: true,
      trace: [{ plateId: 'g1s1p3', ts: T0 + 5000, grams: 1000 }, { plateId: 'g1s1p3', ts: T0 + 5600, grams: 749.6 }],
    };
    const data = { ...(snap.data as object), deferred: [{ decideBy: T0 + 9000, e }] };
    const second = runScenario({ ...spec, picks: [] }, (l, c, s) => {
      const p = createPerception(l, c, s);
      p.restore({ version: 1, data });
      // Nothing will join it after a restart: it is decided as a full-window event.
      expect((p.snapshot().data as { deferred: { e: { early: boolean } }[] }).deferred.map((d) => d.e.early)).toEqual([false]);
      return p;
    });
    expect(second.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta])).toEqual([['s1', 'sku-003', 1]]);
    expect(() => createPerception(layout, new ManualClock(0), { cartDelta: () => {}, review: () => {} }).restore({ version: 1, data: { ...data, deferred: [{ e }] } })).toThrow(/snapshot invalid/);
  });

  it('settle resolves at once when nothing is pending and within its bound otherwise', async () => {
    const p = createPerception(layout, new ManualClock(T0), { cartDelta: () => {}, review: () => {} });
    const t = Date.now();
    await p.settle('nobody', 5000);
    expect(Date.now() - t).toBeLessThan(100);
  });
});

describe('a restart that lost readings', () => {
  // The checkpoint keeps each shelf's last reading time: a pick made while the node was
  // down is dated from then, and who stood at the shelf then counts (shelf-events.ts readingGap).
  it('dates a change found after the restart from the last reading before it', async () => {
    const { Prng } = await import('@tebura/contract');
    const { weightMessages } = await import('./fixtures.js');
    const { plateSeries } = await import('./synthetic.js');
    const shelf = layout.gondolas[0]!.shelves[0]!;
    const per = 1000 / shelf.loadCell.sampleRateHz;
    const prng = new Prng(9);
    const series = (n: number, deltaG: number) => shelf.plates.map((_, i) => plateSeries(prng, { samples: n, baseG: 600 + 50 * i + (i === 2 ? deltaG : 0), noiseG: 1 }));
    const clock = new ManualClock(T0);
    const reviews: { window: { startTs: number } }[] = [];
    const sink = { cartDelta: () => undefined, review: (r: { window: { startTs: number } }) => reviews.push(r) };
    const before = createPerception(layout, clock, sink);
    const first = weightMessages(shelf, T0, series(300, 0));
    for (const m of first) before.onWeight(m);
    const lastTs = T0 + 299 * per;
    const checkpoint = JSON.parse(JSON.stringify(before.snapshot())) as ReturnType<typeof before.snapshot>;
    const resumeAt = T0 + 300 * per + 3000;
    const run = (cp: typeof checkpoint): number | undefined => {
      reviews.length = 0;
      const clock = new ManualClock(resumeAt);
      const after = createPerception(layout, clock, sink);
      after.restore(cp);
      for (const m of weightMessages(shelf, resumeAt, series(240, -250))) {
        clock.set(m.ts);
        after.onWeight(m);
      }
      return reviews[0]?.window.startTs;
    };
    // Nobody in the store: the change goes to review, its window showing when it may have happened.
    expect(run(checkpoint)).toBe(lastTs);
    const { shelves: _shelves, ...rest } = checkpoint.data as Record<string, unknown>;
    expect(run({ ...checkpoint, data: rest })).toBeGreaterThanOrEqual(resumeAt);
  });
});
