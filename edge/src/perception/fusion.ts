/**
 * Fusion of one settled shelf event: who (association), what (product inference
 * with the shopper's cart and camera hints), and whether that is sure enough for
 * the cart or needs a human.
 */
import type { Clock, StoreLayout } from '@tebura/contract';
import type { CartDelta, PerceptionSink, ReviewCandidate } from './api.js';
import { associate, type AssociationResult, type WristModel, type WristPlate } from './association.js';
import type { Handoff } from './handoffs.js';
import { secondHandPossible, twoHands } from './two-hands.js';
import type { Bindings } from './binding.js';
import type { HintBuffer } from './hints.js';
import type { Hypothesis, InferenceInput, ProductInference, SkuCount } from './product-inference.js';
import type { ShelfEvent } from './shelf-events.js';
import { positionAt, type Track, type Tracker } from './tracker.js';
import type { PerceptionTuning } from './tuning.js';

export interface FusionStats {
  weightMsgs: number;
  unknownDevice: number;
  shelfEvents: number;
  cartDeltas: number;
  reviews: number;
  sinkErrors: number;
  frames: number;
  smallChanges: number;
  /** Hand-offs between sessions seen by pose cameras: moved, both had just picked (left alone), nobody had. */
  handoffs: number;
  handoffsAmbiguous: number;
  handoffsUnexplained: number;
  /** Full-window residuals of early decisions that the decision already explains (see Perception.reconcile) ... */
  residualsAbsorbed: number;
  /** ... and those re-measured as what is left once the early items are taken at their nominal weight. */
  residualsReconciled: number;
  /** ... and those joined with an early event that was still waiting, undecided, into one change. */
  residualsJoined: number;
  /** Early charges whose full window named the same items (see Perception.verifyEarly) ... */
  earlyConfirmed: number;
  /** ... and those taken back and decided again on the full window. */
  earlyCorrected: number;
}

export interface FusionContext {
  layout: StoreLayout;
  clock: Clock;
  sink: PerceptionSink;
  tuning: PerceptionTuning;
  tracker: Tracker;
  bindings: Bindings;
  inference: ProductInference;
  hints: HintBuffer;
  plates: Map<string, WristPlate>;
  /** Did this plate's weight move (or a hand press on it) at any moment in [from, to]? */
  plateActive: (plateId: string, from: number, to: number) => boolean;
  /** The overhead cameras' pose models (wristModel of the layout), or null without them. */
  wrists: WristModel | null;
  /** Tracks lost or gone out, kept a little for late-settling events. */
  retired: { track: Track; ts: number }[];
  /** What perception put in each session's cart: the prior for put-backs. */
  carts: Map<string, Map<string, number>>;
  /** Where and when each session last picked (one reach per stop). */
  lastPicks: Map<string, { ts: number; x: number; y: number }>;
  /** What each session last picked and when: what a hand-off passes on. */
  recentPicks: Map<string, { ts: number; sku: string }>;
  /** Per set of plates (ids joined by '+'): the last pick charged there and the plates' level before it (see returnOf). */
  plateTakes: Map<string, PlateTake>;
  /** Hand-offs waiting for the giver's pick to be decided (bounded by HANDOFFS_PENDING_MAX). */
  handoffs: Handoff[];
  /** Sessions charged per split event (base event id): a sibling part's shopper is someone else. */
  partClaims: Map<string, Set<string>>;
  /** Early events dropped as small changes, until their residual comes (see Perception.reconcile). */
  droppedEarly: Set<string>;
  /** Early events charged, until their full window confirms or corrects them (see Perception.verifyEarly). */
  earlyCharges: Map<string, EarlyCharge[]>;
  /** Events waiting for track evidence (see retryDeferred). */
  deferred: { e: ShelfEvent; decideBy: number }[];
  /** Latest device time seen on any input. */
  deviceNowTs: number;
  stats: FusionStats;
}

/** A pick remembered on its plates: what was charged, and the plates' summed level before the reach, grams. */
export interface PlateTake {
  items: SkuCount[];
  preLevelG: number;
}

/** What one charge of an early event put in a cart (one per session it went to). */
export interface EarlyCharge {
  e: ShelfEvent;
  sessionId: string;
  items: SkuCount[];
  /** The plate its units were noted as misplaced on (or taken from). */
  mainPlate: string;
  /** Another shopper's hand may have been at the plate: a residual with more units is that hand's, decided with it. */
  secondHand: boolean;
}

/** Early charges remembered for their full window; beyond it the oldest is confirmed unseen. */
export const EARLY_CHARGES_MAX = 256;

/** Early events remembered as dropped; beyond it the oldest is forgotten (its residual then counts alone). */
export const DROPPED_EARLY_MAX = 256;

/** Plate sets whose last pick is remembered; beyond it the oldest is dropped. */
export const PLATE_TAKES_MAX = 1024;

/** Events waiting for a shopper decision at once; beyond it they are decided at once. */
export const DEFERRED_MAX = 64;

/** A run of a split event must fit its best SKU at least this well (standard deviations). */
const SPLIT_FIT_Z_MAX = 3;
/** ... and be at least this probable on its own. */
const SPLIT_PROBABILITY_MIN = 0.5;
/** An unexplained change below this fraction of the lightest SKU planned nearby is noise. */
const SMALL_CHANGE_FRACTION = 0.5;
/** ... where "lightest" is at most this: an unexplained 50 g always goes to a human. */
const SMALL_CHANGE_CAP_G = 100;
/**
 * Another plate counts as active for an event's wrists if its weight moved from this
 * long before the event's start until this long after: the wrists are weighed from
 * 0.5 s before the start to 1.5 s after, and a hand is in the shelf a moment before
 * its plate moves.
 */
const OTHER_PLATE_BEFORE_MS = 1500;
const OTHER_PLATE_AFTER_MS = 2500;

export function fuseEvent(ctx: FusionContext, e: ShelfEvent): void {
  for (const part of splitByFacing(ctx, e)) {
    if (fuseOne(ctx, part, true)) continue;
    if (ctx.deferred.length >= DEFERRED_MAX) fuseOne(ctx, part, false);
    else ctx.deferred.push({ e: part, decideBy: part.startTs + ctx.tuning.deferMs });
  }
}

/**
 * Events whose shopper was ambiguous wait (bounded by `deferMs` of device time)
 * for the tracks to show who walked away after the reach; decided when clear or
 * at the deadline, then to review if still ambiguous.
 */
export function retryDeferred(ctx: FusionContext): void {
  if (ctx.deferred.length === 0) return;
  const now = ctx.deviceNowTs;
  ctx.deferred = ctx.deferred.filter((d) => !fuseOne(ctx, d.e, now < d.decideBy));
}

/**
 * Two hands on adjacent facings at once make one run of plates. When every
 * facing's share of the change is a good fit for a product on its own, they are
 * separate events (often separate shoppers); otherwise one item lies across them
 * (AiFi: a bag over plates 3-5 spanning two facings).
 */
export function splitByFacing(ctx: FusionContext, e: ShelfEvent): ShelfEvent[] {
  if (e.plateIds.length < 2) return [e];
  const runs = ctx.inference.facingRuns(e.plateIds);
  if (runs.length < 2) return [e];
  const parts = runs.map((idx) => {
    const plateIds = idx.map((i) => e.plateIds[i]!);
    const plateDeltasG = idx.map((i) => e.plateDeltasG[i]!);
    const deltaG = plateDeltasG.reduce((a, b) => a + b, 0);
    const noiseG = e.noiseG * Math.sqrt(idx.length / e.plateIds.length);
    return { ...e, eventId: `${e.eventId}/${plateIds[0]}`, plateIds, plateDeltasG, deltaG, noiseG, trace: e.trace.filter((t) => plateIds.includes(t.plateId)) };
  });
  for (const p of parts) {
    if (Math.abs(p.deltaG) < ctx.tuning.eventMinG) return [e];
    const best = ctx.inference.infer({ deltaG: p.deltaG, plateIds: p.plateIds, plateDeltasG: p.plateDeltasG, noiseG: p.noiseG })[0];
    if (!best || best.items.length === 0 || best.probability < SPLIT_PROBABILITY_MIN) return [e];
    if (ctx.inference.fitZ(best.items, p.deltaG, p.noiseG) > SPLIT_FIT_Z_MAX) return [e];
  }
  return parts;
}

/** Decides one event; returns false (and does nothing) when it should wait for more track evidence. */
function fuseOne(ctx: FusionContext, e: ShelfEvent, mayDefer: boolean): boolean {
  const { tuning } = ctx;
  const plateXY = e.plateIds.map((id) => ctx.plates.get(id)).filter((p): p is WristPlate => p !== undefined);
  // Another plate is a likely place for a hand only if its weight moved about then.
  const otherPlates = [...ctx.plates].filter(([id]) => !e.plateIds.includes(id)).map(([id, p]) => (ctx.plateActive(id, e.startTs - OTHER_PLATE_BEFORE_MS, e.startTs + OTHER_PLATE_AFTER_MS) ? p : { ...p, quiet: true }));
  const candidates = [...ctx.tracker.tracks(), ...ctx.retired.map((r) => r.track)];
  const assocAmong = (tracks: Track[]): AssociationResult =>
    associate(plateXY, e.startTs, e.endTs, tracks, ctx.layout.reachM, tuning, (t, hand) => oneReachFactor(ctx, t, hand, e), positionNoiseM(ctx.layout), ctx.wrists, otherPlates);
  let assoc = assocAmong(candidates);
  const claimed = ctx.partClaims.get(splitBase(e.eventId));
  if (claimed && assoc.sessions.length > 1 && (assoc.sessions[0]?.probability ?? 0) < tuning.confidenceMin) {
    // Unsure, and a sibling part's shopper is among the candidates: that one is explained.
    assoc = assocAmong(candidates.filter((t) => t.sessionId === null || !claimed.has(t.sessionId)));
  }
  const putBack = e.deltaG > 0;
  const hintFactor = ctx.hints.collect(e.plateIds, e.startTs - tuning.hintPadMs, e.endTs);
  const input: InferenceInput = { deltaG: e.deltaG, plateIds: e.plateIds, plateDeltasG: e.plateDeltasG, noiseG: e.noiseG, hintFactor, returnOf: returnOf(ctx, e) };
  if (putBack) weighCartsForPutBack(ctx, input, assoc);
  const top = assoc.sessions[0];
  const cart = top?.sessionId ? ctx.carts.get(top.sessionId) : undefined;
  const hyps = ctx.inference.infer({ ...input, cart });
  const best = hyps[0];
  if ((!best || best.items.length === 0 || best.probability < SPLIT_PROBABILITY_MIN) && Math.abs(e.deltaG) < Math.min(ctx.inference.lightestNear(e.plateIds), SMALL_CHANGE_CAP_G) * SMALL_CHANGE_FRACTION) {
    // Far lighter than anything kept here and matching nothing: a shelf settling, not an item.
    ctx.stats.smallChanges++;
    // An early level that is nothing may be the crest of a hand pressing before it takes: its
    // full window's residual is then measured from it, and is the change with it (Perception.reconcile).
    if (e.early === true) {
      if (ctx.droppedEarly.size >= DROPPED_EARLY_MAX) ctx.droppedEarly.delete(ctx.droppedEarly.values().next().value!);
      ctx.droppedEarly.add(e.eventId);
    }
    return true;
  }

  const hands = twoHands(assoc, best, putBack, mayDefer);
  if (hands.kind === 'wait') return false;
  if (hands.kind === 'split' && hands.confidence >= tuning.confidenceMin) {
    hands.sessionIds.forEach((sid, i) => charge(ctx, e, sid, [{ sku: hands.sku, count: 1 }], hands.confidence, assoc, `@${i}`));
    return true;
  }
  let reason: string | null = null;
  if (hands.kind !== 'one') reason = 'TWO_HANDS';
  else if (!best || best.items.length === 0) reason = 'UNKNOWN_WEIGHT';
  else if (!top) reason = 'NO_SHOPPER';
  else if (top.sessionId === null) reason = 'UNKNOWN_SHOPPER';
  else if (best.probability * top.probability < tuning.confidenceMin) {
    reason = best.probability < top.probability ? 'AMBIGUOUS_SKU' : 'AMBIGUOUS_SHOPPER';
  } else if (putBack && best.items.some((it) => (cart?.get(it.sku) ?? 0) < it.count)) {
    reason = 'PUTBACK_NOT_IN_CART';
  }
  if (reason === 'AMBIGUOUS_SHOPPER' && mayDefer) return false;
  // An early decision that would go to review gains no time. One with a second shopper's
  // hand at the plate may have seen only the first unit: it is charged now, remembered as
  // such, and when its full window or residual shows that hand's unit it is taken back
  // and decided again with it (Perception.reconcile, verifyEarly). Waiting for the full
  // window instead took 300-450 ms where no second unit came (08 default seed: an egg
  // sandwich, another shopper standing by, 450 ms). A part of a split event cannot be taken back: it waits.
  const secondHand = e.early === true && secondHandPossible(assoc);
  if (e.early === true && mayDefer && (reason !== null || (secondHand && e.eventId !== shelfEventOf(e.eventId)))) return false;
  if (reason !== null || !best || !top || top.sessionId === null) {
    review(ctx, e, reason ?? 'NO_SHOPPER', hyps, assoc);
    return true;
  }
  charge(ctx, e, top.sessionId, best.items, best.probability * top.probability, assoc, '', secondHand);
  return true;
}

/** Puts one decided event into a session's cart (and the cart prior), one delta per SKU. */
function charge(ctx: FusionContext, e: ShelfEvent, sessionId: string, items: Hypothesis['items'], confidence: number, assoc: AssociationResult, idSuffix: string, secondHand = false): void {
  const putBack = e.deltaG > 0;
  claimPart(ctx, e.eventId, sessionId);
  if (putBack) ctx.plateTakes.delete(e.plateIds.join('+'));
  // A residual's levels start at its early event's (which is remembered); a split part is one of two hands.
  else if (e.residualOf === undefined && idSuffix === '') rememberTake(ctx, e, items);
  if (!putBack) notePick(ctx, sessionId, e, assoc);
  if (!putBack && items.length === 1) noteRecentPick(ctx, sessionId, e.startTs, items[0]!.sku);
  // The plate carrying most of the change is where a misplaced unit now lies (or was taken from).
  const mainPlate = e.plateIds[e.plateDeltasG.reduce((bi, d, i, a) => (Math.abs(d) > Math.abs(a[bi]!) ? i : bi), 0)]!;
  if (e.early === true) noteEarlyCharge(ctx, { e, sessionId, items: items.map((it) => ({ ...it })), mainPlate, secondHand });
  items.forEach((it, i) => {
    const quantityDelta = putBack ? -it.count : it.count;
    ctx.inference.noteMisplaced(mainPlate, it.sku, -quantityDelta);
    toCart(ctx, { eventId: (items.length === 1 ? e.eventId : `${e.eventId}#${i}`) + idSuffix, sessionId, sku: it.sku, quantityDelta, confidence, settledAt: e.endTs });
  });
}

/** One delta into perception's copy of the session's cart (never below zero) and to the sink. */
function toCart(ctx: FusionContext, d: Omit<CartDelta, 'emittedAt'>): void {
  const cart = ctx.carts.get(d.sessionId) ?? new Map<string, number>();
  ctx.carts.set(d.sessionId, cart);
  cart.set(d.sku, Math.max(0, (cart.get(d.sku) ?? 0) + d.quantityDelta));
  const delta: CartDelta = { ...d, emittedAt: ctx.clock.now() };
  ctx.stats.cartDeltas++;
  safeSink(ctx, () => ctx.sink.cartDelta(delta));
}

function noteEarlyCharge(ctx: FusionContext, c: EarlyCharge): void {
  const id = shelfEventOf(c.e.eventId);
  const list = ctx.earlyCharges.get(id);
  if (list !== undefined) {
    list.push(c);
    return;
  }
  if (ctx.earlyCharges.size >= EARLY_CHARGES_MAX) ctx.earlyCharges.delete(ctx.earlyCharges.keys().next().value!);
  ctx.earlyCharges.set(id, [c]);
}

/** The shelf event a (possibly split) part came from: parts add '/<plate>' to its id. */
export function shelfEventOf(eventId: string): string {
  const i = eventId.indexOf('/');
  return i < 0 ? eventId : eventId.slice(0, i);
}

/**
 * Takes an early charge back out of its cart (its full window named other items):
 * the opposite deltas, ids `<event>#undo[<n>]`, and what the charge noted undone.
 */
export function undoEarlyCharge(ctx: FusionContext, c: EarlyCharge): void {
  const putBack = c.e.deltaG > 0;
  if (!putBack) ctx.plateTakes.delete(c.e.plateIds.join('+'));
  if (ctx.recentPicks.get(c.sessionId)?.ts === c.e.startTs) ctx.recentPicks.delete(c.sessionId);
  const ids = undoEventIds(c);
  c.items.forEach((it, i) => {
    const quantityDelta = putBack ? it.count : -it.count;
    ctx.inference.noteMisplaced(c.mainPlate, it.sku, -quantityDelta);
    toCart(ctx, { eventId: ids[i]!, sessionId: c.sessionId, sku: it.sku, quantityDelta, confidence: 1, settledAt: c.e.endTs });
  });
}

/** The cart deltas' ids of an early charge's undo (undoEarlyCharge), one per SKU. */
export function undoEventIds(c: EarlyCharge): string[] {
  return c.items.map((_, i) => `${c.e.eventId}#undo${c.items.length === 1 ? '' : i}`);
}

/** The plates' summed level at the start of the event (their baselines) or at its end, grams; NaN if a plate has no trace. */
function levelOf(e: ShelfEvent, at: 'start' | 'end'): number {
  let g = 0;
  for (const id of e.plateIds) {
    const pts = e.trace.filter((t) => t.plateId === id);
    const pt = at === 'start' ? pts[0] : pts[pts.length - 1];
    if (pt === undefined) return NaN;
    g += pt.grams;
  }
  return g;
}

function rememberTake(ctx: FusionContext, e: ShelfEvent, items: readonly SkuCount[]): void {
  const preLevelG = levelOf(e, 'start');
  if (Number.isNaN(preLevelG)) return;
  const key = e.plateIds.join('+');
  ctx.plateTakes.delete(key);
  if (ctx.plateTakes.size >= PLATE_TAKES_MAX) ctx.plateTakes.delete(ctx.plateTakes.keys().next().value!);
  ctx.plateTakes.set(key, { items: items.map((it) => ({ ...it })), preLevelG });
}

/**
 * A put-back that brings its plates back to their level before the last pick there
 * returns what that pick took: the same units weigh what they weighed, whatever
 * the catalogue says and whatever level the plates passed through in between (11
 * seed 303: a beer read 25 g light because a hand rested on the plate while its
 * level was confirmed; put back, it read 345.1 g, 8 sigmas from a beer, and went
 * to review). The distance from that level is the evidence (product-inference.ts).
 */
export function returnOf(ctx: FusionContext, e: ShelfEvent): InferenceInput['returnOf'] {
  if (e.deltaG <= 0) return undefined;
  const take = ctx.plateTakes.get(e.plateIds.join('+'));
  if (take === undefined) return undefined;
  const residualG = levelOf(e, 'end') - take.preLevelG;
  return Number.isNaN(residualG) ? undefined : { items: take.items, residualG };
}

/** Split events remembered for their parts' claims; beyond it the oldest is dropped. */
export const PART_CLAIMS_MAX = 256;

/** Parts of one split event (see splitByFacing) share the id before the last '/'. */
function splitBase(eventId: string): string {
  const i = eventId.lastIndexOf('/');
  return i < 0 ? '' : eventId.slice(0, i);
}

/**
 * Two hands at once on two facings are two people: once one part is charged to a
 * shopper, the other parts are decided among the others (that shopper's position
 * says nothing about who took the neighbouring item).
 */
function claimPart(ctx: FusionContext, eventId: string, sessionId: string): void {
  const base = splitBase(eventId);
  if (base === '') return;
  let set = ctx.partClaims.get(base);
  if (!set) {
    if (ctx.partClaims.size >= PART_CLAIMS_MAX) {
      const oldest = ctx.partClaims.keys().next().value;
      if (oldest !== undefined) ctx.partClaims.delete(oldest);
    }
    set = new Set();
    ctx.partClaims.set(base, set);
  }
  set.add(sessionId);
}

/** The overhead cameras' pose models (their worst wrist noise and miss rate), or null when none reports wrists. */
export function wristModel(layout: StoreLayout): WristModel | null {
  const pose = layout.cameras.filter((c) => c.kind === 'overhead' && c.handNoiseM !== undefined);
  if (pose.length === 0) return null;
  return { sigmaM: Math.max(...pose.map((c) => c.handNoiseM ?? 0)), missRate: Math.max(...pose.map((c) => c.handMissRate ?? 0)) };
}

/** The overhead cameras' worst position noise: what a track's position is known to. */
function positionNoiseM(layout: StoreLayout): number {
  let m = 0;
  for (const c of layout.cameras) if (c.kind === 'overhead') m = Math.max(m, c.positionNoiseM);
  return m;
}

/** A second pick from the very spot of one's last pick is this much less likely (one reach per stop). */
const SECOND_REACH_FACTOR = 0.6;
/** "The same spot": the shopper has not moved more than this since that pick. */
const SAME_SPOT_M = 0.3;
/** ... and it was this recent. */
const SAME_STOP_MS = 15_000;
/** Last pick per session remembered; beyond it the oldest is dropped. */
export const LAST_PICKS_MAX = 4096;

function oneReachFactor(ctx: FusionContext, t: Track, hand: { x: number; y: number }, e: ShelfEvent): number {
  if (e.deltaG > 0 || t.sessionId === null) return 1;
  const last = ctx.lastPicks.get(t.sessionId);
  if (!last || e.startTs - last.ts > SAME_STOP_MS || e.startTs <= last.ts) return 1;
  return Math.hypot(hand.x - last.x, hand.y - last.y) <= SAME_SPOT_M ? SECOND_REACH_FACTOR : 1;
}

function notePick(ctx: FusionContext, sessionId: string, e: ShelfEvent, assoc: AssociationResult): void {
  const c = assoc.tracks.find((t) => t.sessionId === sessionId);
  if (!c) return;
  const t = [...ctx.tracker.tracks(), ...ctx.retired.map((r) => r.track)].find((x) => x.id === c.trackId);
  const at = t ? positionAt(t, e.startTs) : null;
  if (!at) return;
  if (!ctx.lastPicks.has(sessionId) && ctx.lastPicks.size >= LAST_PICKS_MAX) {
    const oldest = ctx.lastPicks.keys().next().value;
    if (oldest !== undefined) ctx.lastPicks.delete(oldest);
  }
  ctx.lastPicks.set(sessionId, { ts: e.startTs, x: at.x, y: at.y });
}

/** Sessions considered jointly with their carts for a put-back. */
const PUTBACK_SESSIONS_MAX = 3;

/**
 * Who put it back depends on who holds what: each nearby session's position
 * likelihood is multiplied by how well its cart explains the weight, and the
 * session posterior in `assoc` is replaced by the joint one.
 */
function weighCartsForPutBack(ctx: FusionContext, input: InferenceInput, assoc: AssociationResult): void {
  const top = assoc.sessions.slice(0, PUTBACK_SESSIONS_MAX);
  if (top.length < 2) return;
  const joint = top.map((s) => {
    const cart = s.sessionId ? ctx.carts.get(s.sessionId) : undefined;
    const { evidence } = ctx.inference.inferWithEvidence({ ...input, cart: cart ?? new Map() });
    return { s, w: s.probability * evidence };
  });
  const total = joint.reduce((a, j) => a + j.w, 0);
  if (!(total > 0)) return;
  const rest = assoc.sessions.slice(PUTBACK_SESSIONS_MAX);
  const restMass = rest.reduce((a, s) => a + s.probability, 0);
  for (const j of joint) j.s.probability = (j.w / total) * (1 - restMass);
  assoc.sessions = [...top.sort((a, b) => b.probability - a.probability), ...rest];
}

function review(ctx: FusionContext, e: ShelfEvent, reason: string, hyps: Hypothesis[], assoc: AssociationResult): void {
  const skuCandidates: ReviewCandidate['skuCandidates'] = [];
  for (const h of hyps) {
    for (const it of h.items) skuCandidates.push({ sku: it.sku, quantity: e.deltaG > 0 ? -it.count : it.count, probability: h.probability });
  }
  const item: ReviewCandidate = {
    eventId: e.eventId,
    reason,
    plateIds: e.plateIds,
    deltaG: e.deltaG,
    window: { startTs: e.startTs, endTs: e.endTs },
    skuCandidates,
    shopperCandidates: assoc.sessions.filter((s) => s.sessionId !== null).map((s) => ({ sessionId: s.sessionId!, probability: s.probability })),
    evidence: {
      weightTrace: e.trace,
      tracks: assoc.tracks.map((t) => ({ sessionId: t.sessionId, trackId: t.trackId, x: t.x, y: t.y, ts: t.ts })),
    },
  };
  ctx.stats.reviews++;
  safeSink(ctx, () => ctx.sink.review(item));
}

/** The sink is the node's code: its failure must not stop perception for the other events. */
function safeSink(ctx: FusionContext, call: () => void): void {
  try {
    call();
  } catch {
    ctx.stats.sinkErrors++;
  }
}

/** A hand-off passes on what the giver picked at most this long before it, ms. */
export const HANDOFF_PICK_WINDOW_MS = 20_000;
/** A hand-off waits at most this long (device time) for the giver's pick to be decided, ms. */
export const HANDOFF_WAIT_MS = 10_000;
/** Hand-offs waiting at once; beyond it the oldest is dropped (counted unexplained). */
export const HANDOFFS_PENDING_MAX = 32;
/** Confidence of a hand-off's two cart changes: wrists met, exactly one of the two had just picked. */
const HANDOFF_CONFIDENCE = 0.9;

function noteRecentPick(ctx: FusionContext, sessionId: string, ts: number, sku: string): void {
  if (!ctx.recentPicks.has(sessionId) && ctx.recentPicks.size >= LAST_PICKS_MAX) {
    const oldest = ctx.recentPicks.keys().next().value;
    if (oldest !== undefined) ctx.recentPicks.delete(oldest);
  }
  ctx.recentPicks.set(sessionId, { ts, sku });
  if (ctx.handoffs.length > 0) resolveHandoffs(ctx);
}

/** A hand-off seen by the pose cameras: moves the giver's last pick once it is known. */
export function fuseHandoff(ctx: FusionContext, h: Handoff): void {
  if (ctx.handoffs.length >= HANDOFFS_PENDING_MAX) {
    ctx.handoffs.shift();
    ctx.stats.handoffsUnexplained++;
  }
  ctx.handoffs.push(h);
  resolveHandoffs(ctx);
}

/**
 * Each pending hand-off whose giver is known: exactly one of the two sessions
 * picked something (still in its cart) within HANDOFF_PICK_WINDOW_MS before it.
 * That unit leaves the giver's cart and enters the receiver's. Both having just
 * picked is left as it is (counted): who passed what would be a guess. Neither
 * after HANDOFF_WAIT_MS: something bought earlier, or no hand-off at all.
 */
export function resolveHandoffs(ctx: FusionContext): void {
  const recent = (sessionId: string, h: Handoff): { ts: number; sku: string } | null => {
    const p = ctx.recentPicks.get(sessionId);
    return p && p.ts <= h.ts && h.ts - p.ts <= HANDOFF_PICK_WINDOW_MS && (ctx.carts.get(sessionId)?.get(p.sku) ?? 0) > 0 ? p : null;
  };
  ctx.handoffs = ctx.handoffs.filter((h) => {
    const pa = recent(h.a, h);
    const pb = recent(h.b, h);
    if (pa && pb) {
      ctx.stats.handoffsAmbiguous++;
      return false;
    }
    if (pa || pb) {
      const [giver, receiver, pick] = pa ? [h.a, h.b, pa] : [h.b, h.a, pb!];
      passOn(ctx, h, giver, receiver, pick.sku);
      return false;
    }
    if (ctx.deviceNowTs - h.ts > HANDOFF_WAIT_MS) {
      ctx.stats.handoffsUnexplained++;
      return false;
    }
    return true;
  });
}

function passOn(ctx: FusionContext, h: Handoff, giver: string, receiver: string, sku: string): void {
  ctx.recentPicks.delete(giver);
  ctx.stats.handoffs++;
  for (const [sessionId, quantityDelta, suffix] of [[giver, -1, 'out'], [receiver, 1, 'in']] as const) {
    toCart(ctx, { eventId: `handoff:${h.ts}:${giver}:${suffix}`, sessionId, sku, quantityDelta, confidence: HANDOFF_CONFIDENCE, settledAt: h.ts });
  }
}
