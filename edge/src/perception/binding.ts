/**
 * Identity bindings: which track belongs to which admitted session.
 *
 * An admission at an entry gate waits (bounded by `admitTtlMs`) for `people`
 * tracks to be bound: the nearest unbound track at the gate when admitted, then
 * one per 'in' crossing, and, for gates without a crossing sensor, unbound tracks
 * that linger at the gate after a grace time. A bound track that is lost leaves
 * an orphan session that re-binds to a new track appearing within walking
 * distance of where it was lost (a long miss or a tracker break).
 */
import type { Gate } from '@tebura/contract';
import type { Track, Tracker } from './tracker.js';
import type { PerceptionTuning } from './tuning.js';

export interface PendingAdmission {
  sessionId: string;
  gateId: string;
  remaining: number;
  ts: number;
}

export interface Orphan {
  sessionId: string;
  x: number;
  y: number;
  ts: number;
}

/** Admissions waiting at once; beyond it the oldest is dropped. */
export const PENDING_ADMISSIONS_MAX = 256;
export const ORPHANS_MAX = 256;
/** Without a crossing event, an admitted companion is bound from detections after this long. */
const CROSSING_GRACE_MS = 1500;

export class Bindings {
  pending: PendingAdmission[] = [];
  orphans: Orphan[] = [];
  private readonly gates = new Map<string, Gate>();

  constructor(
    gates: readonly Gate[],
    private readonly tracker: Tracker,
    private readonly tuning: PerceptionTuning,
  ) {
    for (const g of gates) this.gates.set(g.id, g);
  }

  gate(id: string): Gate | undefined {
    return this.gates.get(id);
  }

  admit(sessionId: string, gateId: string, people: number, ts: number): void {
    if (this.pending.length >= PENDING_ADMISSIONS_MAX) this.pending.shift();
    const p: PendingAdmission = { sessionId, gateId, remaining: Math.max(1, people), ts };
    this.pending.push(p);
    this.bindNearest(p, ts);
  }

  /** Someone passed an entry gate inward: bind them to the oldest admission still waiting there. */
  crossedIn(gateId: string, ts: number): void {
    const p = this.pending.find((a) => a.gateId === gateId && a.remaining > 0);
    if (p) this.bindNearest(p, ts);
  }

  /** After each frame: expire admissions, bind lingering people, re-bind orphans to newly confirmed tracks. */
  afterFrame(ts: number, confirmed: readonly Track[]): void {
    this.pending = this.pending.filter((p) => p.remaining > 0 && ts - p.ts <= this.tuning.admitTtlMs);
    for (const p of this.pending) if (ts - p.ts >= CROSSING_GRACE_MS) this.bindNearest(p, ts);
    this.orphans = this.orphans.filter((o) => ts - o.ts <= this.tuning.orphanTtlMs);
    for (const t of confirmed) this.reacquire(t);
  }

  /** A bound track was lost: its session waits for a track to reappear nearby. */
  lost(t: Track): void {
    if (t.sessionId === null) return;
    const o: Orphan = { sessionId: t.sessionId, x: t.x, y: t.y, ts: t.lastTs };
    // The tracker may already have started a new track for this person while the
    // old one was still waiting out its misses (a jump beyond the gate).
    let best: Track | null = null;
    let bestD = Infinity;
    for (const c of this.tracker.tracks()) {
      if (c.sessionId !== null || !this.tracker.confirmed(c) || c.firstTs < t.lastTs - this.tuning.trackMissMaxMs) continue;
      const d = Math.hypot(c.x - o.x, c.y - o.y);
      if (d <= this.reachFrom(o, c.firstTs) + (this.tuning.walkSpeedMaxMPerS * Math.max(0, c.lastTs - c.firstTs)) / 1000 && d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (best) {
      best.sessionId = o.sessionId;
      return;
    }
    if (this.orphans.length >= ORPHANS_MAX) this.orphans.shift();
    this.orphans.push(o);
  }

  /** How far from where it was lost a shopper can reappear at ts. */
  private reachFrom(o: Orphan, ts: number): number {
    return 1 + (this.tuning.walkSpeedMaxMPerS * Math.abs(ts - o.ts)) / 1000;
  }

  forget(sessionId: string): void {
    this.pending = this.pending.filter((p) => p.sessionId !== sessionId);
    this.orphans = this.orphans.filter((o) => o.sessionId !== sessionId);
  }

  private bindNearest(p: PendingAdmission, ts: number): void {
    const gate = this.gates.get(p.gateId);
    if (!gate) return;
    while (p.remaining > 0) {
      let best: Track | null = null;
      let bestD = this.tuning.gateRadiusM;
      for (const t of this.tracker.tracks()) {
        if (t.sessionId !== null || !this.tracker.confirmed(t) || ts - t.lastTs > this.tuning.trackMissMaxMs) continue;
        const q = this.tracker.predict(t, ts);
        const d = Math.hypot(q.x - gate.x, q.y - gate.y);
        if (d <= bestD) {
          bestD = d;
          best = t;
        }
      }
      if (!best) return;
      best.sessionId = p.sessionId;
      p.remaining--;
    }
  }

  private reacquire(t: Track): void {
    // Near an entry gate a new track is a new arrival, not a lost shopper.
    for (const g of this.gates.values()) {
      if (g.kind === 'entry' && Math.hypot(t.x - g.x, t.y - g.y) <= this.tuning.gateRadiusM) return;
    }
    let best = -1;
    let bestD = Infinity;
    this.orphans.forEach((o, i) => {
      const reach = this.reachFrom(o, t.firstTs);
      const d = Math.hypot(t.x - o.x, t.y - o.y);
      if (d <= reach && d < bestD) {
        bestD = d;
        best = i;
      }
    });
    if (best < 0) return;
    t.sessionId = this.orphans[best]!.sessionId;
    this.orphans.splice(best, 1);
  }
}
