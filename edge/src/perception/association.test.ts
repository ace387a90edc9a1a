import { describe, expect, it } from 'vitest';
import { associate, wristEvidence, wristFactor } from './association.js';
import { normalCdf } from './track-filter.js';
import { mixIdentities, pushHistory, pushWrists, type Track } from './tracker.js';
import { DEFAULT_TUNING } from './tuning.js';

const T0 = 1_700_000_000_000;
const PLATE = [{ x: 3, y: 2 }];
const REACH_M = 1;
const NOISE_M = 0.06;

/** A shopper standing still at (x, y) from `bornTs` on, seen at 10 Hz until the window ends. */
function standing(id: string, sessionId: string | null, x: number, y: number, bornTs = T0 - 10_000): Track {
  const n = 256;
  const t: Track = { id, x, y, vx: 0, vy: 0, firstTs: bornTs, lastTs: bornTs, hits: 0, sessionId, hTs: new Float64Array(n), hX: new Float64Array(n), hY: new Float64Array(n), hNext: 0, hFill: 0 };
  for (let ts = Math.max(bornTs, T0 - 5000); ts <= T0 + 5000; ts += 100) {
    pushHistory(t, ts, x, y);
    t.lastTs = ts;
  }
  return t;
}

/** Standing at (x, y) like `standing`, then 1 m away from `leaveTs` on. */
function leaving(id: string, sessionId: string, x: number, y: number, leaveTs: number): Track {
  const t = standing(id, sessionId, x, y);
  t.hNext = 0;
  t.hFill = 0;
  for (let ts = T0 - 5000; ts <= T0 + 5000; ts += 100) pushHistory(t, ts, x, ts < leaveTs ? y : y - 1);
  return t;
}

const run = (tracks: Track[], factor: (t: Track) => number = () => 1) => associate(PLATE, T0, T0 + 800, tracks, REACH_M, DEFAULT_TUNING, factor, NOISE_M);
/** Other evidence (e.g. walk-off timing) strongly favouring A: only the separation cap limits it. */
const favourA = (t: Track): number => (t.sessionId === 'A' ? 100 : 1);

describe('association: shopper probability calibrated by separation', () => {
  it('one shopper within reach: certain', () => {
    const r = run([standing('t1', 'A', 3, 2.4)]);
    expect(r.sessions).toMatchObject([{ sessionId: 'A', probability: 1 }]);
  });

  it('two shoppers equidistant at one plate: neither sure enough for the cart, whatever else favours one', () => {
    const r = run([standing('t1', 'A', 2.8, 2.35), standing('t2', 'B', 3.2, 2.35)], favourA);
    expect(r.sessions.map((s) => s.sessionId).sort()).toEqual(['A', 'B']);
    for (const s of r.sessions) expect(s.probability).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  it('a small distance difference (within position noise and stance) is still ambiguous', () => {
    const r = run([standing('t1', 'A', 3, 2.35), standing('t2', 'B', 3.2, 2.4)], favourA);
    expect(r.sessions[0]!.probability).toBeLessThan(DEFAULT_TUNING.confidenceMin);
  });

  it('a clearly nearer shopper keeps a confident probability', () => {
    const r = run([standing('t1', 'A', 3, 2.35), standing('t2', 'B', 3.9, 2.4)]);
    expect(r.sessions[0]).toMatchObject({ sessionId: 'A' });
    expect(r.sessions[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('a track re-acquired just before the reach is trusted less', () => {
    const stable = run([standing('t1', 'A', 3, 2.35), standing('t2', 'B', 3.35, 2.4)], favourA);
    const young = run([standing('t1', 'A', 3, 2.35, T0 - 500), standing('t2', 'B', 3.35, 2.4)], favourA);
    expect(stable.sessions[0]).toMatchObject({ sessionId: 'A' });
    expect(young.sessions[0]!.probability).toBeLessThan(stable.sessions[0]!.probability);
  });

  it('someone stepping away 1 s after the change is not the picker: the hand is barely out of the shelf', () => {
    // Equidistant: only walk-off timing tells. B leaves 1.8 s after the reach (a picker's
    // reach, lift, turn and step); A 1.0 s after, before a picker physically can.
    const r = run([leaving('t1', 'A', 2.8, 2.35, T0 + 1000), leaving('t2', 'B', 3.2, 2.35, T0 + 1800)]);
    expect(r.sessions[0]).toMatchObject({ sessionId: 'B' });
    expect(r.sessions[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('normalCdf', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.6448536)).toBeCloseTo(0.95, 5);
    expect(normalCdf(-1.6448536)).toBeCloseTo(0.05, 5);
  });
});

describe('association: whose wrist was over the plate (pose cameras)', () => {
  // Plate front edge at y = 2 (the shelf is y > 2); shoppers stand 0.45 m in front, wrists at their sides.
  const WRISTS = { sigmaM: 0.08, missRate: 0.3 };
  const PLATE_W = [{ x: 3, y: 2, widthM: 1 }];
  const withWrists = (t: Track, reachTs: [number, number] | null, reach = { x: 3.1, y: 2.1 }): Track => {
    for (let ts = T0 - 2000; ts <= T0 + 2000; ts += 100) {
      const inShelf = reachTs !== null && ts >= reachTs[0] && ts <= reachTs[1];
      pushWrists(t, ts, inShelf ? [reach, { x: t.x + 0.2, y: t.y }] : [{ x: t.x - 0.2, y: t.y }, { x: t.x + 0.2, y: t.y }]);
    }
    return t;
  };
  const runW = (tracks: Track[]) => associate(PLATE_W, T0, T0 + 800, tracks, REACH_M, DEFAULT_TUNING, () => 1, NOISE_M, WRISTS);

  it('the shopper whose wrist was in the shelf wins over a nearer one whose hands stayed at their sides', () => {
    const picker = withWrists(standing('t1', 'A', 3.5, 1.55), [T0 - 300, T0 + 800]);
    const nearer = withWrists(standing('t2', 'B', 3.0, 1.55), null);
    const r = runW([picker, nearer]);
    expect(r.sessions[0]).toMatchObject({ sessionId: 'A' });
    expect(r.sessions[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
    // Without wrists, position alone favours the nearer one.
    const bodies = associate(PLATE_W, T0, T0 + 800, [standing('t1', 'A', 3.5, 1.55), standing('t2', 'B', 3.0, 1.55)], REACH_M, DEFAULT_TUNING, () => 1, NOISE_M, WRISTS);
    expect(bodies.sessions[0]!.sessionId).toBe('B');
  });

  it('one wrist keypoint over the shelf in a single frame is not a reach', () => {
    const t = standing('t1', 'A', 3.0, 1.55);
    withWrists(t, null);
    pushWrists(t, T0 + 50, [{ x: 3.0, y: 2.1 }]);
    expect(wristFactor(t, PLATE_W, T0, T0 + 800, WRISTS)).toBeLessThan(0.1);
    expect(wristFactor(withWrists(standing('t2', 'B', 3.0, 1.55), [T0, T0 + 300]), PLATE_W, T0, T0 + 800, WRISTS)).toBeGreaterThan(0.9);
  });

  it('no wrist seen (no pose camera, or all hidden) is no evidence either way', () => {
    expect(wristFactor(standing('t1', 'A', 3.0, 1.55), PLATE_W, T0, T0 + 800, WRISTS)).toBe(1);
  });
});

describe('association: wrist height separates stacked shelves', () => {
  const WRISTS = { sigmaM: 0.08, missRate: 0.3 };
  // One plate column: the same x, y on two levels.
  const LOW = { x: 3, y: 2, widthM: 1, nx: 0, ny: -1, heightM: 0.3 };
  const HIGH = { x: 3, y: 2, widthM: 1, nx: 0, ny: -1, heightM: 1.5 };
  const reaching = (id: string, sessionId: string, x: number, z: number): Track => {
    const t = standing(id, sessionId, x, 1.55);
    for (let ts = T0 - 400; ts <= T0 + 800; ts += 100) pushWrists(t, ts, [{ x: 3, y: 2.1, z }, { x: x + 0.2, y: 1.55, z: 0.85 }]);
    return t;
  };

  it('a wrist at the lower shelf height is a reach into the lower plate, not the upper one', () => {
    const low = reaching('t1', 'A', 2.8, 0.42);
    expect(wristFactor(low, [LOW], T0, T0 + 800, WRISTS, [HIGH])).toBeGreaterThan(0.9);
    expect(wristFactor(low, [HIGH], T0, T0 + 800, WRISTS, [LOW])).toBeLessThan(0.1);
  });

  it('without heights the two levels weigh about even', () => {
    const t = standing('t1', 'A', 2.8, 1.55);
    for (let ts = T0 - 400; ts <= T0 + 800; ts += 100) pushWrists(t, ts, [{ x: 3, y: 2.1 }]);
    const f = wristFactor(t, [{ ...LOW, heightM: undefined }], T0, T0 + 800, WRISTS, [{ ...HIGH, heightM: undefined }]);
    expect(f).toBeGreaterThan(0.3);
    expect(f).toBeLessThan(0.7);
  });
});

describe('association: a hand between two plates', () => {
  const WRISTS = { sigmaM: 0.08, missRate: 0.3 };
  const THIS = { x: 3, y: 2, widthM: 1, nx: 0, ny: -1 };
  const NEXT = { x: 4, y: 2, widthM: 1, nx: 0, ny: -1 };
  /** Standing in front of the two plates' shared edge, a wrist in the shelf near it. */
  const reaching = (x: number): Track => {
    const t = standing('t1', 'A', 3.5, 1.55);
    for (let ts = T0 - 400; ts <= T0 + 800; ts += 100) pushWrists(t, ts, [{ x, y: 2.1 }, { x: 3.7, y: 1.55 }]);
    return t;
  };

  it('is over the plate that moved rather than a quiet neighbour', () => {
    // On the shared edge: as likely over either plate while both moved (someone else took from the
    // next one); over the event's plate at 2:1 when the next one's weight stayed put.
    const edge = reaching(3.5);
    const bothMoved = wristEvidence(edge, [THIS], T0, T0 + 800, WRISTS, [NEXT]);
    const nextQuiet = wristEvidence(edge, [THIS], T0, T0 + 800, WRISTS, [{ ...NEXT, quiet: true }]);
    expect(bothMoved.reachedMoved).toBeCloseTo(0.5, 1);
    expect(nextQuiet.reachedMoved).toBeGreaterThan(0.6);
    expect(nextQuiet.reachedMoved).toBeLessThan(0.75);
    // The association between candidates weighs every other plate alike.
    expect(nextQuiet.reached).toBeCloseTo(bothMoved.reached!, 6);
  });

  it('a hand clearly over the quiet neighbour is still not a reach into the event\'s plate', () => {
    // 15 cm into the next plate (a hand that came out empty): the quiet plate's odds are not zero.
    const next = reaching(3.65);
    expect(wristEvidence(next, [THIS], T0, T0 + 800, WRISTS, [{ ...NEXT, quiet: true }]).reachedMoved!).toBeLessThan(0.6);
  });
});

describe('identity doubt after two tracks pass close (Track.idMix)', () => {
  it('mixing moves a share of each identity to the other, never past even', () => {
    const a = standing('t1', 'A', 3, 1.55);
    const b = standing('t2', 'B', 3.5, 1.55);
    mixIdentities(a, b, 0.2);
    expect(a.idMix?.get('B')).toBeCloseTo(0.2, 9);
    expect(b.idMix?.get('A')).toBeCloseTo(0.2, 9);
    for (let k = 0; k < 50; k++) mixIdentities(a, b, 0.4);
    expect(a.idMix!.get('B')!).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(a.idMix!.get('B')!).toBeGreaterThan(0.49);
    // Companions (one session) never doubt each other.
    const c = standing('t3', 'C', 3, 1.55);
    const c2 = standing('t4', 'C', 3.5, 1.55);
    mixIdentities(c, c2, 0.4);
    expect(c.idMix).toBeUndefined();
  });

  it('a sure pick by a track that may be another session is no longer a sure charge', () => {
    const sure = run([standing('t1', 'A', 3, 2.35)]);
    expect(sure.sessions[0]).toMatchObject({ sessionId: 'A', probability: 1 });
    const doubtful = standing('t1', 'A', 3, 2.35);
    doubtful.idMix = new Map([['B', 0.3]]);
    const r = run([doubtful]);
    expect(r.sessions.find((s) => s.sessionId === 'A')!.probability).toBeCloseTo(0.7, 9);
    expect(r.sessions.find((s) => s.sessionId === 'B')!.probability).toBeCloseTo(0.3, 9);
  });
});
