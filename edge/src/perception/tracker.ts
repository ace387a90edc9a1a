/**
 * Global person tracks from overhead camera detections (store coordinates).
 *
 * Every camera frame is matched against all tracks predicted to its time with a
 * constant-velocity model, gated by distance and assigned with the Hungarian
 * method (munkres). A camera's own localId only lowers the cost a little: cameras
 * swap labels between people, so position decides. Unmatched detections start
 * tracks; a track unseen for `trackMissMaxMs` ends.
 */
import { munkres } from 'munkres';
import type { PerceptionTuning } from './tuning.js';

export interface Detection {
  localId: string;
  x: number;
  y: number;
  confidence: number;
}

export interface Track {
  id: string;
  x: number;
  y: number;
  vx: number;
  vy: number;
  firstTs: number;
  lastTs: number;
  hits: number;
  sessionId: string | null;
  /** Ring of recent positions (ts, x, y) for association over an event window. */
  hTs: Float64Array;
  hX: Float64Array;
  hY: Float64Array;
  hNext: number;
  hFill: number;
}

/** Cost discount, metres, when a camera keeps its own label on the same track. */
const LOCAL_ID_BONUS_M = 0.3;
/** Detections below this confidence update tracks but never start one. */
const SPAWN_CONFIDENCE_MIN = 0.3;
/** Position gain of the alpha-beta filter (velocity gain is BETA). */
const ALPHA = 0.7;
const BETA = 0.3;
/** Prediction never extrapolates further than this (a long miss is not a straight line). */
const PREDICT_MAX_MS = 1000;
/** Camera-label hints remembered; cleared wholesale beyond it (they are only hints). */
const LOCAL_HINTS_MAX = 4096;
const GATED_OUT = 1e6;

export class Tracker {
  private readonly list: Track[] = [];
  private nextId = 1;
  private readonly localHint = new Map<string, string>();

  constructor(private readonly tuning: PerceptionTuning) {}

  tracks(): readonly Track[] {
    return this.list;
  }

  get(id: string): Track | undefined {
    return this.list.find((t) => t.id === id);
  }

  /** Predicted position at ts (bounded extrapolation). */
  predict(t: Track, ts: number): { x: number; y: number } {
    const dt = Math.min(Math.max(0, ts - t.lastTs), PREDICT_MAX_MS) / 1000;
    return { x: t.x + t.vx * dt, y: t.y + t.vy * dt };
  }

  /** Matches one frame; returns tracks it started. */
  onFrame(cameraId: string, ts: number, dets: readonly Detection[]): Track[] {
    const started: Track[] = [];
    if (dets.length === 0) return started;
    const gate = this.tuning.gateM;
    const matched = new Array<number>(dets.length).fill(-1);
    if (this.list.length > 0) {
      const preds = this.list.map((t) => this.predict(t, ts));
      const cost = dets.map((d) => {
        const hinted = this.localHint.get(`${cameraId}/${d.localId}`);
        return this.list.map((t, j) => {
          const p = preds[j]!;
          const dist = Math.hypot(d.x - p.x, d.y - p.y);
          if (dist > gate) return GATED_OUT;
          return Math.max(0, dist - (hinted === t.id ? LOCAL_ID_BONUS_M : 0));
        });
      });
      for (const [r, c] of munkres(cost)) {
        if (cost[r]![c]! < GATED_OUT) matched[r] = c;
      }
    }
    dets.forEach((d, r) => {
      const c = matched[r]!;
      let t: Track;
      if (c >= 0) {
        t = this.list[c]!;
        this.update(t, d, ts);
      } else {
        if (d.confidence < SPAWN_CONFIDENCE_MIN || this.list.length >= this.tuning.tracksMax) return;
        t = this.spawn(d, ts);
        started.push(t);
      }
      if (this.localHint.size >= LOCAL_HINTS_MAX) this.localHint.clear();
      this.localHint.set(`${cameraId}/${d.localId}`, t.id);
    });
    return started;
  }

  /** Removes tracks unseen for too long and returns them. */
  expire(ts: number): Track[] {
    const gone: Track[] = [];
    for (let i = this.list.length - 1; i >= 0; i--) {
      const t = this.list[i]!;
      if (ts - t.lastTs > this.tuning.trackMissMaxMs) {
        gone.push(t);
        this.list.splice(i, 1);
      }
    }
    return gone;
  }

  remove(id: string): Track | undefined {
    const i = this.list.findIndex((t) => t.id === id);
    if (i < 0) return undefined;
    return this.list.splice(i, 1)[0];
  }

  /** Re-creates a track (restore after restart). */
  add(t: { id: string; x: number; y: number; lastTs: number; sessionId: string | null }): Track {
    const track = this.spawn({ localId: '', x: t.x, y: t.y, confidence: 1 }, t.lastTs, t.id);
    track.sessionId = t.sessionId;
    const n = Number(/^t(\d+)$/.exec(t.id)?.[1] ?? 0);
    if (n >= this.nextId) this.nextId = n + 1;
    return track;
  }

  private spawn(d: Detection, ts: number, id?: string): Track {
    const h = this.tuning.trackHistoryMax;
    const t: Track = {
      id: id ?? `t${this.nextId++}`,
      x: d.x,
      y: d.y,
      vx: 0,
      vy: 0,
      firstTs: ts,
      lastTs: ts,
      hits: 1,
      sessionId: null,
      hTs: new Float64Array(h),
      hX: new Float64Array(h),
      hY: new Float64Array(h),
      hNext: 0,
      hFill: 0,
    };
    pushHistory(t, ts, d.x, d.y);
    this.list.push(t);
    return t;
  }

  private update(t: Track, d: Detection, ts: number): void {
    const dtMs = ts - t.lastTs;
    const p = this.predict(t, ts);
    const rx = d.x - p.x;
    const ry = d.y - p.y;
    t.x = p.x + ALPHA * rx;
    t.y = p.y + ALPHA * ry;
    // Two cameras seeing one person at once: no time passed, so no velocity information.
    if (dtMs >= 20) {
      t.vx += (BETA * rx) / (dtMs / 1000);
      t.vy += (BETA * ry) / (dtMs / 1000);
    }
    if (ts > t.lastTs) t.lastTs = ts;
    t.hits++;
    pushHistory(t, ts, t.x, t.y);
  }
}

export function pushHistory(t: Track, ts: number, x: number, y: number): void {
  const n = t.hTs.length;
  t.hTs[t.hNext] = ts;
  t.hX[t.hNext] = x;
  t.hY[t.hNext] = y;
  t.hNext = (t.hNext + 1) % n;
  if (t.hFill < n) t.hFill++;
}

/** Calls fn for each stored position with from <= ts <= to, oldest first. */
export function forHistory(t: Track, from: number, to: number, fn: (ts: number, x: number, y: number) => void): void {
  const n = t.hTs.length;
  const start = (t.hNext - t.hFill + n) % n;
  for (let k = 0; k < t.hFill; k++) {
    const i = (start + k) % n;
    const ts = t.hTs[i]!;
    if (ts >= from && ts <= to) fn(ts, t.hX[i]!, t.hY[i]!);
  }
}

/** Position at ts: nearest stored sample in time, or null with no history. */
export function positionAt(t: Track, ts: number): { x: number; y: number; dtMs: number } | null {
  let best = -1;
  let bestDt = Infinity;
  const n = t.hTs.length;
  for (let k = 0; k < t.hFill; k++) {
    const i = (t.hNext - 1 - k + n) % n;
    const dt = Math.abs(t.hTs[i]! - ts);
    if (dt < bestDt) {
      bestDt = dt;
      best = i;
    }
  }
  return best < 0 ? null : { x: t.hX[best]!, y: t.hY[best]!, dtMs: bestDt };
}
