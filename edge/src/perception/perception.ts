/**
 * Perception and fusion for one store: shelf events + tracks + hints -> cart deltas
 * or review items. Synchronous and allocation-light on the weight path; the only
 * timers are the bounded waits of settle().
 */
import type { CameraDetections, Clock, Gondola, LoadCellWeight, ProductHints, StoreLayout } from '@tebura/contract';
import type { Perception, PerceptionSink, PerceptionSnapshot } from './api.js';
import type { WristPlate } from './association.js';
import { Bindings } from './binding.js';
import { fuseEvent, fuseHandoff, resolveHandoffs, retryDeferred, returnOf, shelfEventOf, splitByFacing, undoEarlyCharge, undoEventIds, wristModel, type EarlyCharge, type FusionContext } from './fusion.js';
import { HandoffWatch, type OverShelf } from './handoffs.js';
import { HintBuffer, type HintFactor } from './hints.js';
import { ProductInference, type Hypothesis, type InferenceInput, type SkuCount } from './product-inference.js';
import { ShelfEventDetector, type SettledEarly, type ShelfEvent } from './shelf-events.js';
import { SETTLE_BAND_SIGMAS, SettleClock } from './settle-clock.js';
import { restorePlateLevels, restoreShelfTimes, takePlateLevels, takeShelfTimes } from './plate-levels.js';
import { restoreSnapshot, takeSnapshot } from './snapshot.js';
import { Tracker, type Track } from './tracker.js';
import { DEFAULT_TUNING, type PerceptionTuning } from './tuning.js';

/** Deferred shopper decisions are re-examined at most this often (device time). */
const RETRY_PERIOD_MS = 200;

/** An early event must fit its best (sku, count) within this many standard deviations. */
const EARLY_FIT_Z_MAX = 2;
/**
 * ... and the early level is within this fraction of what they weigh: with a wide
 * early swing (two hands on one plate) -9.5 g passed for a 32 g gum within two of
 * its sigmas (04 seed 101), and the rest (-54.3 g) was charged as a chocolate bar.
 */
const EARLY_MISFIT_FRACTION = 0.25;
/**
 * An early level is tight when its noise (half its recent swing, at least the stability
 * bound) is at most this fraction of what its items weigh: a swing within 2/5 of them.
 * 1/8 held a 55 g chocolate bar at -63.0 g +-9.6 g (0.976) to 0.99, 133 ms after it
 * settled (10 default seed); at 1/5, seeds 1-16 and the four-seed table keep every
 * receipt. Levels at +-50 g on 110 g onigiri (0.45) were the first of two hands' units
 * (02 seed 13) and stay out.
 */
const EARLY_TIGHT_FRACTION = 0.2;
/** Early decisions remembered for their residual (oldest dropped first): a few seconds of a busy store. */
const EARLY_DECIDED_MAX = 256;

interface EarlyDecision {
  plateIds: string[];
  plateDeltasG: number[];
  deltaG: number;
  startTs: number;
  trace: ShelfEvent['trace'];
  items: SkuCount[];
  hintFactor: HintFactor | undefined;
  /** Two hands at adjacent facings (splitByFacing): each part's plates, change and items. */
  parts: { plateIds: string[]; plateDeltasG: number[]; deltaG: number; items: SkuCount[] }[];
}

/** An early event re-measured at the levels its full windows confirmed. */
function confirmedAtFullWindow(e: ShelfEvent, s: SettledEarly): ShelfEvent {
  const corr = (plateId: string): number => s.correctionsG.get(plateId) ?? 0;
  const plateDeltasG = e.plateDeltasG.map((g, k) => g + corr(e.plateIds[k]!));
  // Each plate's last trace point is where it came to rest.
  const last = new Map(e.plateIds.map((id) => [id, e.trace.findLastIndex((t) => t.plateId === id)]));
  const trace = e.trace.map((t, k) => (last.get(t.plateId) === k ? { ...t, grams: t.grams + corr(t.plateId) } : t));
  // The noise was measured over all the event's plates; a part (splitByFacing) has some of them.
  const noiseG = s.noiseG * Math.sqrt(e.plateIds.length / Math.max(e.plateIds.length, s.correctionsG.size));
  return { ...e, early: false, plateDeltasG, deltaG: plateDeltasG.reduce((a, b) => a + b, 0), noiseG, trace };
}

/** A residual and its early event as one change: `together` holds the early event's plates with both changes summed. */
function joined(e: ShelfEvent, together: Pick<EarlyDecision, 'plateIds' | 'plateDeltasG' | 'deltaG' | 'startTs' | 'trace'>): ShelfEvent {
  const { early: _early, residualOf: _of, ...rest } = e;
  return { ...rest, plateIds: together.plateIds, plateDeltasG: together.plateDeltasG, deltaG: together.deltaG, startTs: Math.min(together.startTs, e.startTs), trace: [...together.trace, ...e.trace] };
}

/**
 * The early charge of `eventId` when it is one shopper's whole pick, the only kind
 * verified: split parts and split units stand, and put-backs decide early only beyond
 * doubt under every cart (clearPutBack).
 */
function wholePick(charges: readonly EarlyCharge[] | undefined, eventId: string): EarlyCharge | null {
  const c = charges?.[0];
  return c !== undefined && charges!.length === 1 && c.e.eventId === eventId && c.e.deltaG < 0 ? c : null;
}

/** Every unit of `part` is among `whole`'s. */
function containsItems(whole: readonly SkuCount[], part: readonly SkuCount[]): boolean {
  return part.every((p) => (whole.find((w) => w.sku === p.sku)?.count ?? 0) >= p.count);
}

function sameItems(a: readonly SkuCount[], b: readonly SkuCount[]): boolean {
  const key = (x: readonly SkuCount[]): string => x.map((i) => `${i.sku}x${i.count}`).sort().join();
  return key(a) === key(b);
}

/** settle() callers waiting at once; beyond it a new waiter resolves at once. */
export const SETTLE_WAITERS_MAX = 1024;

interface Waiter {
  sessionId: string;
  resolve: () => void;
  timer: ReturnType<typeof setTimeout>;
}

export class StorePerception implements Perception {
  readonly ctx: FusionContext;
  private readonly detectors = new Map<string, ShelfEventDetector>();
  private readonly events: ShelfEvent[] = [];
  /** Early decisions by event id, until their full window confirms them or leaves a residual. */
  private readonly earlyDecided = new Map<string, EarlyDecision>();
  private waiters: Waiter[] = [];
  private sinceRetryMs = 0;
  private readonly handoffWatch = new HandoffWatch();
  /** Inside a gondola's footprint: a wrist there is reaching into a shelf. */
  private readonly overShelf: OverShelf;
  /** Measurement only: stamps each cart delta with when its weight settled. */
  private readonly settleClock = new SettleClock();

  constructor(layout: StoreLayout, clock: Clock, nodeSink: PerceptionSink, tuning: PerceptionTuning) {
    this.overShelf = (x, y) => layout.gondolas.some((g) => x >= g.x && x <= g.x + g.widthM && y >= g.y && y <= g.y + g.depthM);
    const sink: PerceptionSink = {
      cartDelta: (d) => {
        const settleArrivalMs = this.settleClock.arrivalOf(d.eventId);
        if (settleArrivalMs === undefined) nodeSink.cartDelta(d);
        else nodeSink.cartDelta({ ...d, settleArrivalMs, ...(this.settleClock.isPending(d.eventId) ? { settlePending: true as const } : {}) });
      },
      review: (r) => nodeSink.review(r),
      settleKnown: (eventId, at) => nodeSink.settleKnown?.(eventId, at),
    };
    const tracker = new Tracker(tuning, layout.cameras, layout.gondolas);
    const plates = new Map<string, WristPlate>();
    const detectorOf = new Map<string, ShelfEventDetector>();
    for (const g of layout.gondolas) {
      for (const sh of g.shelves) {
        const det = new ShelfEventDetector(sh, tuning, (e) => this.unambiguous(e));
        this.detectors.set(sh.loadCell.deviceId, det);
        for (const p of sh.plates) {
          plates.set(p.id, { x: p.x, y: p.y, widthM: p.widthM, ...faceNormal(g, p), ...(sh.heightM !== undefined ? { heightM: sh.heightM } : {}) });
          detectorOf.set(p.id, det);
        }
      }
    }
    this.ctx = {
      layout,
      clock,
      sink,
      tuning,
      tracker,
      bindings: new Bindings(layout.gates, tracker, tuning),
      inference: new ProductInference(layout, tuning),
      hints: new HintBuffer(tuning.hintsMax, layout.cameras),
      plates,
      plateActive: (id, from, to) => detectorOf.get(id)?.plateActiveDuring(id, from, to) ?? false,
      wrists: wristModel(layout),
      retired: [],
      carts: new Map(),
      deferred: [],
      partClaims: new Map(),
      lastPicks: new Map(),
      recentPicks: new Map(),
      plateTakes: new Map(),
      droppedEarly: new Set(),
      earlyCharges: new Map(),
      handoffs: [],
      deviceNowTs: 0,
      stats: { weightMsgs: 0, unknownDevice: 0, shelfEvents: 0, cartDeltas: 0, reviews: 0, sinkErrors: 0, frames: 0, smallChanges: 0, handoffs: 0, handoffsAmbiguous: 0, handoffsUnexplained: 0, residualsAbsorbed: 0, residualsReconciled: 0, residualsJoined: 0, earlyConfirmed: 0, earlyCorrected: 0 },
    };
  }

  onWeight(msg: LoadCellWeight): void {
    const det = this.detectors.get(msg.deviceId);
    this.ctx.stats.weightMsgs++;
    if (!det) {
      this.ctx.stats.unknownDevice++;
      return;
    }
    const events = this.events;
    events.length = 0;
    // Handlers run as the MQTT message arrives (a reorder hold aside): now is its arrival.
    this.settleClock.note(msg, this.ctx.clock.now());
    det.ingest(msg, events);
    const nowTs = msg.ts + (msg.readings[0]?.grams.length ?? 1) * msg.sampleIntervalMs;
    this.advance(nowTs);
    // Most packets end no event and confirm no early one.
    if (events.length > 0 || det.hasSettledEarly()) this.settleEvents(det, events, nowTs);
    if (this.waiters.length > 0) this.checkWaiters();
  }

  /** The shelf events a packet ended, and the early events whose full window it brought, to fusion. */
  private settleEvents(det: ShelfEventDetector, events: readonly ShelfEvent[], nowTs: number): void {
    const bandG = (plateId: string): number => {
      const i = det.shelf.plates.findIndex((p) => p.id === plateId);
      return SETTLE_BAND_SIGMAS * det.plates.th.noiseG * (i < 0 ? 1 : det.plates.noiseScale(i));
    };
    for (const e of events) {
      this.ctx.stats.shelfEvents++;
      this.settleClock.mark(e, bandG);
      const part = this.reconcile(e);
      if (part !== null) fuseEvent(this.ctx, part);
    }
    for (const settled of det.takeSettledEarly()) {
      // Where the plate came to rest is known now: the early deltas' latency counts from it.
      const at = this.settleClock.settle(settled.eventId, settled.residual ? undefined : settled.correctionsG, bandG, nowTs);
      if (at !== undefined) this.ctx.sink.settleKnown?.(settled.eventId, at);
      // Its full window came without a residual: no longer waiting for one (fusion.ts), and
      // measured at the level that window confirmed (03 seed 13: a water put back read +568.8 g
      // early, 32 g heavy; decided on it, it went to review between water and green tea).
      // So are parts of it that wait (11 seed 303: three gums beside a chocolate bar, -99.1 g
      // early, went to review at their deadline as gums or two chocolate bars; -97 g in full).
      // What they waited for has come: decided now if clear, not at the next retry, and split
      // by facing again on the full window's levels (04 seed 1: a coffee can beside four
      // chocolate bars read -460.2 g early, 2 coffee cans unsplit, and went to review as two hands).
      const waiting = this.ctx.deferred.filter((d) => d.e.early === true && shelfEventOf(d.e.eventId) === settled.eventId);
      if (waiting.length > 0) this.ctx.deferred = this.ctx.deferred.filter((d) => !waiting.includes(d));
      for (const d of waiting) {
        const full = confirmedAtFullWindow(d.e, settled);
        // It settles where it came to rest, which the early level only approached.
        this.settleClock.mark(full, bandG, nowTs);
        fuseEvent(this.ctx, full);
      }
      this.verifyEarly(settled, (e) => this.settleClock.mark(e, bandG, nowTs) ?? this.settleClock.alias(e.eventId, settled.eventId));
    }
  }

  /**
   * A residual measured against an early decision, reconciled with it: the full
   * window moved further than the early window allowed for (a press that had not
   * quite let go, a slow settle, a second hand), so early and residual together are
   * the truth, and the early event was charged at its items' nominal weight.
   * - Together still the (sku, count) decided early: the same reach letting go
   *   slowly, not another item; dropped (null) and counted (10 seed 303: a cup
   *   noodle of 95 g read -79 g early, then -21.8 g more, was charged a toothbrush).
   * - Together the early items and more: the residual is what is left once the early
   *   items are taken at their nominal weight (02 seed 101: two coffee cans, one
   *   decided early at -171.6 g, then -259.5 g more, which fits nothing).
   * - Together far less than the early items: they were a swing; the same re-measure
   *   makes the residual their return.
   * Otherwise the residual goes on as measured.
   */
  private reconcile(e: ShelfEvent): ShelfEvent | null {
    if (e.residualOf === undefined) return e;
    const whole = this.earlyDecided.get(e.residualOf);
    // Within one of two hands' parts, it is the rest of that part's change (04 seed 101: an
    // egg sandwich read -116.2 g early beside a cup noodle; its -24.9 g rest, measured against
    // both, fit neither and was charged as a toothbrush).
    const part = whole !== undefined && whole.parts.length > 1 ? whole.parts.find((q) => e.plateIds.every((id) => q.plateIds.includes(id))) : undefined;
    const early = whole === undefined || part === undefined ? whole : { ...whole, ...part, trace: whole.trace.filter((t) => part.plateIds.includes(t.plateId)) };
    if (early === undefined || !e.plateIds.every((id) => early.plateIds.includes(id))) return e;
    this.earlyDecided.delete(e.residualOf);
    // Over the early event's plates: the full window may have confirmed some of them and
    // moved on others (09 seed 2: a baguette across two plates read -213.7 g early, and its
    // -33.5 g residual on one of them was charged as a gum).
    const plateIds = early.plateIds;
    const plateDeltasG = plateIds.map((id, k) => early.plateDeltasG[k]! + (e.plateDeltasG[e.plateIds.indexOf(id)] ?? 0));
    const deltaG = e.deltaG + early.deltaG;
    const together = { ...early, plateDeltasG, deltaG };
    // The early event, or the part of it these plates are in (02 seed 1: a chocolate bar read
    // -45.9 g beside a coffee can and waited; its -11.1 g rest went alone, and the -45.9 g to review).
    const waiting = this.ctx.deferred.findIndex((d) => shelfEventOf(d.e.eventId) === e.residualOf && e.plateIds.every((id) => d.e.plateIds.includes(id)));
    // Not decided yet (it would have gone to review), or dropped as nothing (11 seed 202: the
    // +22.6 g crest of a hand pressing before it took a 112 g onigiri, so its residual read
    // -135.5 g): early and residual are one change, decided together.
    if (waiting >= 0 || this.ctx.droppedEarly.delete(e.residualOf)) {
      if (waiting >= 0) this.ctx.deferred.splice(waiting, 1);
      this.ctx.stats.residualsJoined++;
      return joined(e, together);
    }
    const best = this.ctx.inference.infer({ deltaG, plateIds, plateDeltasG, noiseG: e.noiseG, ...(early.hintFactor ? { hintFactor: early.hintFactor } : {}) })[0];
    if (best === undefined) return e;
    if (sameItems(best.items, early.items)) {
      this.ctx.stats.residualsAbsorbed++;
      return null;
    }
    // Together far less than the early items (the plate came back): the early level was a
    // swing, not an item; what is left once the early items are taken at their nominal weight
    // is their return, a put-back to whoever was charged (11 seed 101: -601.4 g at +-81 g
    // decided a 530 g water early, then +601.5 g, which fit nothing and went to review).
    const reversed = Math.abs(deltaG) < EARLY_MISFIT_FRACTION * this.ctx.inference.weightOf(early.items);
    if (!reversed && !containsItems(best.items, early.items)) return this.overturned(e, part === undefined, best, together) ?? e;
    // Charged early with a second shopper's hand at the plate, and more units came: they may
    // be that hand's, so the charge is taken back and both decided together, as two hands
    // (02 seed 101: one coffee can charged at -172.1 g, then -255.3 g more; one can each).
    if (!reversed && this.ctx.earlyCharges.get(e.residualOf)?.[0]?.secondHand === true) {
      const again = this.overturned(e, part === undefined, best, together);
      if (again !== null) return again;
    }
    // The early event's share of each plate, scaled to what its items weigh.
    const scale = this.ctx.inference.weightOf(early.items) / Math.abs(early.deltaG);
    const rest = plateDeltasG.map((d, k) => d - early.plateDeltasG[k]! * scale);
    this.ctx.stats.residualsReconciled++;
    return { ...e, plateIds, plateDeltasG: rest, deltaG: rest.reduce((a, b) => a + b, 0) };
  }

  /**
   * An early charge is a bet on the early window, which still carries the tail of the
   * settling swing: its full window, which came without a residual, measures the
   * change to the full window's noise. When that names other items as surely as a
   * full-window decision needs, the charge is taken back and the change decided again
   * as measured now (to a cart, or to review). Only a pick charged whole to one
   * shopper is verified; parts, split units and put-backs stand.
   */
  private verifyEarly(settled: SettledEarly, markSettled: (e: ShelfEvent) => void): void {
    const { ctx } = this;
    const charges = ctx.earlyCharges.get(settled.eventId);
    const early = this.earlyDecided.get(settled.eventId);
    if (charges === undefined) return;
    ctx.earlyCharges.delete(settled.eventId);
    this.earlyDecided.delete(settled.eventId);
    const c = wholePick(charges, settled.eventId);
    if (early === undefined || c === null) return;
    const full = confirmedAtFullWindow(c.e, settled);
    // Judged as fusion judged the charge: before it (a misplaced unit taken is still there),
    // with the hints that have come since (fuseOne collects them again).
    const hintFactor = ctx.hints.collect(full.plateIds, full.startTs - ctx.tuning.hintPadMs, full.endTs);
    for (const it of c.items) ctx.inference.noteMisplaced(c.mainPlate, it.sku, it.count);
    const best = ctx.inference.infer({ deltaG: full.deltaG, plateIds: full.plateIds, plateDeltasG: full.plateDeltasG, noiseG: full.noiseG, hintFactor })[0];
    for (const it of c.items) ctx.inference.noteMisplaced(c.mainPlate, it.sku, -it.count);
    // Overturned only by other items named as surely as a full-window decision needs: a full
    // window that names nothing clearly may hold a hand resting on the plate (11 seed 303: a
    // beer decided at -334.4 g early read -345.0 g on its full window, 5 sigmas from a beer).
    if (!this.surely(best) || sameItems(best.items, c.items)) {
      ctx.stats.earlyConfirmed++;
      return;
    }
    ctx.stats.earlyCorrected++;
    const again = { ...full, eventId: `${settled.eventId}#full` };
    markSettled(again);
    this.undo(c, again.eventId);
    fuseEvent(ctx, again);
  }

  /**
   * Early and residual together name other items than the early charge (02 seed 7: a
   * chips bag read -51.5 g early and was charged as a 55 g chocolate bar; -12.2 g more
   * came, together a chips bag): as verifyEarly, the charge is taken back and the two
   * are one change, decided together. Null when the charge stands (not one shopper's
   * whole pick, or the pair names nothing surely).
   */
  private overturned(e: ShelfEvent, whole: boolean, best: Hypothesis, together: EarlyDecision): ShelfEvent | null {
    const { ctx } = this;
    const c = e.residualOf === undefined ? null : wholePick(ctx.earlyCharges.get(e.residualOf), e.residualOf);
    if (!whole || c === null || !this.surely(best)) return null;
    ctx.earlyCharges.delete(c.e.eventId);
    ctx.stats.earlyCorrected++;
    this.undo(c, e.eventId);
    return joined(e, together);
  }

  /** Names items as surely as a full-window decision must. */
  private surely(best: Hypothesis | undefined): best is Hypothesis {
    return best !== undefined && best.items.length > 0 && best.probability >= this.ctx.tuning.confidenceMin;
  }

  /**
   * Takes an early charge back because of what settled in event `cause` (its full
   * window, or a residual): the undo is that event's answer, and its latency is
   * measured from when that event's weight settled.
   */
  private undo(c: EarlyCharge, cause: string): void {
    for (const id of undoEventIds(c)) this.settleClock.alias(id, cause);
    undoEarlyCharge(this.ctx, c);
  }

  onDetections(msg: CameraDetections): void {
    const { tracker, bindings } = this.ctx;
    this.ctx.stats.frames++;
    // Tracks unseen for trackMissMaxMs go before matching: one restored from a checkpoint
    // taken seconds before a crash would otherwise take whoever now stands where it was.
    for (const t of tracker.expire(msg.ts)) this.retire(t, msg.ts);
    const confirmed = tracker.onFrame(msg.deviceId, msg.ts, msg.detections);
    bindings.afterFrame(msg.ts, confirmed);
    for (const h of this.handoffWatch.observe(msg.ts, tracker.tracks(), this.overShelf)) fuseHandoff(this.ctx, h);
    for (const t of tracker.expire(msg.ts)) this.retire(t, msg.ts);
    this.advance(msg.ts);
    if (this.ctx.handoffs.length > 0) resolveHandoffs(this.ctx);
  }

  /** Device time moves on: deferred decisions may now be clear or due. */
  private advance(ts: number): void {
    const ctx = this.ctx;
    if (ts <= ctx.deviceNowTs) return;
    const step = ts - ctx.deviceNowTs;
    ctx.deviceNowTs = ts;
    this.sinceRetryMs += step;
    if (ctx.deferred.length > 0 && this.sinceRetryMs >= RETRY_PERIOD_MS) {
      this.sinceRetryMs = 0;
      retryDeferred(ctx);
      if (this.waiters.length > 0) this.checkWaiters();
    }
  }

  /**
   * May an event measured on the early window be decided now? Only when its weight
   * names one (sku, count) beyond doubt even with the early window's wider noise;
   * near-equal weights wait for the full window's resolution. An event it passes is
   * remembered (earlyDecided) so that its residual can be reconciled with it; one
   * whose run is then not decided early stays until evicted, never matched.
   */
  private unambiguous(e: ShelfEvent): boolean {
    const { inference, tuning, hints } = this.ctx;
    // Same evidence as fusion's decision: a shelf camera's hint tells equal weights apart.
    const hintFactor = hints.collect(e.plateIds, e.startTs - tuning.hintPadMs, e.endTs);
    // Two hands at adjacent facings are two changes to fusion (splitByFacing): each must be clear.
    const items: SkuCount[] = [];
    const parts: EarlyDecision['parts'] = [];
    for (const part of splitByFacing(this.ctx, e)) {
      const input = { deltaG: part.deltaG, plateIds: part.plateIds, plateDeltasG: part.plateDeltasG, noiseG: part.noiseG, hintFactor, returnOf: returnOf(this.ctx, part) };
      const clear = part.deltaG < 0 ? this.clearItems(inference.infer(input)[0], part, true) : this.clearPutBack(input, part);
      if (clear === null) return false;
      items.push(...clear);
      parts.push({ plateIds: part.plateIds, plateDeltasG: part.plateDeltasG, deltaG: part.deltaG, items: clear });
    }
    if (this.earlyDecided.size >= EARLY_DECIDED_MAX) this.earlyDecided.delete(this.earlyDecided.keys().next().value!);
    this.earlyDecided.set(e.eventId, { plateIds: e.plateIds, plateDeltasG: e.plateDeltasG, deltaG: e.deltaG, startTs: e.startTs, trace: e.trace, items, hintFactor, parts });
    return true;
  }

  /** The hypothesis's items if it names them beyond doubt on this early level, else null. */
  private clearItems(best: Hypothesis | undefined, e: ShelfEvent, verified: boolean): Hypothesis['items'] | null {
    const { inference, tuning } = this.ctx;
    if (best === undefined || best.items.length === 0) return null;
    const expectG = inference.weightOf(best.items);
    // A pick's full window verifies it (verifyEarly): on a tight early level, as sure as a
    // full-window decision must be is enough (02 seed 303: three cup noodles, -283 g at
    // +-4 g, 0.96 against two egg sandwiches, waited 400 ms for their full window).
    const tight = verified && e.noiseG <= EARLY_TIGHT_FRACTION * expectG;
    if (best.probability < (tight ? tuning.confidenceMin : tuning.earlyConfidenceMin)) return null;
    if (inference.fitZ(best.items, e.deltaG, e.noiseG) > EARLY_FIT_Z_MAX) return null;
    // A swing wide enough to let a third of the item's weight pass for noise is still moving.
    if (!(Math.abs(Math.abs(e.deltaG) - expectG) <= EARLY_MISFIT_FRACTION * expectG)) return null;
    return best.items;
  }

  /**
   * A rise is something a shopper puts back from their cart, but whose hand it was
   * is fusion's question. Decided early only when every open cart that could explain
   * it (a clear hypothesis under that cart) names the same items: whoever it was, it
   * is those. Umbrella on the beer plate: a shopper holding beer would make it beer,
   * so it waits.
   */
  private clearPutBack(input: InferenceInput, e: ShelfEvent): Hypothesis['items'] | null {
    let agreed: Hypothesis['items'] | null = null;
    for (const cart of this.ctx.carts.values()) {
      if (cart.size === 0) continue;
      const items = this.clearItems(this.ctx.inference.infer({ ...input, cart })[0], e, false);
      if (items === null || items.some((it) => (cart.get(it.sku) ?? 0) < it.count)) continue;
      if (agreed !== null && !sameItems(agreed, items)) return null;
      agreed = items;
    }
    return agreed;
  }

  onHints(msg: ProductHints): void {
    this.ctx.hints.add(msg);
  }

  admit(sessionId: string, gateId: string, people: number, ts: number): void {
    if (!this.ctx.carts.has(sessionId)) this.ctx.carts.set(sessionId, new Map());
    this.ctx.bindings.admit(sessionId, gateId, people, ts);
  }

  onCrossing(gateId: string, direction: 'in' | 'out', ts: number): { sessionId: string | null } {
    const { bindings, tracker, tuning } = this.ctx;
    const gate = bindings.gate(gateId);
    if (!gate) return { sessionId: null };
    if (direction === 'in') {
      if (gate.kind === 'entry') bindings.crossedIn(gateId, ts);
      return { sessionId: null };
    }
    let best: Track | null = null;
    let bestD = tuning.gateRadiusM;
    for (const t of tracker.tracks()) {
      if (t.sessionId === null || ts - t.lastTs > tuning.trackMissMaxMs) continue;
      const q = tracker.predict(t, ts);
      const d = Math.hypot(q.x - gate.x, q.y - gate.y);
      if (d <= bestD) {
        bestD = d;
        best = t;
      }
    }
    if (!best) return { sessionId: null };
    // The person is outside now: later detections near the door must not re-match them.
    tracker.remove(best.id);
    this.ctx.retired.push({ track: best, ts });
    return { sessionId: best.sessionId };
  }

  settle(sessionId: string, timeoutMs: number): Promise<void> {
    if (!this.hasPendingNear(sessionId) || this.waiters.length >= SETTLE_WAITERS_MAX) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w: Waiter = {
        sessionId,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve();
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  release(sessionId: string): void {
    const { tracker, bindings, carts } = this.ctx;
    for (const t of [...tracker.tracks()]) if (t.sessionId === sessionId) tracker.remove(t.id);
    this.ctx.retired = this.ctx.retired.filter((r) => r.track.sessionId !== sessionId);
    bindings.forget(sessionId);
    carts.delete(sessionId);
    this.ctx.lastPicks.delete(sessionId);
    this.ctx.recentPicks.delete(sessionId);
  }

  snapshot(): PerceptionSnapshot {
    const s = takeSnapshot(this.ctx);
    return { ...s, data: { ...(s.data as object), plates: takePlateLevels(this.detectors.values()), shelves: takeShelfTimes(this.detectors) } };
  }

  restore(s: PerceptionSnapshot): void {
    restoreSnapshot(this.ctx, s);
    const data = s.data as { plates?: unknown; shelves?: unknown };
    restorePlateLevels(this.detectors.values(), data.plates);
    restoreShelfTimes(this.detectors, data.shelves);
  }

  people(): { trackId: string; sessionId: string | null; x: number; y: number }[] {
    return this.ctx.tracker
      .tracks()
      .filter((t) => this.ctx.tracker.confirmed(t) || t.sessionId !== null)
      .map((t) => ({ trackId: t.id, sessionId: t.sessionId, x: t.x, y: t.y }));
  }

  plateWeights(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const det of this.detectors.values()) {
      det.shelf.plates.forEach((p, i) => {
        const m = det.plates.mean(i);
        if (!Number.isNaN(m)) out[p.id] = Math.round(m * 10) / 10;
      });
    }
    return out;
  }

  stats(): Record<string, number> {
    return { ...this.ctx.stats, tracks: this.ctx.tracker.tracks().length, orphans: this.ctx.bindings.orphans.length, settleLookBackExhausted: this.settleClock.lookBackExhausted, earlyEvents: this.earlyEvents() };
  }

  private earlyEvents(): number {
    let n = 0;
    for (const det of this.detectors.values()) n += det.earlyEvents;
    return n;
  }

  private retire(t: Track, ts: number): void {
    this.ctx.bindings.lost(t);
    const keep = this.ctx.tuning.retiredKeepMs;
    this.ctx.retired = this.ctx.retired.filter((r) => ts - r.ts <= keep);
    this.ctx.retired.push({ track: t, ts });
  }

  /** Is any shelf event in progress within reach of this session's people? */
  private hasPendingNear(sessionId: string): boolean {
    const { tracker, retired, plates, layout } = this.ctx;
    const where = tracker.tracks().filter((t) => t.sessionId === sessionId) as { x: number; y: number }[];
    for (const r of retired) if (r.track.sessionId === sessionId) where.push(r.track);
    if (this.ctx.deferred.length > 0) {
      const cands = [...tracker.tracks(), ...retired.map((r) => r.track)].filter((t) => t.sessionId === sessionId);
      for (const d of this.ctx.deferred) {
        for (const id of d.e.plateIds) {
          const p = plates.get(id);
          if (p && cands.some((t) => Math.hypot(t.x - p.x, t.y - p.y) <= layout.reachM * 3)) return true;
        }
      }
    }
    if (where.length === 0) return false;
    for (const det of this.detectors.values()) {
      if (det.plates.busy === 0) continue;
      for (const id of det.busyPlateIds()) {
        const p = plates.get(id);
        if (p && where.some((w) => Math.hypot(w.x - p.x, w.y - p.y) <= layout.reachM * 1.5)) return true;
      }
    }
    return false;
  }

  private checkWaiters(): void {
    const done = this.waiters.filter((w) => !this.hasPendingNear(w.sessionId));
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    for (const w of done) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }
}

export function createPerceptionWith(layout: StoreLayout, clock: Clock, sink: PerceptionSink, tuning: Partial<PerceptionTuning> = {}): StorePerception {
  return new StorePerception(layout, clock, sink, { ...DEFAULT_TUNING, ...tuning });
}

/** Outward normal of the gondola side a plate sits nearest to: the face shoppers reach into it from. */
function faceNormal(g: Gondola, p: { x: number; y: number }): { nx: number; ny: number } {
  const sides = [
    { d: Math.abs(p.y - g.y), nx: 0, ny: -1 },
    { d: Math.abs(g.y + g.depthM - p.y), nx: 0, ny: 1 },
    { d: Math.abs(p.x - g.x), nx: -1, ny: 0 },
    { d: Math.abs(g.x + g.widthM - p.x), nx: 1, ny: 0 },
  ].sort((a, b) => a.d - b.d);
  return { nx: sides[0]!.nx, ny: sides[0]!.ny };
}
