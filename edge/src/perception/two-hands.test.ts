import { describe, expect, it } from 'vitest';
import { fixtureLayout } from './fixtures.js';
import { createPerception } from './index.js';
import { runScenario, type Waypoint } from './scenario.js';
import { twoHands } from './two-hands.js';

const layout = fixtureLayout({ noiseSigmaG: 1 });
const T0 = 1_700_000_000_000;
const IN = { x: 1, y: 0.5 };
const OUT = { x: 8, y: 0.5 };
// Plate g1s1p3 at (3.5, 3.3) holds sku-003 of 250 g; the aisle in front is at y 2.6.

/** Enter at t0, stand at (x, 2.6) from `from` to `to`, leave by the exit at `leaveTs`. */
function walker(t0: number, x: number, from: number, to: number, leaveTs: number): Waypoint[] {
  return [{ ts: t0, ...IN }, { ts: t0 + 800, ...IN }, { ts: from, x, y: 2.6 }, { ts: to, x, y: 2.6 }, { ts: leaveTs, ...OUT }];
}

/** A and B side by side at one plate; two units go at once (T0 + 5500); A walks off at T0 + 7300. */
function twoAtOnePlate(bLeavesMs: number, bArrivesMs = 4000) {
  return runScenario(
    {
      layout,
      seed: 5,
      durationMs: 16_000,
      walkers: [walker(T0, 3.3, T0 + 3000, T0 + 7300, T0 + 11_000), walker(T0 + 1500, 3.7, T0 + bArrivesMs, T0 + bLeavesMs, T0 + bLeavesMs + 3000)],
      picks: [{ plateId: 'g1s1p3', atMs: T0 + 5500, deltaG: -500 }],
      admits: [
        { sessionId: 'A', gateId: 'gate-in', people: 1, ts: T0 + 300 },
        { sessionId: 'B', gateId: 'gate-in', people: 1, ts: T0 + 1800 },
      ],
      crossings: [],
    },
    createPerception,
  );
}

describe('two hands at one plate', () => {
  it('two units gone while two shoppers at the plate both walk off like pickers: one unit each', () => {
    const r = twoAtOnePlate(7400);
    expect(r.reviews).toEqual([]);
    const bySession = r.deltas.map((d) => [d.sessionId, d.sku, d.quantityDelta]).sort();
    expect(bySession).toEqual([['A', 'sku-003', 1], ['B', 'sku-003', 1]]);
    expect(new Set(r.deltas.map((d) => d.eventId)).size).toBe(2);
  });

  it('a shopper who walks up and reaches at once (200 ms after arriving) is a second hand, not a passer-by', () => {
    const r = twoAtOnePlate(7400, 5300);
    expect(r.reviews).toEqual([]);
    expect(r.deltas.map((d) => [d.sessionId, d.quantityDelta]).sort()).toEqual([['A', 1], ['B', 1]]);
  });

  it('one walks off, the other stays on: both units to either is a guess, so a human looks', () => {
    const r = twoAtOnePlate(12_500);
    expect(r.deltas).toEqual([]);
    expect(r.reviews).toHaveLength(1);
    expect(r.reviews[0]).toMatchObject({ reason: 'TWO_HANDS' });
    expect(r.reviews[0]!.skuCandidates[0]).toMatchObject({ sku: 'sku-003', quantity: 2 });
    expect(r.reviews[0]!.shopperCandidates.map((c) => c.sessionId).sort()).toEqual(['A', 'B']);
  });

  it('one shopper alone takes two units: both to that shopper', () => {
    const r = runScenario(
      {
        layout,
        seed: 5,
        durationMs: 12_000,
        walkers: [walker(T0, 3.5, T0 + 3000, T0 + 7300, T0 + 11_000)],
        picks: [{ plateId: 'g1s1p3', atMs: T0 + 5500, deltaG: -500 }],
        admits: [{ sessionId: 'A', gateId: 'gate-in', people: 1, ts: T0 + 300 }],
        crossings: [],
      },
      createPerception,
    );
    expect(r.reviews).toEqual([]);
    expect(r.deltas).toMatchObject([{ sessionId: 'A', sku: 'sku-003', quantityDelta: 2 }]);
  });
});

describe('two hands seen by a pose camera', () => {
  const best = { items: [{ sku: 'sku-003', count: 2 }], probability: 0.99 };
  const session = (sessionId: string, plausible: number, reached: number | null, reachedMoved = reached) => ({ sessionId, probability: 0.5, plausible, reached, reachedMoved });
  const track = (sessionId: string, distM: number) => ({ sessionId, trackId: `t-${sessionId}`, probability: 0.5, plausible: 1, reached: null, reachedMoved: null, distM, x: 0, y: 0, ts: 0 });

  it('both wrists over the plate: one unit each, even when one shopper stayed on', () => {
    const r = twoHands({ sessions: [session('A', 1, 0.97), session('B', 0.15, 0.95)], tracks: [track('A', 0.5), track('B', 0.6)] }, best, false, false);
    expect(r).toEqual({ kind: 'split', sessionIds: ['A', 'B'], sku: 'sku-003', confidence: expect.closeTo(0.99 * 0.95, 6) });
  });

  it('both wrists over the plate: split at once, without waiting for a walk-off that could not change it', () => {
    // 04-same-shelf seed 101: two gums, wrists at 1.0 and 0.95, the second shopper's body not yet
    // known as a picker (0.47): it waited 2 s for the walk-off, then split the same way.
    const sessions = [session('A', 0.5, 1), session('B', 0.47, 0.95)];
    const tracks = [track('A', 0.39), track('B', 0.6)];
    expect(twoHands({ sessions, tracks }, best, false, true)).toMatchObject({ kind: 'split', sessionIds: ['A', 'B'] });
    // Without the wrists it still waits.
    expect(twoHands({ sessions: sessions.map((x) => ({ ...x, reached: null, reachedMoved: null })), tracks }, best, false, true)).toEqual({ kind: 'wait' });
  });

  it('a second wrist at 0.8 or more is a second hand; one at about 0.5 (a neighbour at the next plate) is not', () => {
    // 11-busy-hour seed 303: a same-shelf pair, reach evidence 1.0 and 0.82; 02 seed 303: 1.0 and 0.53.
    const split = twoHands({ sessions: [session('A', 0.5, 0.9996), session('B', 0.41, 0.82)], tracks: [track('A', 0.57), track('B', 0.37)] }, best, false, false);
    expect(split).toMatchObject({ kind: 'split', sessionIds: ['A', 'B'] });
    const neighbour = twoHands({ sessions: [session('A', 0.5, 0.997), session('B', 0.27, 0.53)], tracks: [track('A', 0.5), track('B', 0.6)] }, best, false, false);
    expect(neighbour.kind).not.toBe('split');
  });

  it('a shopper who stood and left like a picker, wrist near the plate at 0.6, is a second hand with confidence', () => {
    // 11-busy-hour seed 11: plausible 1 / reached 1 and 0.61 / 0.6 (a body factor of 1 times the
    // wrist's 0.6). The wrist as a probability made him look less a picker than one whose wrists
    // were never seen: a 0.6 split, to review. As odds (handEvidence) it is a confident split.
    const r = twoHands({ sessions: [session('A', 1, 1), session('B', 0.61, 0.6)], tracks: [track('A', 0.54), track('B', 0.38)] }, best, false, false);
    expect(r).toMatchObject({ kind: 'split', sessionIds: ['A', 'B'] });
    expect((r as { confidence: number }).confidence).toBeGreaterThanOrEqual(0.8);
    // A walker whose wrist was near at 0.53 (body about 0.15) is not a possible hand at all (02 seed 2).
    expect(twoHands({ sessions: [session('A', 1, 1), session('B', 0.08, 0.53)], tracks: [track('A', 0.64), track('B', 0.57)] }, best, false, false)).toEqual({ kind: 'one' });
  });

  it('a bystander the evidence all but rules out is no second hand; two pickers still split', () => {
    // 02 seeds 9 and 13: one shopper took two or three units; a neighbour who stood by without
    // behaving like a picker had 0.03-0.09 of the change, and it went to review as TWO_HANDS.
    const sessions = (pB: number, plausibleB: number) => [{ ...session('A', 1, null), probability: 1 - pB }, { ...session('B', plausibleB, null), probability: pB }];
    const tracks = [track('A', 0.5), track('B', 0.6)];
    expect(twoHands({ sessions: sessions(0.04, 0.3), tracks }, best, false, false)).toEqual({ kind: 'one' });
    // Not ruled out: a human looks, as before.
    expect(twoHands({ sessions: sessions(0.2, 0.3), tracks }, best, false, false)).toEqual({ kind: 'ambiguous' });
    // Both behaved like pickers: one each, however unlikely the single-hand model makes B.
    expect(twoHands({ sessions: sessions(0.04, 0.9), tracks }, best, false, false)).toMatchObject({ kind: 'split' });
  });

  it('the same two without wrist evidence stays a human decision', () => {
    const r = twoHands({ sessions: [session('A', 1, null), session('B', 0.15, null)], tracks: [track('A', 0.5), track('B', 0.6)] }, best, false, false);
    expect(r).toEqual({ kind: 'ambiguous' });
  });

  it('a third person whose wrists were not seen keeps it a human decision', () => {
    const r = twoHands({ sessions: [session('A', 1, 0.97), session('B', 1, 0.95), session('C', 1, null)], tracks: [track('A', 0.5), track('B', 0.6), track('C', 0.7)] }, best, false, false);
    expect(r.kind).toBe('ambiguous');
  });

  it('a session there only as the picker track\'s doubtful identity is not a second hand', () => {
    // One track, bound to A, that may really be B (they passed close): B carries the same wrist.
    const r = twoHands({ sessions: [session('A', 1, 0.99), { ...session('B', 0.5, 0.99), viaDoubt: true }], tracks: [track('A', 0.4)] }, best, false, false);
    expect(r).toEqual({ kind: 'one' });
  });
});

