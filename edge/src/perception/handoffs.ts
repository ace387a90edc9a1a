/**
 * Hand-offs between shoppers who pay separately, seen by pose cameras: two
 * people's wrists meet, raised, away from any shelf, for several frames. The
 * item goes from the one who just picked it to the other (fusion.ts
 * `fuseHandoff`). Companions share a session and are never paired: a hand-off
 * inside a group is no change to its cart.
 *
 * Needs wrist heights (a depth-measuring pose camera): two people standing side
 * by side at a shelf hold their inner wrists 0.1-0.3 m apart all the time, at
 * hip height; a hand-off is the same closeness at chest height.
 */
import { forWrists, type Track } from './tracker.js';

/** Two wrists this close (3D, keypoint noise of both included) are touching or holding one item, m. */
export const HANDOFF_WRISTS_M = 0.3;
/** Both wrists at least this high: raised to pass something, not hanging by the hips (0.85 m), m. */
export const HANDOFF_MIN_HEIGHT_M = 1.0;
/** Frames with the wrists together before it counts: one noisy frame is not a hand-off. */
export const HANDOFF_FRAMES_MIN = 3;
/** Frames further apart than this start a new streak, ms. */
const HANDOFF_GAP_MS = 400;
/** One hand-off per pair of sessions within this long, ms. */
export const HANDOFF_COOLDOWN_MS = 5000;
/** People further apart than this cannot pass anything hand to hand, m. */
const HANDOFF_BODIES_MAX_M = 1.5;
/** Pairs followed at once; beyond it the oldest streak is dropped. */
export const HANDOFF_PAIRS_MAX = 256;

export interface Handoff {
  /** The two sessions, in no particular order. */
  a: string;
  b: string;
  ts: number;
  x: number;
  y: number;
}

/** True where a wrist is over a shelf (inside a gondola's footprint): reaching, not passing. */
export type OverShelf = (x: number, y: number) => boolean;

export class HandoffWatch {
  private readonly streaks = new Map<string, { frames: number; lastTs: number; doneTs: number }>();

  /** One camera frame at `ts`: the hand-offs it completes. */
  observe(ts: number, tracks: readonly Track[], overShelf: OverShelf): Handoff[] {
    const raised: { t: Track; pts: { x: number; y: number; z: number }[] }[] = [];
    for (const t of tracks) {
      if (t.sessionId === null || t.lastTs !== ts) continue;
      const pts: { x: number; y: number; z: number }[] = [];
      forWrists(t, ts, ts, (_ts, x, y, z) => {
        if (!Number.isNaN(z) && z >= HANDOFF_MIN_HEIGHT_M && !overShelf(x, y)) pts.push({ x, y, z });
      });
      if (pts.length > 0) raised.push({ t, pts });
    }
    const out: Handoff[] = [];
    for (let i = 0; i < raised.length; i++) {
      for (let j = i + 1; j < raised.length; j++) {
        const A = raised[i]!;
        const B = raised[j]!;
        if (A.t.sessionId === B.t.sessionId || Math.hypot(A.t.x - B.t.x, A.t.y - B.t.y) > HANDOFF_BODIES_MAX_M) continue;
        let meet: { x: number; y: number } | null = null;
        for (const p of A.pts) for (const q of B.pts) if (Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z) <= HANDOFF_WRISTS_M) meet = { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
        if (meet === null) continue;
        const [a, b] = [A.t.sessionId!, B.t.sessionId!].sort() as [string, string];
        const key = `${a}\u0000${b}`;
        let s = this.streaks.get(key);
        if (s === undefined) {
          if (this.streaks.size >= HANDOFF_PAIRS_MAX) this.streaks.delete(this.streaks.keys().next().value!);
          s = { frames: 0, lastTs: -Infinity, doneTs: -Infinity };
          this.streaks.set(key, s);
        }
        if (ts === s.lastTs) continue;
        s.frames = ts - s.lastTs <= HANDOFF_GAP_MS ? s.frames + 1 : 1;
        s.lastTs = ts;
        if (s.frames >= HANDOFF_FRAMES_MIN && ts - s.doneTs > HANDOFF_COOLDOWN_MS) {
          s.doneTs = ts;
          out.push({ a, b, ts, ...meet });
        }
      }
    }
    return out;
  }
}
