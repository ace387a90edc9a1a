/**
 * Global person tracks from overhead camera detections (store coordinates).
 *
 * Every camera frame is matched against all tracks predicted to its time with a
 * constant-velocity Kalman filter (track-filter.ts), gated by distance and
 * assigned with the Hungarian method (munkres) on the normalised innovation. A
 * camera's own localId only lowers the cost a little: cameras swap labels between
 * people, so position decides. An unmatched detection starts a tentative track
 * that must be seen again before it counts (a single stray detection is not a
 * person); a track coasts on its motion model through misses, its gate growing
 * with its uncertainty, and ends when unseen for `trackMissMaxMs`.
 */
import { munkres } from 'munkres';
import { DuplicateWatch } from './track-duplicates.js';
import { CameraNoise, LabelReliability, initialState, normalCdf, predictCovariance, predictedPositionVar, updateCovariance, type FilterState } from './track-filter.js';
import type { PerceptionTuning } from './tuning.js';

export interface Detection {
  localId: string;
  x: number;
  y: number;
  confidence: number;
  /** Wrists a pose camera saw (floor plane, m; z: height when it measures depth); absent from a camera without a pose model. */
  hands?: readonly { x: number; y: number; z?: number }[];
}

/** Recent wrist points of one track (a ring), for "whose hand was in the shelf". */
export interface WristRing {
  ts: Float64Array;
  x: Float64Array;
  y: Float64Array;
  /** Height above the floor, NaN when the camera gave none. */
  z: Float64Array;
  next: number;
  fill: number;
}

/** Wrist points kept per track: two wrists at 10 fps for 6 s. */
export const WRIST_HISTORY_MAX = 120;

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
  /** Created on the first wrist a pose camera reports for this person. */
  wrists?: WristRing;
  /**
   * How likely this track is really another session's person (after passing
   * close to them, when the cameras could not tell who went where): session ->
   * probability; its own session has the rest. Absent: certain.
   */
  idMix?: Map<string, number>;
}

/** A frame's chance that two bound tracks swapped people below this is ignored. */
const SWAP_P_MIN = 1e-3;
/** Identity doubts below this are forgotten, and a track keeps at most ID_MIX_MAX of them. */
const ID_MIX_MIN = 0.005;
const ID_MIX_MAX = 4;

/**
 * Two bound tracks of different sessions matched in one frame where the other
 * assignment was also possible (probability `p` that the detections went the
 * other way): each track's identity becomes (1 - p) of its own plus p of the
 * other's. Repeated close frames drift both towards even, never past it.
 */
export function mixIdentities(a: Track, b: Track, p: number): void {
  if (a.sessionId === null || b.sessionId === null || a.sessionId === b.sessionId || p < SWAP_P_MIN) return;
  const dist = (t: Track): Map<string, number> => {
    const m = new Map(t.idMix ?? []);
    m.set(t.sessionId!, 1 - [...(t.idMix?.values() ?? [])].reduce((x, y) => x + y, 0));
    return m;
  };
  const da = dist(a);
  const db = dist(b);
  const mix = (own: Map<string, number>, other: Map<string, number>): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [k, v] of own) out.set(k, (out.get(k) ?? 0) + (1 - p) * v);
    for (const [k, v] of other) out.set(k, (out.get(k) ?? 0) + p * v);
    return out;
  };
  for (const [t, d] of [[a, mix(da, db)], [b, mix(db, da)]] as const) {
    d.delete(t.sessionId!);
    const kept = [...d].filter(([, v]) => v >= ID_MIX_MIN).sort((x, y) => y[1] - x[1]).slice(0, ID_MIX_MAX);
    if (kept.length === 0) delete t.idMix;
    else t.idMix = new Map(kept);
  }
}

/** A tentative track loses to a confirmed one at equal distance: extra cost, nats. */
const TENTATIVE_PENALTY = 3;
/** A detection this many standard deviations from every track is cheaper as a new person. */
const BIRTH_SIGMAS = 3;
/** ... and at least this far, m: before a camera's noise is learned its sigma may be far too small. */
const BIRTH_MIN_M = 0.7;
/**
 * Most a label never given to a live track can add to matching it to one, nats: the
 * camera says "someone new" (people step in at the gate beside a track the camera
 * just missed), unless it switched labels, which the learned rate prices.
 */
const FRESH_LABEL_PENALTY_MAX = 4;
/** Two confirmed tracks closer than this many camera sigmas (and at least DUPLICATE_MIN_M) may be one person. */
const DUPLICATE_SIGMAS = 2.5;
const DUPLICATE_MIN_M = 0.3;
/**
 * A bound track unseen this long while an unbound track is seen within the gate floor
 * (`gateM`) of where it was last seen hands its session over (the person's detections went to a
 * second track, see track-duplicates.ts). Both cameras missing one person for 0.6 s
 * is rare (0.15^12 at the simulator's worst miss rate); an unbound person is rare too.
 */
const STARVE_MS = 600;
/** Keeps every gated cost positive for munkres, nats. */
const COST_OFFSET = 20;
/** Detections below this confidence update tracks but never start one. */
const SPAWN_CONFIDENCE_MIN = 0.3;
/** A tentative track is confirmed after this many detections ... */
const CONFIRM_HITS = 3;
/** ... and dropped silently when unseen this long before that. */
const TENTATIVE_MISS_MAX_MS = 500;
/** A detection is in a track's gate within this many predicted standard deviations ... */
const GATE_SIGMAS = 3.5;
/** ... but never beyond this (a coasting track's uncertainty grows without bound), m. */
const GATE_MAX_M = 2.5;
/** The mean is never extrapolated further than this (a long miss is not a straight line). */
const PREDICT_MAX_MS = 1000;
/** Camera-label hints remembered; cleared wholesale beyond it (they are only hints). */
const LOCAL_HINTS_MAX = 4096;
/** Position noise assumed for a camera missing from the layout, m. */
const DEFAULT_NOISE_M = 0.15;
/** Only tracks this well established teach a camera's noise (a new track's variance is a guess). */
const NOISE_LEARN_HITS_MIN = 10;
const GATED_OUT = 1e6;
/** Two wrists at rest hang this far apart at most (shoulder width and a sway), m ... */
const IDLE_PAIR_MAX_M = 0.7;
/** ... and no higher than this (a raised hand is passing something, or reaching up), m. */
const IDLE_WRIST_Z_MAX_M = 1.05;
/** A wrist this close to a gondola (or in it) may be in a shelf, not beside its body, m. */
const SHELF_MARGIN_M = 0.15;

/** A gondola's footprint on the floor (layout coordinates, m). */
export interface Footprint {
  x: number;
  y: number;
  widthM: number;
  depthM: number;
}

/**
 * The mix that takes a pair whose encounter so far came to a swap chance of `was`
 * to one of max(was, p): mixing by q after `was` is a swap of was(1-q) + q(1-was).
 * Zero when this frame is no worse than one already counted.
 */
export function encounterStep(was: number, p: number): number {
  const target = Math.min(p, 0.5);
  if (target <= was) return 0;
  return (target - was) / (1 - 2 * was);
}

/** Frames of doubt between one pair this close in time are one encounter, ms. */
const ENCOUNTER_GAP_MS = 2000;
/** Pairs of tracks whose encounter is remembered at once (stale ones are dropped first). */
const ENCOUNTERS_MAX = 1024;

export class Tracker {
  private readonly list: Track[] = [];
  /** Track pair -> worst frame of their current encounter (see doubt()). */
  private readonly encounters = new Map<string, { pMax: number; lastTs: number }>();
  private readonly filters = new Map<string, FilterState>();
  private nextId = 1;
  private readonly localHint = new Map<string, string>();
  readonly noise = new CameraNoise(DEFAULT_NOISE_M);
  readonly labels = new LabelReliability();
  private readonly duplicates = new DuplicateWatch();
  /**
   * Noise of the midpoint of two resting wrists as a body position, learned like
   * `noise` (its own key per camera). Seeded from the pose model's wrist noise.
   */
  readonly midNoise = new CameraNoise(DEFAULT_NOISE_M);

  /**
   * `footprints`: the gondolas, so a wrist in a shelf is not taken for one at rest
   * (without them wrists never refine positions).
   */
  constructor(
    private readonly tuning: PerceptionTuning,
    cameras: readonly { id: string; kind: string; positionNoiseM: number; handNoiseM?: number }[] = [],
    private readonly footprints: readonly Footprint[] = [],
  ) {
    for (const c of cameras) {
      if (c.kind !== 'overhead') continue;
      this.noise.seed(c.id, c.positionNoiseM);
      if (c.handNoiseM !== undefined) this.midNoise.seed(c.id, c.handNoiseM);
    }
  }

  /**
   * Where a detection puts the person, and how well: the camera's body point,
   * refined by the midpoint of both wrists when both hang at rest beside the body
   * (a pose model's keypoints are often sharper than its box: a camera whose box
   * wanders by 25 cm still places wrists to a few cm). Inverse-variance weighted,
   * each variance learned per camera from the innovations of established tracks.
   */
  private measure(cameraId: string, d: Detection, rVar: number): Measured {
    const mid = this.footprints.length > 0 ? this.restingMid(d) : null;
    if (mid === null) return { x: d.x, y: d.y, v: rVar, mid: null };
    const mVar = this.midNoise.varianceM2(cameraId);
    const v = 1 / (1 / rVar + 1 / mVar);
    return { x: v * (d.x / rVar + mid.x / mVar), y: v * (d.y / rVar + mid.y / mVar), v, mid };
  }

  /** Midpoint of a detection's two wrists when both are at rest: low, close together, out of every shelf. */
  private restingMid(d: Detection): { x: number; y: number } | null {
    const h = d.hands;
    if (h === undefined || h.length !== 2) return null;
    const [a, b] = [h[0]!, h[1]!];
    if (!Number.isFinite(a.x) || !Number.isFinite(a.y) || !Number.isFinite(b.x) || !Number.isFinite(b.y)) return null;
    if ((a.z ?? 0) > IDLE_WRIST_Z_MAX_M || (b.z ?? 0) > IDLE_WRIST_Z_MAX_M) return null;
    if (Math.hypot(a.x - b.x, a.y - b.y) > IDLE_PAIR_MAX_M) return null;
    if (this.nearShelf(a.x, a.y) || this.nearShelf(b.x, b.y)) return null;
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  }

  private nearShelf(x: number, y: number): boolean {
    const m = SHELF_MARGIN_M;
    return this.footprints.some((g) => x >= g.x - m && x <= g.x + g.widthM + m && y >= g.y - m && y <= g.y + g.depthM + m);
  }

  tracks(): readonly Track[] {
    return this.list;
  }

  get(id: string): Track | undefined {
    return this.list.find((t) => t.id === id);
  }

  /** Seen often enough to be a person (not a stray detection). */
  confirmed(t: Track): boolean {
    return t.hits >= CONFIRM_HITS;
  }

  /** Predicted position at ts (bounded extrapolation). */
  predict(t: Track, ts: number): { x: number; y: number } {
    const dt = Math.min(Math.max(0, ts - t.lastTs), PREDICT_MAX_MS) / 1000;
    return { x: t.x + t.vx * dt, y: t.y + t.vy * dt };
  }

  /** Matches one frame; returns the tracks this frame confirmed (new people). */
  onFrame(cameraId: string, ts: number, dets: readonly Detection[]): Track[] {
    const confirmedNow: Track[] = [];
    // The contract's schema admits only numbers, but one NaN would poison every cost it touches.
    if (dets.some((d) => !Number.isFinite(d.x) || !Number.isFinite(d.y))) dets = dets.filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y));
    if (dets.length === 0) return confirmedNow;
    const rVar = this.noise.varianceM2(cameraId);
    const ms = dets.map((d) => this.measure(cameraId, d, rVar));
    const matched = this.assign(cameraId, ts, dets, ms, rVar);
    dets.forEach((d, r) => {
      const c = matched[r]!;
      let t: Track;
      if (c >= 0) {
        t = this.list[c]!;
        const was = this.confirmed(t);
        this.update(t, d, ms[r]!, ts, cameraId, rVar);
        if (!was && this.confirmed(t)) confirmedNow.push(t);
      } else {
        if (d.confidence < SPAWN_CONFIDENCE_MIN || this.list.length >= this.tuning.tracksMax) return;
        t = this.spawn(d, ts, rVar);
      }
      if (this.localHint.size >= LOCAL_HINTS_MAX) this.localHint.clear();
      this.localHint.set(`${cameraId}/${d.localId}`, t.id);
    });
    this.mergeDuplicates(matched, rVar);
    return confirmedNow;
  }

  /** Folds a second track on one person into the first (track-duplicates.ts); the session stays. */
  private mergeDuplicates(matched: readonly number[], rVar: number): void {
    const ids = new Set<string>();
    for (const c of matched) if (c >= 0) ids.add(this.list[c]!.id);
    const closeM = Math.max(DUPLICATE_MIN_M, DUPLICATE_SIGMAS * Math.sqrt(rVar));
    const merges = this.duplicates.observe(this.list, ids, closeM, (t) => this.confirmed(t));
    // A bound track starving beside an unbound one that takes the detections where it should be: the same person.
    const now = this.list.reduce((m, t) => Math.max(m, t.lastTs), 0);
    for (const t of this.list) {
      if (t.sessionId === null || ids.has(t.id) || now - t.lastTs < STARVE_MS) continue;
      // Where it was last seen, not extrapolated: a starving track's velocity is what dragged it off.
      const u = this.list.find((o) => ids.has(o.id) && o.sessionId === null && this.confirmed(o) && Math.hypot(o.x - t.x, o.y - t.y) <= this.tuning.gateM);
      if (u) merges.push([u, t]);
    }
    for (const [keep, drop] of merges) {
      if (!this.get(keep.id) || !this.get(drop.id)) continue;
      if (keep.sessionId === null) keep.sessionId = drop.sessionId;
      this.remove(drop.id);
    }
  }

  /**
   * Hungarian assignment of detections to tracks; matched[r] is a track index or -1.
   * `ms`: each detection as a measurement (measure()); `rVar`: the camera's box noise.
   */
  private assign(cameraId: string, ts: number, dets: readonly Detection[], ms: readonly Measured[], rVar: number): number[] {
    const matched = new Array<number>(dets.length).fill(-1);
    if (this.list.length === 0) return matched;
    const gateFloor = this.tuning.gateM;
    const cols = this.list.map((t) => {
      const p = this.predict(t, ts);
      const f = this.filter(t, rVar);
      const P = predictedPositionVar(f, Math.max(0, ts - t.lastTs) / 1000);
      return { p, P, penalty: this.confirmed(t) ? 0 : TENTATIVE_PENALTY };
    });
    const labelBonus = this.labels.bonusNats(cameraId);
    const freshPenalty = Math.min(this.labels.freshPenaltyNats(cameraId), FRESH_LABEL_PENALTY_MAX);
    const ids = new Set(this.list.map((t) => t.id));
    // A new person is as likely as a track this far out (nats): beyond ~3 sigma of a fresh track, and a step.
    const birthM = Math.max(BIRTH_SIGMAS * Math.sqrt(2 * rVar), BIRTH_MIN_M);
    const birth = Math.log(2 * rVar) + (birthM * birthM) / (4 * rVar) + COST_OFFSET;
    const cost = dets.map((d, r) => {
      const hinted = this.localHint.get(`${cameraId}/${d.localId}`);
      // A label this camera has not given to any live track says "someone new" (or a rare switch).
      const fresh = hinted === undefined || !ids.has(hinted);
      const m = ms[r]!;
      const nlls = this.list.map((t, j) => {
        const c = cols[j]!;
        const S = c.P + m.v;
        const dist = Math.hypot(m.x - c.p.x, m.y - c.p.y);
        if (dist > Math.min(GATE_MAX_M, Math.max(gateFloor, GATE_SIGMAS * Math.sqrt(S)))) return GATED_OUT;
        // Negative log-likelihood: the log of its spread keeps an uncertain track from winning by being vague.
        return (dist * dist) / (2 * S) + Math.log(S) + COST_OFFSET;
      });
      // A camera that switches two people's labels switches both at once: their two
      // detections' labels are one piece of evidence, not two. Where another person's
      // track (bound to another session) could take this detection, its label earns half
      // (02 seed 5: two shoppers passing at the entry, their labels switched, and the two
      // bonuses outweighed positions that said otherwise by 10 nats; their receipts were
      // swapped). A second track grown on one person is not another person.
      const owner = hinted === undefined ? undefined : this.get(hinted)?.sessionId;
      const contested = owner !== undefined && owner !== null && this.list.some((t, j) => t.sessionId !== null && t.sessionId !== owner && nlls[j]! < GATED_OUT);
      const bonus = contested ? labelBonus / 2 : labelBonus;
      const row = this.list.map((t, j) => {
        if (nlls[j]! >= GATED_OUT) return GATED_OUT;
        const label = hinted === t.id ? -bonus : fresh && cols[j]!.penalty === 0 ? freshPenalty : 0;
        return Math.max(0, nlls[j]! + cols[j]!.penalty + label);
      });
      // One birth column per detection: leaving it unmatched (a new track) is an option with a price.
      for (let k = 0; k < dets.length; k++) row.push(k === r ? birth : GATED_OUT);
      return row;
    });
    for (const [r, c] of munkres(cost)) {
      if (c < this.list.length && cost[r]![c]! < GATED_OUT) matched[r] = c;
    }
    // Identity doubt: a bound person's detection that could have been another bound
    // person's: both detections the other way round, or (when the other track got
    // none this frame) this one detection.
    const rowOf = new Map<number, number>();
    matched.forEach((c, r) => {
      if (c >= 0) rowOf.set(c, r);
    });
    for (let r1 = 0; r1 < dets.length; r1++) {
      const c1 = matched[r1]!;
      if (c1 < 0 || this.list[c1]!.sessionId === null) continue;
      for (let c2 = 0; c2 < this.list.length; c2++) {
        if (c2 === c1 || this.list[c2]!.sessionId === null || this.list[c2]!.sessionId === this.list[c1]!.sessionId) continue;
        const r2 = rowOf.get(c2);
        if (r2 !== undefined && r2 < r1) continue;
        const alt = cost[r1]![c2]! + (r2 === undefined ? 0 : cost[r2]![c1]!);
        if (alt >= GATED_OUT) continue;
        const delta = alt - (cost[r1]![c1]! + (r2 === undefined ? 0 : cost[r2]![c2]!));
        // The frame may be ambiguous (a camera's box is vague) while the tracks are not:
        // a wrong frame barely moves a well-known track, and the next frame puts it back.
        // They trade people only if their own estimates could be confused.
        const [k1, k2] = [cols[c1]!, cols[c2]!];
        const pState = normalCdf(-Math.hypot(k1.p.x - k2.p.x, k1.p.y - k2.p.y) / Math.sqrt(k1.P + k2.P));
        this.doubt(this.list[c1]!, this.list[c2]!, Math.min(1 / (1 + Math.exp(delta)), pState), ts);
      }
    }
    dets.forEach((d, r) => {
      const hinted = this.localHint.get(`${cameraId}/${d.localId}`);
      const c = matched[r]!;
      if (c >= 0 && this.confirmed(this.list[c]!)) this.labels.observe(cameraId, hinted === this.list[c]!.id);
    });
    return matched;
  }

  /**
   * One frame's chance `p` that two bound tracks' detections went the other way.
   * Frames of one encounter are not independent chances to swap: two people standing
   * side by side for a minute are no more likely to have traded tracks than at their
   * closest frame (the next frame's assignment puts each back on its own). So an
   * encounter (frames of doubt no more than ENCOUNTER_GAP_MS apart) raises the pair's
   * doubt to its worst frame, not to the product of all of them.
   */
  private doubt(a: Track, b: Track, p: number, ts: number): void {
    if (p < SWAP_P_MIN) return;
    const key = a.id < b.id ? `${a.id}|${b.id}` : `${b.id}|${a.id}`;
    const e = this.encounters.get(key);
    const was = e !== undefined && ts - e.lastTs <= ENCOUNTER_GAP_MS ? e.pMax : 0;
    if (e === undefined && this.encounters.size >= ENCOUNTERS_MAX) {
      for (const [k, v] of this.encounters) if (ts - v.lastTs > ENCOUNTER_GAP_MS) this.encounters.delete(k);
      if (this.encounters.size >= ENCOUNTERS_MAX) this.encounters.clear();
    }
    this.encounters.set(key, { pMax: Math.max(was, p), lastTs: ts });
    const q = encounterStep(was, p);
    if (q > 0) mixIdentities(a, b, q);
  }

  /** Removes tracks unseen for too long and returns the confirmed ones (tentative ones just vanish). */
  expire(ts: number): Track[] {
    const gone: Track[] = [];
    for (let i = this.list.length - 1; i >= 0; i--) {
      const t = this.list[i]!;
      const unseenMs = ts - t.lastTs;
      const confirmed = this.confirmed(t);
      if (unseenMs > this.tuning.trackMissMaxMs || (!confirmed && t.sessionId === null && unseenMs > TENTATIVE_MISS_MAX_MS)) {
        this.list.splice(i, 1);
        this.filters.delete(t.id);
        if (confirmed || t.sessionId !== null) gone.push(t);
      }
    }
    return gone;
  }

  remove(id: string): Track | undefined {
    const i = this.list.findIndex((t) => t.id === id);
    if (i < 0) return undefined;
    this.filters.delete(id);
    return this.list.splice(i, 1)[0];
  }

  /** Re-creates a track (restore after restart); it counts as confirmed. */
  add(t: { id: string; x: number; y: number; lastTs: number; sessionId: string | null }): Track {
    const track = this.spawn({ localId: '', x: t.x, y: t.y, confidence: 1 }, t.lastTs, DEFAULT_NOISE_M ** 2, t.id);
    track.sessionId = t.sessionId;
    track.hits = CONFIRM_HITS;
    const n = Number(/^t(\d+)$/.exec(t.id)?.[1] ?? 0);
    if (n >= this.nextId) this.nextId = n + 1;
    return track;
  }

  private filter(t: Track, rVar: number): FilterState {
    let f = this.filters.get(t.id);
    if (!f) {
      f = initialState(rVar);
      this.filters.set(t.id, f);
    }
    return f;
  }

  private spawn(d: Detection, ts: number, rVar: number, id?: string): Track {
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
    this.filters.set(t.id, initialState(rVar));
    pushHistory(t, ts, d.x, d.y);
    if (d.hands !== undefined) pushWrists(t, ts, d.hands);
    this.list.push(t);
    return t;
  }

  private update(t: Track, d: Detection, m: Measured, ts: number, cameraId: string, rVar: number): void {
    const f = this.filter(t, rVar);
    // A frame older than the track's last update (cameras out of step) is used as if current.
    const dtS = Math.max(0, ts - t.lastTs) / 1000;
    const p = this.predict(t, ts);
    predictCovariance(f, dtS);
    if (t.hits >= NOISE_LEARN_HITS_MIN) {
      this.noise.observe(cameraId, ((d.x - p.x) ** 2 + (d.y - p.y) ** 2) / 2, f.pp);
      if (m.mid !== null) this.midNoise.observe(cameraId, ((m.mid.x - p.x) ** 2 + (m.mid.y - p.y) ** 2) / 2, f.pp);
    }
    const rx = m.x - p.x;
    const ry = m.y - p.y;
    const { kp, kv } = updateCovariance(f, m.v);
    t.x = p.x + kp * rx;
    t.y = p.y + kp * ry;
    t.vx += kv * rx;
    t.vy += kv * ry;
    const speed = Math.hypot(t.vx, t.vy);
    const vMax = this.tuning.walkSpeedMaxMPerS;
    if (speed > vMax) {
      t.vx *= vMax / speed;
      t.vy *= vMax / speed;
    }
    if (ts > t.lastTs) t.lastTs = ts;
    t.hits++;
    pushHistory(t, ts, t.x, t.y);
    if (d.hands !== undefined) pushWrists(t, ts, d.hands);
  }
}

/** A detection as a position measurement: where, its variance per axis (m^2), and the resting-wrist midpoint used. */
interface Measured {
  x: number;
  y: number;
  v: number;
  mid: { x: number; y: number } | null;
}

export function pushHistory(t: Track, ts: number, x: number, y: number): void {
  const n = t.hTs.length;
  t.hTs[t.hNext] = ts;
  t.hX[t.hNext] = x;
  t.hY[t.hNext] = y;
  t.hNext = (t.hNext + 1) % n;
  if (t.hFill < n) t.hFill++;
}

export function pushWrists(t: Track, ts: number, hands: readonly { x: number; y: number; z?: number }[]): void {
  for (const h of hands) {
    if (!Number.isFinite(h.x) || !Number.isFinite(h.y)) continue;
    const n = WRIST_HISTORY_MAX;
    const w = (t.wrists ??= { ts: new Float64Array(n), x: new Float64Array(n), y: new Float64Array(n), z: new Float64Array(n), next: 0, fill: 0 });
    w.ts[w.next] = ts;
    w.x[w.next] = h.x;
    w.y[w.next] = h.y;
    w.z[w.next] = h.z !== undefined && Number.isFinite(h.z) ? h.z : NaN;
    w.next = (w.next + 1) % WRIST_HISTORY_MAX;
    if (w.fill < WRIST_HISTORY_MAX) w.fill++;
  }
}

/** Calls fn for each stored wrist point with from <= ts <= to, oldest first (z NaN when unknown). */
export function forWrists(t: Track, from: number, to: number, fn: (ts: number, x: number, y: number, z: number) => void): void {
  const w = t.wrists;
  if (w === undefined) return;
  const start = (w.next - w.fill + WRIST_HISTORY_MAX) % WRIST_HISTORY_MAX;
  for (let k = 0; k < w.fill; k++) {
    const i = (start + k) % WRIST_HISTORY_MAX;
    const ts = w.ts[i]!;
    if (ts >= from && ts <= to) fn(ts, w.x[i]!, w.y[i]!, w.z[i]!);
  }
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
