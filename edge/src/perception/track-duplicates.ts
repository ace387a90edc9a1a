/**
 * Two tracks on one person. A detection further out than the birth distance (a
 * noise outlier, a long miss) starts a second track beside the first; each then
 * takes some of that person's detections and both live on, and when the bound one
 * starves the session is lost while its person walks on under the unbound one.
 * Two real people standing this close are both detected in most frames (a camera
 * misses one of them in ~15 % of frames at worst), so a close pair of which only
 * one is detected frame after frame is one person.
 */
import type { Track } from './tracker.js';

/** Consecutive frames (of any camera) with one detection for a close pair before they merge. */
export const MERGE_FRAMES = 8;
/** Close pairs watched at once; beyond it the watch restarts (it only delays merges). */
export const PAIRS_MAX = 4096;

export class DuplicateWatch {
  private readonly single = new Map<string, number>();

  /**
   * After one camera frame: `matched` holds the ids this frame updated. Returns
   * pairs [keep, drop] of one person; a bound track is kept, else the older.
   */
  observe(tracks: readonly Track[], matched: ReadonlySet<string>, closeM: number, confirmed: (t: Track) => boolean): [Track, Track][] {
    const out: [Track, Track][] = [];
    const seen = new Set<string>();
    for (let i = 0; i < tracks.length; i++) {
      const a = tracks[i]!;
      if (!confirmed(a)) continue;
      for (let j = i + 1; j < tracks.length; j++) {
        const b = tracks[j]!;
        if (!confirmed(b) || Math.hypot(a.x - b.x, a.y - b.y) > closeM) continue;
        // Two different sessions on one spot: which one the person is cannot be settled here.
        if (a.sessionId !== null && b.sessionId !== null && a.sessionId !== b.sessionId) continue;
        const key = a.id < b.id ? `${a.id}|${b.id}` : `${b.id}|${a.id}`;
        seen.add(key);
        const ma = matched.has(a.id);
        const mb = matched.has(b.id);
        if (ma && mb) this.single.delete(key);
        else if (ma || mb) {
          const n = (this.single.get(key) ?? 0) + 1;
          if (n >= MERGE_FRAMES) {
            out.push(keepFirst(a, b));
            this.single.delete(key);
          } else this.single.set(key, n);
        }
      }
    }
    for (const key of this.single.keys()) if (!seen.has(key)) this.single.delete(key);
    if (this.single.size > PAIRS_MAX) this.single.clear();
    return out;
  }
}

function keepFirst(a: Track, b: Track): [Track, Track] {
  if (a.sessionId !== null && b.sessionId === null) return [a, b];
  if (b.sessionId !== null && a.sessionId === null) return [b, a];
  return a.firstTs <= b.firstTs ? [a, b] : [b, a];
}
