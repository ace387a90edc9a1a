/**
 * Which shopper caused a shelf event.
 *
 * Only tracks within `reachM` of the event's plates at some point of the window
 * are candidates. Each candidate's likelihood combines its distance when the hand
 * went in (the event start), its closest approach during the window and the share
 * of the window it spent within reach; likelihoods are normalised into a posterior
 * and summed per session, since companions roll up to their payer's session.
 */
import { normalCdf } from './track-filter.js';
import { forHistory, forWrists, positionAt, type Track } from './tracker.js';
import type { PerceptionTuning } from './tuning.js';

export interface ShopperCandidate {
  sessionId: string | null;
  trackId: string;
  probability: number;
  /** See SessionCandidate.plausible. */
  plausible: number;
  /** See SessionCandidate.reached. */
  reached: number | null;
  /** See SessionCandidate.reachedMoved. */
  reachedMoved: number | null;
  /** Closest approach to the event's plates during the window, metres. */
  distM: number;
  x: number;
  y: number;
  ts: number;
}

export interface SessionCandidate {
  /** null: an unbound person (not admitted, or lost binding). */
  sessionId: string | null;
  probability: number;
  /**
   * How much this session's people behaved like a picker whatever the distance
   * (stood still before the reach, walked off when a picker does): 1 typical, 0.15
   * or less when not. Two sessions both near 1 at one multi-unit change are two hands.
   */
  plausible: number;
  /**
   * How sure a pose camera is that this session's wrist was over the event's
   * plates (0-1, the best of its people); null when no wrist of theirs was seen.
   */
  reached: number | null;
  /**
   * As `reached`, with plates whose weight did not move counted as less likely places
   * for a hand (QUIET_PLATE_ODDS): whether this session was a second hand (two-hands.ts).
   */
  reachedMoved: number | null;
  /**
   * Present only on a session no track of its own put here: it stands in for another
   * session's track that may really be its person (Track.idMix). The same body, so
   * never a second hand.
   */
  viaDoubt?: true;
}

export interface AssociationResult {
  tracks: ShopperCandidate[];
  sessions: SessionCandidate[];
}

/** A track position older than this relative to the event start says nothing about it. */
const POSITION_STALE_MS = 2000;
/**
 * Someone who reaches into a shelf stands still while the hand is in it: from a
 * moment before the weight starts to change until the reach is done. Not a full
 * second before: a shopper who walks up and reaches at once (a pair sharing a
 * facing, 0-300 ms after arriving) is a picker, not a passer-by.
 */
const STILL_BEFORE_MS = 300;
const STILL_AFTER_MS = 600;
const STILL_M = 0.3;
/** Likelihood factor for a person still walking when the hand went in (a passer-by). */
const WALKING_FACTOR = 0.15;
/** Having moved this far from the reach position, a person has left the shelf. */
const LEAVE_M = 0.5;
/**
 * A picker walks off within this window after the hand went in: reach (600 ms),
 * lift and turn, then about 0.5 m of walking. Measured on the simulator's traffic
 * (02, 05, 12: 1380-2400 ms from the reach for shoppers who walked on); a real
 * store calibrates it from its own tracks. Inside the window a walk-off is typical
 * of the picker; well outside it, of a bystander with their own schedule.
 */
const LEAVE_MIN_MS = 1300;
const LEAVE_MAX_MS = 2500;
/**
 * Soft edges of the window. Early: the hand must be out of the shelf and the
 * picker turned before a step away, so only the event start's timing (~0.1 s) is
 * uncertain. Late: people linger a little.
 */
const LEAVE_EARLY_EDGE_MS = 100;
const LEAVE_LATE_EDGE_MS = 250;
/**
 * Likelihood of leaving at an untypical time, and of not leaving at all (about a
 * third of pickers stay to take from the next facing in reach; most bystanders stay).
 */
const LEAVE_FLOOR = 0.15;
/** Not left yet, and the window is not over: nothing learnt. */
const LEAVE_UNDECIDED = 0.5;

/** Stood still around the reach: 1; walking past: WALKING_FACTOR. */
function stillFactor(t: Track, hand: { x: number; y: number }, startTs: number): number {
  let moved = 0;
  forHistory(t, startTs - STILL_BEFORE_MS, startTs + STILL_AFTER_MS, (_ts, x, y) => {
    moved = Math.max(moved, Math.hypot(x - hand.x, y - hand.y));
  });
  return moved <= STILL_M ? 1 : WALKING_FACTOR;
}

/** When did the person leave the spot they reached from, relative to the reach? */
function leaveFactor(t: Track, hand: { x: number; y: number }, startTs: number): number {
  let leftAt = -1;
  forHistory(t, startTs, Infinity, (ts, x, y) => {
    if (leftAt < 0 && Math.hypot(x - hand.x, y - hand.y) > LEAVE_M) leftAt = ts;
  });
  if (leftAt >= 0) {
    const dt = leftAt - startTs;
    const z = dt < LEAVE_MIN_MS ? (LEAVE_MIN_MS - dt) / LEAVE_EARLY_EDGE_MS : Math.max(0, dt - LEAVE_MAX_MS) / LEAVE_LATE_EDGE_MS;
    return LEAVE_FLOOR + (1 - LEAVE_FLOOR) * Math.exp((-z * z) / 2);
  }
  return t.lastTs - startTs > LEAVE_MAX_MS + 2 * LEAVE_LATE_EDGE_MS ? LEAVE_FLOOR : LEAVE_UNDECIDED;
}

/** What the overhead cameras' pose models report about wrists (from the layout), or null without them. */
export interface WristModel {
  /** Wrist keypoint noise on the floor plane, m. */
  sigmaM: number;
  /** Probability a wrist is not seen in a frame. */
  missRate: number;
}

/** A plate as wrists are weighed against it: centre of its front edge, width, the face's outward normal, its shelf's height. */
export interface WristPlate {
  x: number;
  y: number;
  widthM?: number;
  nx?: number;
  ny?: number;
  /** Height of the shelf's surface above the floor, m (layout `heightM`). */
  heightM?: number;
  /** As another plate: its weight did not move around the event (see QUIET_PLATE_ODDS). */
  quiet?: boolean;
}

/** Wrist points from this long before the weight starts to change count: the hand goes in first. */
const WRIST_BEFORE_MS = 500;
/** ... until this long after it started: reach (0.6 s) and out again, with the start's own uncertainty. */
const WRIST_AFTER_MS = 1500;
/** A hand taking from a plate is over it up to this far into the shelf from its front edge, m. */
const WRIST_INTO_SHELF_M = 0.35;
/** A wrist gripping an item is about this high above the shelf's surface, m. */
const WRIST_ABOVE_SHELF_M = 0.12;
/** Where a hand in a shelf is beyond its keypoint noise and the space over the plate, m. */
const WRIST_ON_PLATE_SPREAD_M = 0.05;
/** Where a wrist at rest is beyond its keypoint noise: beside the body, m. */
const WRIST_IDLE_SPREAD_M = 0.2;
/** Height of a wrist at rest (hands by the hips), m. */
const WRIST_IDLE_HEIGHT_M = 0.85;
/**
 * Frames of wrists seen elsewhere that count as evidence the hand was not in the
 * shelf. Few: a pose model's misses are not independent from frame to frame (the
 * same shelf edge hides the same hand), so a long run of frames does not multiply.
 */
const WRIST_FRAMES_MAX = 6;
/** Frames that must agree on a reach: the evidence is the third-best frame. */
const WRIST_FRAMES_AGREE = 3;
/**
 * Odds of a hand over a plate whose weight did not move then (against one that did),
 * for `reachedMoved`: a reach takes or sets down something, so a wrist between the
 * event's plate and a quiet neighbour is more likely over the event's. Counted as even,
 * a hand 0.1 m inside the plate's edge (keypoint noise 0.08 m) scored 0.73, and the
 * second of two shoppers each taking a cup noodle was not counted as a hand
 * (11-busy-hour seed 101; 0.84 at 0.5). Not lower: a hand can hover, or come out empty;
 * at 0.1 a shopper whose hand went into the next facing and came out with nothing
 * scored 0.85 for the plate beside it. Only for second hands: in the association
 * between candidates it raised bystanders' hands resting near the shelf (08 seed 9: a
 * receiver standing by at 0.66 -> 0.76, and the giver's onigiri waited 1.6 s).
 */
const QUIET_PLATE_ODDS = 0.5;
const LOG_QUIET_PLATE_ODDS = Math.log(QUIET_PLATE_ODDS);
/** Least wrist factor: a pose model can be wrong in ways its miss rate does not describe. */
const WRIST_FLOOR = 0.005;

/**
 * Distance from a point to the space over a plate: its width along the shelf's
 * face, from its front edge (the plate's position) up to WRIST_INTO_SHELF_M deep
 * into the shelf, and (when both are known) a grip's height above the shelf.
 * `nx, ny`: the face's outward normal (from the layout); without it, the
 * direction to the person stands in.
 */
function distToPlate(x: number, y: number, z: number, p: WristPlate, body: { x: number; y: number }): number {
  const half = (p.widthM ?? 0) / 2;
  let nx = p.nx ?? body.x - p.x;
  let ny = p.ny ?? body.y - p.y;
  const len = Math.hypot(nx, ny);
  const dz = Number.isNaN(z) || p.heightM === undefined ? 0 : z - (p.heightM + WRIST_ABOVE_SHELF_M);
  if (len === 0) return Math.hypot(x - p.x, y - p.y, dz);
  nx /= len;
  ny /= len;
  const across = (x - p.x) * -ny + (y - p.y) * nx;
  const out = (x - p.x) * nx + (y - p.y) * ny;
  const dAcross = Math.max(0, Math.abs(across) - half);
  const dOut = out > 0 ? out : Math.max(0, -out - WRIST_INTO_SHELF_M);
  return Math.hypot(dAcross, dOut, dz);
}

function logSumExp(a: number, b: number): number {
  const m = Math.max(a, b);
  return m === -Infinity ? m : m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * Was this person's hand in the shelf, over this event's plates? Each wrist point
 * is weighed as "over the event's plates" against "at rest beside the body" or
 * "over another plate" (likelihood ratios of round Gaussians, keypoint noise
 * included; height counts when the camera gives it and the layout has shelf
 * heights); the third-best frame decides, so a stray keypoint or two is not a reach.
 * A wrist over a plate stacked above or beside the event's, where nothing tells
 * them apart, weighs about even. No frame for the event's plates: the chance a
 * picker's reaching wrist was hidden in every frame this person was seen (at most
 * WRIST_FRAMES_MAX frames), floored. No wrist seen at all (no pose camera, or
 * every wrist hidden): 1, no evidence.
 */
export function wristFactor(t: Track, plates: readonly WristPlate[], startTs: number, endTs: number, m: WristModel, otherPlates: readonly WristPlate[] = []): number {
  return wristEvidence(t, plates, startTs, endTs, m, otherPlates).factor;
}

/**
 * wristFactor, and `reached`: the chance the wrist was over the plates (null: no wrist
 * seen); `reachedMoved` the same with quiet other plates less likely (QUIET_PLATE_ODDS).
 */
export function wristEvidence(t: Track, plates: readonly WristPlate[], startTs: number, _endTs: number, m: WristModel, otherPlates: readonly WristPlate[] = []): WristEvidence {
  const vShelf = m.sigmaM * m.sigmaM + WRIST_ON_PLATE_SPREAD_M * WRIST_ON_PLATE_SPREAD_M;
  const vIdle = m.sigmaM * m.sigmaM + WRIST_IDLE_SPREAD_M * WRIST_IDLE_SPREAD_M;
  const frames = new Map<number, number>();
  const framesMoved = new Map<number, number>();
  forWrists(t, startTs - WRIST_BEFORE_MS, startTs + WRIST_AFTER_MS, (ts, x, y, z) => {
    const body = positionAt(t, ts);
    if (body === null) return;
    let dThis = Infinity;
    for (const p of plates) dThis = Math.min(dThis, distToPlate(x, y, z, p, body));
    let logOther = -Infinity;
    let logMoved = -Infinity;
    for (const p of otherPlates) {
      const d = distToPlate(x, y, z, p, body);
      logOther = Math.max(logOther, (-d * d) / (2 * vShelf));
      logMoved = Math.max(logMoved, (-d * d) / (2 * vShelf) + (p.quiet === true ? LOG_QUIET_PLATE_ODDS : 0));
    }
    const dims = Number.isNaN(z) ? 2 : 3;
    const dz = Number.isNaN(z) ? 0 : z - WRIST_IDLE_HEIGHT_M;
    const dIdle2 = (x - body.x) ** 2 + (y - body.y) ** 2 + dz * dz;
    const logIdle = -dIdle2 / (2 * vIdle) - (dims / 2) * Math.log(vIdle / vShelf);
    const logHere = (-dThis * dThis) / (2 * vShelf);
    frames.set(ts, Math.max(frames.get(ts) ?? -Infinity, logHere - logSumExp(logIdle, logOther)));
    framesMoved.set(ts, Math.max(framesMoved.get(ts) ?? -Infinity, logHere - logSumExp(logIdle, logMoved)));
  });
  if (frames.size === 0) return NO_WRIST;
  const reached = agreedReach(frames);
  return { factor: WRIST_FLOOR + (1 - WRIST_FLOOR) * Math.max(reached, m.missRate ** Math.min(frames.size, WRIST_FRAMES_MAX)), reached, reachedMoved: agreedReach(framesMoved) };
}

export interface WristEvidence {
  factor: number;
  reached: number | null;
  reachedMoved: number | null;
}

const NO_WRIST: WristEvidence = { factor: 1, reached: null, reachedMoved: null };

/**
 * A hand in a shelf stays there for several frames (about 11, 70 % of them seen); one
 * or two stray keypoints of a hand at rest are not a reach: the third-best frame's
 * log-likelihood ratio, as a probability.
 */
function agreedReach(frames: Map<number, number>): number {
  const byFrame = [...frames.values()].sort((a, b) => b - a);
  const evidence = byFrame[Math.min(WRIST_FRAMES_AGREE, byFrame.length) - 1]!;
  return 1 / (1 + Math.exp(-evidence));
}

/**
 * How much more a wrist seen over the plates says than no wrist at all. The wrist
 * factor (a probability) only lowers those whose hands were seen elsewhere: a
 * shopper whose wrist was over the plate in three frames weighed the same as one
 * whose wrists were never seen. Between candidates the evidence is the odds of
 * reached, 1 / (1 - reached) on top of the factor, capped: a pose model is wrong in
 * ways its noise model does not describe (02 seed 101: the picker's wrist over
 * the plate at 0.98, the nearer neighbour's at 0.21, and the neighbour was charged).
 */
const REACH_ODDS_MAX = 10;
/**
 * ... counted only for someone who behaved like a picker without it (stood still,
 * left when a picker does): 07 seed 101, a shopper walking past at the shelf's edge
 * had a wrist over the plate at 0.91 and outweighed the one who took the onigiri.
 */
const REACH_STANDING_MIN = 0.12;

/** The odds a wrist seen at `reached` adds, capped (1 without a wrist seen). */
export function reachOdds(reached: number | null): number {
  return reached === null ? 1 : Math.min(REACH_ODDS_MAX, 1 / Math.max(1e-9, 1 - reached));
}

export function associate(
  plates: readonly WristPlate[],
  startTs: number,
  endTs: number,
  tracks: readonly Track[],
  reachM: number,
  tuning: PerceptionTuning,
  /** Extra likelihood factor per track (e.g. "already took something from this spot"). */
  trackFactor: (t: Track, hand: { x: number; y: number }) => number = () => 1,
  /** Camera position noise (standard deviation, metres) of the tracks' detections. */
  positionNoiseM = 0,
  /** Pose cameras' wrists: whose hand was in the shelf. Null: bodies only. */
  wrists: WristModel | null = null,
  /** Every other plate of the store, for "that wrist was over another plate". */
  otherPlates: readonly WristPlate[] = [],
): AssociationResult {
  const s2 = 2 * tuning.assocSigmaM * tuning.assocSigmaM;
  const distTo = (x: number, y: number): number => {
    let d = Infinity;
    for (const p of plates) d = Math.min(d, Math.hypot(x - p.x, y - p.y));
    return d;
  };
  const scored: Scored[] = [];
  for (const t of tracks) {
    const hand = positionAt(t, startTs);
    if (hand === null || hand.dtMs > POSITION_STALE_MS + (endTs - startTs)) continue;
    const dHand = distTo(hand.x, hand.y);
    let dMin = dHand;
    let at = { x: hand.x, y: hand.y, ts: startTs };
    forHistory(t, startTs - tuning.assocPadMs, endTs, (ts, x, y) => {
      const d = distTo(x, y);
      if (d < dMin) {
        dMin = d;
        at = { x, y, ts };
      }
    });
    if (dMin > reachM) continue;
    // How plausible a picker this person is at all, whatever the distance: standing
    // still before the reach and walking off when a picker does.
    // A wrist seen over the plates (or seen only elsewhere) says more than any of that.
    const wrist = wrists === null ? NO_WRIST : wristEvidence(t, plates, startTs, endTs, wrists, otherPlates);
    const body = stillFactor(t, hand, startTs) * leaveFactor(t, hand, startTs);
    const plausible = body * wrist.factor;
    // A wrist over the plate of someone walking past is an arm swinging by the shelf.
    const odds = body >= REACH_STANDING_MIN ? reachOdds(wrist.reached) : 1;
    const w = Math.exp((-dHand * dHand) / s2) * plausible * trackFactor(t, hand) * odds;
    scored.push({ t, w, distM: dMin, plausible, odds, reached: wrist.reached, reachedMoved: wrist.reachedMoved, ...at });
  }
  const total = scored.reduce((s, c) => s + c.w, 0);
  const out: ShopperCandidate[] = scored
    .map((c) => ({ sessionId: c.t.sessionId, trackId: c.t.id, probability: total > 0 ? c.w / total : 0, distM: c.distM, x: c.x, y: c.y, ts: c.ts, plausible: c.plausible, reached: c.reached, reachedMoved: c.reachedMoved }))
    .sort((a, b) => b.probability - a.probability);
  const bySession = new Map<string, SessionCandidate>();
  for (const c of out) {
    // Unbound people stay separate: two strangers are not one shopper.
    const key = c.sessionId ?? `#${c.trackId}`; // as sessionKey()
    const e = bySession.get(key);
    if (e) {
      e.probability += c.probability;
      e.plausible = Math.max(e.plausible, c.plausible);
      if (c.reached !== null) e.reached = Math.max(e.reached ?? 0, c.reached);
      if (c.reachedMoved !== null) e.reachedMoved = Math.max(e.reachedMoved ?? 0, c.reachedMoved);
    } else bySession.set(key, { sessionId: c.sessionId, probability: c.probability, plausible: c.plausible, reached: c.reached, reachedMoved: c.reachedMoved });
  }
  capBySeparation(bySession, scored, startTs, tuning, positionNoiseM);
  mixByIdentity(bySession, out, scored);
  return { tracks: out, sessions: [...bySession.values()].sort((a, b) => b.probability - a.probability) };
}

/**
 * A track that may really be another session's person (Track.idMix: they passed
 * close and the cameras could not tell who went where) gives that share of its
 * probability to the other session: a confident pick by a doubtful track is no
 * longer a confident charge, and goes to review.
 */
function mixByIdentity(bySession: Map<string, SessionCandidate>, out: readonly ShopperCandidate[], scored: readonly Scored[]): void {
  for (const c of scored) {
    if (c.t.idMix === undefined || c.t.sessionId === null) continue;
    const q = out.find((o) => o.trackId === c.t.id)?.probability ?? 0;
    const own = bySession.get(c.t.sessionId);
    if (own === undefined || q === 0) continue;
    for (const [sessionId, p] of c.t.idMix) {
      const moved = Math.min(own.probability, q * p);
      own.probability -= moved;
      const other = bySession.get(sessionId);
      if (other) other.probability += moved;
      else bySession.set(sessionId, { sessionId, probability: moved, plausible: c.plausible, reached: c.reached, reachedMoved: c.reachedMoved, viaDoubt: true });
    }
  }
}

interface Scored {
  t: Track;
  w: number;
  distM: number;
  /** How plausible a picker this person is at all: 1 standing at the shelf, less walking past. */
  plausible: number;
  /** reachOdds of its wrist evidence. */
  odds: number;
  reached: number | null;
  reachedMoved: number | null;
  x: number;
  y: number;
  ts: number;
}

const sessionKey = (t: Track): string => t.sessionId ?? `#${t.id}`;

/**
 * The likelihood above happily turns small distance differences (and the leave and
 * stillness heuristics) into near-certainty. When several people are within reach,
 * position can only say who is nearer, and only as well as the distances are known:
 * camera noise plus where a picker stands relative to what it reaches, widened for a
 * track re-acquired just before the reach. So no session may be more probable than
 * the chance that no other plausible picker is truly nearer,
 * prod_j (1 - p_j Phi((d_i - d_j) / sqrt(s_i^2 + s_j^2))), where p_j is how much j behaved
 * like a picker relative to the most picker-like person there: 1 for someone standing at
 * the shelf and walking off when a picker does, small for someone walking past or staying
 * on while another walked off. The mass this removes is left unassigned ("cannot tell"),
 * which sends the event to review.
 */
function capBySeparation(bySession: Map<string, SessionCandidate>, scored: readonly Scored[], startTs: number, tuning: PerceptionTuning, positionNoiseM: number): void {
  if (bySession.size < 2) return;
  const base = Math.hypot(positionNoiseM, tuning.assocStandSpreadM);
  // Every person (track) with its own distance and plausibility: a companion's
  // plausibility must not lend itself to another member's nearer position.
  const people = scored.map((c) => {
    const young = c.t.firstTs > startTs - tuning.assocStableTrackMs;
    return { key: sessionKey(c.t), d: c.distM, s: young ? base * tuning.assocUnstableSpreadFactor : base, p: c.plausible * c.odds };
  });
  // Someone took it: plausibility only ranks the people here (when all stayed, all count fully).
  let pMax = 0;
  for (const o of people) pMax = Math.max(pMax, o.p);
  for (const [key, sc] of bySession) {
    // A session is as good as its most picker-like member (the nearest among equals).
    let me: (typeof people)[number] | undefined;
    for (const o of people) if (o.key === key && (!me || o.p > me.p || (o.p === me.p && o.d < me.d))) me = o;
    if (!me) continue;
    let cap = 1;
    // Another person beats this one only if it is a plausible picker and truly nearer.
    for (const o of people) if (o.key !== key) cap *= 1 - (o.p / pMax) * normalCdf((me.d - o.d) / Math.hypot(me.s, o.s));
    sc.probability = Math.min(sc.probability, cap);
  }
}

