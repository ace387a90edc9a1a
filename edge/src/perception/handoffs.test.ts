import { describe, expect, it } from 'vitest';
import { HANDOFF_FRAMES_MIN, HandoffWatch } from './handoffs.js';
import { pushHistory, pushWrists, type Track } from './tracker.js';

const T0 = 1_700_000_000_000;

function track(id: string, sessionId: string | null, x: number, y: number): Track {
  const n = 64;
  const t: Track = { id, x, y, vx: 0, vy: 0, firstTs: T0 - 5000, lastTs: T0 - 5000, hits: 10, sessionId, hTs: new Float64Array(n), hX: new Float64Array(n), hY: new Float64Array(n), hNext: 0, hFill: 0 };
  return t;
}

/** Frames every 100 ms: each track's wrists from `wrists(track, k)`; returns the hand-offs seen. */
function frames(tracks: Track[], n: number, wrists: (t: Track, k: number) => { x: number; y: number; z?: number }[]) {
  const w = new HandoffWatch();
  const out = [];
  for (let k = 0; k < n; k++) {
    const ts = T0 + k * 100;
    for (const t of tracks) {
      t.lastTs = ts;
      pushHistory(t, ts, t.x, t.y);
      pushWrists(t, ts, wrists(t, k));
    }
    out.push(...w.observe(ts, tracks, (_x, y) => y >= 2));
  }
  return out;
}

const atRest = (t: Track) => [{ x: t.x - 0.2, y: t.y, z: 0.85 }, { x: t.x + 0.2, y: t.y, z: 0.85 }];

describe('hand-offs seen by pose cameras', () => {
  it('two sessions whose raised wrists meet for several frames: one hand-off', () => {
    const a = track('t1', 'A', 3.0, 1.55);
    const b = track('t2', 'B', 3.6, 1.55);
    const r = frames([a, b], 10, (t, k) => (k >= 2 && k <= 7 ? [{ x: 3.3 + (t === a ? -0.03 : 0.03), y: 1.5, z: 1.1 }] : atRest(t)));
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ a: 'A', b: 'B', ts: T0 + (1 + HANDOFF_FRAMES_MIN) * 100 });
  });

  it('strangers side by side at a shelf with hands at their hips: none, however long', () => {
    const a = track('t1', 'A', 3.0, 1.55);
    const b = track('t2', 'B', 3.5, 1.55);
    expect(frames([a, b], 50, atRest)).toEqual([]);
  });

  it('two hands in one shelf at once (over the shelf, y >= 2): none', () => {
    const a = track('t1', 'A', 3.0, 1.55);
    const b = track('t2', 'B', 3.5, 1.55);
    expect(frames([a, b], 10, (t) => [{ x: 3.25, y: 2.1, z: 1.05 }, ...atRest(t).slice(0, 1)])).toEqual([]);
  });

  it('companions (one session) and wrists without height: none', () => {
    const a = track('t1', 'A', 3.0, 1.55);
    const b = track('t2', 'A', 3.6, 1.55);
    expect(frames([a, b], 10, () => [{ x: 3.3, y: 1.5, z: 1.1 }])).toEqual([]);
    const c = track('t3', 'C', 3.0, 1.55);
    const d = track('t4', 'D', 3.6, 1.55);
    expect(frames([c, d], 10, () => [{ x: 3.3, y: 1.5 }])).toEqual([]);
  });
});
