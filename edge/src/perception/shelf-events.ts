/**
 * Shelf events from one shelf controller's packets.
 *
 * Plates change state in `ShelfPlates`; here runs of adjacent non-idle plates are
 * grouped. A run is emitted once every plate in it has settled (an item resting
 * across plates 3-5 settles as one event), then split where the sign changes (an
 * item moved from plate 2 to 3 is a pick and a put). Runs separated by an idle
 * plate are separate events, so two shoppers at the two ends of a shelf do not
 * wait for each other. A neighbour's small change proportional to a big one is
 * mechanical crosstalk (seen in the AiFi data: +-1.5 %), not an item.
 */
import type { LoadCellWeight, Shelf } from '@tebura/contract';
import { PLATE_ACTIVE, PLATE_IDLE, PLATE_SETTLED, ShelfPlates } from './plate-filter.js';
import { plateThresholds, type PerceptionTuning } from './tuning.js';

/** A provisional level is confirmed when the full window lands within this many early sigmas of it. */
const EARLY_TOLERANCE_SIGMAS = 2;

export interface ShelfEvent {
  /** Stable across replays of the same packets. */
  eventId: string;
  shelfId: string;
  deviceId: string;
  plateIds: string[];
  plateDeltasG: number[];
  /** Sum over the plates; negative = load removed (a pick). */
  deltaG: number;
  /** First departure of any plate (about when the hand reached in). */
  startTs: number;
  /** When the last plate settled. */
  endTs: number;
  /** Standard deviation of deltaG due to sensor noise. */
  noiseG: number;
  /** Decided on the early window; the full window may still add a residual event. */
  early?: boolean;
  /**
   * This change is what the full window found beyond an early decision on these
   * plates (the early event's id): the two together are one reach.
   */
  residualOf?: string;
  /**
   * The change was already there when readings resumed after a gap of READING_GAP_MS or
   * more (a restart that lost QoS 0 readings, a controller that went quiet): it happened
   * in [fromTs, toTs], when nobody saw the plate. startTs is then fromTs.
   */
  readingGap?: { fromTs: number; toTs: number };
  trace: { plateId: string; ts: number; grams: number }[];
}

/** An early event whose plates' full windows have all come (ShelfEventDetector.takeSettledEarly). */
export interface SettledEarly {
  eventId: string;
  /** Per plate id: how far the full window's level lies from the early one, grams (0 where a residual carries it). */
  correctionsG: Map<string, number>;
  /** Noise of the change measured on full windows (as makeEvent's). */
  noiseG: number;
  /** A residual event (residualOf) carried what some plate's full window moved beyond the early level. */
  residual: boolean;
}

/**
 * Readings this far apart (device time) are a gap in what the shelf saw: a change found
 * on the first window after it may have happened at any moment in it. A lost packet or
 * two (50-70 ms each) is not one; a restart that lost QoS 0 readings is.
 */
export const READING_GAP_MS = 1000;

/** Adjacent plates starting to move this far apart are two reaches, not one item across them, ms. */
const SEPARATE_REACH_MS = 600;

export class ShelfEventDetector {
  readonly shelf: Shelf;
  readonly plates: ShelfPlates;
  private readonly tuning: PerceptionTuning;
  private readonly plateIndex = new Map<string, number>();
  private readonly scratchIdx = new Int32Array(64);
  /** Per plate: the early event its provisional level came from. */
  private readonly earlyOf: (string | null)[];
  unknownPlates = 0;
  /** Settled changes too small to be an item. */
  smallChanges = 0;

  /** Events decided on the early window (each also counted as a shelf event). */
  earlyEvents = 0;
  /** Device time of the last sample fed (NaN before any); in the checkpoint, so a restart's gap is seen. */
  lastSampleTs = NaN;
  /** The latest gap in readings (see READING_GAP_MS); NaN before any. */
  private gapFromTs = NaN;
  private gapToTs = NaN;
  /** Per plate: the level an early decision accepted, until its full window comes (NaN: none, or a residual carries the rest). */
  private readonly earlyLevel: Float64Array;
  /** Early events with plates still waiting for their full window: how many, and what the idle ones' full windows moved. */
  private readonly earlyPending = new Map<string, { plates: number; correctionsG: Map<string, number>; residual: boolean }>();
  /** Early events whose plates are all idle again (confirmed, or followed by their residual); see takeSettledEarly. */
  private readonly settledEarly = new Map<string, SettledEarly>();

  /**
   * `earlyGate` says whether an event measured on the early window is unambiguous
   * enough to decide now (product inference lives outside the detector); without
   * it every event waits for the full stable window.
   */
  constructor(
    shelf: Shelf,
    tuning: PerceptionTuning,
    private readonly earlyGate?: (e: ShelfEvent) => boolean,
  ) {
    this.shelf = shelf;
    this.tuning = tuning;
    this.plates = new ShelfPlates(shelf.plates.length, plateThresholds(shelf.loadCell, tuning));
    shelf.plates.forEach((p, i) => this.plateIndex.set(p.id, i));
    this.earlyOf = shelf.plates.map(() => null);
    this.earlyLevel = new Float64Array(shelf.plates.length).fill(NaN);
  }

  /** Feed one packet; settled events are appended to `out`. */
  ingest(msg: LoadCellWeight, out: ShelfEvent[]): void {
    const readings = msg.readings;
    const nr = Math.min(readings.length, this.scratchIdx.length);
    let len = 0;
    for (let r = 0; r < nr; r++) {
      const id = readings[r]!.plateId;
      const idx = this.shelf.plates[r]?.id === id ? r : (this.plateIndex.get(id) ?? -1);
      if (idx < 0) this.unknownPlates++;
      this.scratchIdx[r] = idx;
      len = Math.max(len, readings[r]!.grams.length);
    }
    const plates = this.plates;
    if (msg.ts - this.lastSampleTs >= READING_GAP_MS) {
      this.gapFromTs = this.lastSampleTs;
      this.gapToTs = msg.ts;
    }
    const lastTs = msg.ts + (len - 1) * msg.sampleIntervalMs;
    if (len > 0 && !(lastTs <= this.lastSampleTs)) this.lastSampleTs = lastTs;
    for (let k = 0; k < len; k++) {
      const ts = msg.ts + k * msg.sampleIntervalMs;
      for (let r = 0; r < nr; r++) {
        const idx = this.scratchIdx[r]!;
        if (idx < 0) continue;
        const g = readings[r]!.grams[k];
        if (g !== undefined) plates.push(idx, g, ts);
      }
      if (plates.busy > 0) this.scan(ts, out);
    }
    for (let i = 0; i < plates.count; i++) {
      const id = this.earlyOf[i];
      if (id !== null && id !== undefined && plates.status[i] === PLATE_IDLE) this.fullWindowCame(i, id);
    }
  }

  /** Plate i, decided early in event `id`, is idle again: note what its full window moved. */
  private fullWindowCame(i: number, id: string): void {
    const level = this.earlyLevel[i]!;
    const pending = this.earlyPending.get(id) ?? { plates: 1, correctionsG: new Map<string, number>(), residual: false };
    pending.correctionsG.set(this.shelf.plates[i]!.id, Number.isNaN(level) ? 0 : this.plates.baseline[i]! - level);
    if (Number.isNaN(level)) pending.residual = true;
    this.earlyOf[i] = null;
    this.earlyLevel[i] = NaN;
    if (--pending.plates > 0) {
      this.earlyPending.set(id, pending);
      return;
    }
    this.earlyPending.delete(id);
    const n = pending.correctionsG.size;
    this.settledEarly.set(id, { eventId: id, correctionsG: pending.correctionsG, noiseG: this.plates.th.noiseG * Math.sqrt((2 * n) / this.plates.th.windowSamples), residual: pending.residual });
  }

  /**
   * Early events whose full window has come on all their plates since the last
   * call: the level was confirmed (how far the full window moved it is in
   * correctionsG), or a residual event (residualOf) was emitted before this. Cleared.
   */
  takeSettledEarly(): SettledEarly[] {
    if (this.settledEarly.size === 0) return [];
    const out = [...this.settledEarly.values()];
    this.settledEarly.clear();
    return out;
  }

  /** Would takeSettledEarly return any? */
  hasSettledEarly(): boolean {
    return this.settledEarly.size > 0;
  }

  /** Was this plate of the shelf active at any moment in [from, to]? (ShelfPlates.activeDuring; false for a plate not here.) */
  plateActiveDuring(plateId: string, from: number, to: number): boolean {
    const i = this.plateIndex.get(plateId);
    return i !== undefined && this.plates.activeDuring(i, from, to);
  }

  /** Indices of plates with an event in progress (for settle()). */
  busyPlateIds(): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.plates.count; i++) if (this.plates.status[i] !== PLATE_IDLE) ids.push(this.shelf.plates[i]!.id);
    return ids;
  }

  private scan(ts: number, out: ShelfEvent[]): void {
    const p = this.plates;
    let i = 0;
    while (i < p.count) {
      if (p.status[i] === PLATE_IDLE) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < p.count && p.status[j] !== PLATE_IDLE && !this.separateReaches(j - 1, j, ts)) j++;
      let anyActive = false;
      for (let k = i; k < j; k++) if (p.status[k] === PLATE_ACTIVE) anyActive = true;
      if (!anyActive) this.emitRun(i, j, out);
      else if (!this.tryEarly(i, j, ts, out)) this.expireStale(i, j, ts);
      i = j;
    }
  }

  /**
   * Adjacent busy plates a and b are two changes, not one item across them, when one
   * began to move SEPARATE_REACH_MS or more after the other, which has come to rest
   * since: another reach (02 default seed: two coffee cans taken from one plate, then a
   * water from the next 1 s later; the cans waited for the water, 1.67 s after settling).
   */
  private separateReaches(a: number, b: number, ts: number): boolean {
    const p = this.plates;
    const lag = p.activeStartTs[b]! - p.activeStartTs[a]!;
    if (Math.abs(lag) < SEPARATE_REACH_MS) return false;
    const first = lag > 0 ? a : b;
    return p.status[first] === PLATE_SETTLED || p.provisional[first] === 1 || p.earlyStable(first, ts);
  }

  /** Bound an event's length: a plate busy for too long is accepted as it is now. */
  private expireStale(a: number, b: number, ts: number): void {
    const p = this.plates;
    for (let i = a; i < b; i++) {
      if (p.status[i] === PLATE_ACTIVE && ts - p.activeStartTs[i]! > this.tuning.activeMaxMs) p.rezero(i);
    }
  }

  /**
   * Early decision on a run whose active plates are calm over the short window:
   * emitted only when every event of the run passes the gate; the active plates
   * then wait, provisionally, for the full window (plate-filter.ts).
   */
  private tryEarly(a: number, b: number, ts: number, out: ShelfEvent[]): boolean {
    const p = this.plates;
    if (this.earlyGate === undefined || p.th.earlySamples === 0) return false;
    for (let i = a; i < b; i++) {
      if (p.provisional[i] === 1) return false;
      if (p.status[i] !== PLATE_SETTLED && !p.earlyStable(i, ts)) return false;
    }
    const level = (i: number): number => (p.status[i] === PLATE_SETTLED ? p.mean(i) : p.earlyMean(i));
    const events: ShelfEvent[] = [];
    let small = 0;
    const groups: number[][] = [];
    this.groupRun(a, b, (i) => level(i) - p.baseline[i]!, (group, deltas) => {
      const e = this.makeEvent(group, deltas, ts);
      if (Math.abs(e.deltaG) >= this.tuning.eventMinG) {
        events.push(e);
        groups.push(group);
      } else small++;
    });
    // A rise on a plate that dipped in this activity is a hand pressing where it has just
    // taken something (the crest holds still for the early window), not yet a put-back.
    if (events.some((e, k) => e.deltaG > 0 && groups[k]!.some((i) => p.dippedSinceActive(i)))) return false;
    if (events.length === 0 || !events.every((e) => this.earlyGate!(e))) return false;
    events.forEach((e, k) => {
      for (const i of groups[k]!) this.earlyOf[i] = e.eventId;
      // Bounded: an event per plate at most is pending (a plate waits for its full window before another early decision).
      if (this.earlyPending.size >= p.count) this.earlyPending.delete(this.earlyPending.keys().next().value!);
      this.earlyPending.set(e.eventId, { plates: groups[k]!.length, correctionsG: new Map(), residual: false });
    });
    this.smallChanges += small;
    this.earlyEvents += events.length;
    out.push(...events);
    for (let i = a; i < b; i++) {
      if (p.status[i] === PLATE_SETTLED) p.rezero(i);
      else {
        // What the gate allowed for (two early sigmas) is not a new change when the full window comes.
        this.earlyLevel[i] = level(i);
        p.acceptProvisional(i, level(i), ts, EARLY_TOLERANCE_SIGMAS * this.earlyNoiseG(i));
      }
    }
    return true;
  }

  /** One plate's noise on the early window (see makeEvent); the stability bound shrinks as the early level's readings grow (earlyReadings). */
  private earlyNoiseG(i: number): number {
    const p = this.plates;
    return Math.max(p.th.stableSigmaG * p.noiseScale(i) * Math.sqrt(p.th.earlySamples / p.earlyReadings(i)), p.earlySpreadG(i) / 2);
  }

  private emitRun(a: number, b: number, out: ShelfEvent[]): void {
    const p = this.plates;
    this.groupRun(a, b, (i) => p.delta(i), (group) => {
      const e = this.makeEvent(group);
      const early = group.find((i) => p.provisional[i] === 1 && this.earlyOf[i] !== null);
      if (early !== undefined) {
        e.residualOf = this.earlyOf[early]!;
        // It began when its plates moved on from the early level, not when the early event
        // began: whoever reached in then is who to look for (11 seed 101: a second shopper's
        // onigiri 0.9 s after the first's, from the same plate, was weighed at the first one's reach).
        e.startTs = Math.min(...group.map((i) => (p.provisional[i] === 1 && !Number.isNaN(p.movedOnTs[i]!) ? p.movedOnTs[i]! : p.activeStartTs[i]!)));
        // The residual carries what the full window found beyond the early level.
        for (const i of group) this.earlyLevel[i] = NaN;
      }
      if (Math.abs(e.deltaG) >= this.tuning.eventMinG) out.push(e);
      else this.smallChanges++;
    });
    for (let i = a; i < b; i++) p.rezero(i);
  }

  /** Splits plates a..b-1 into same-sign groups above the crosstalk floor. */
  private groupRun(a: number, b: number, deltaOf: (i: number) => number, emit: (group: number[], deltas: number[]) => void): void {
    let maxAbs = 0;
    for (let i = a; i < b; i++) maxAbs = Math.max(maxAbs, Math.abs(deltaOf(i)));
    const floor = maxAbs * this.tuning.crosstalkFraction;
    let group: number[] = [];
    let deltas: number[] = [];
    let sign = 0;
    const flush = (): void => {
      if (group.length > 0) emit(group, deltas);
      group = [];
      deltas = [];
    };
    for (let i = a; i < b; i++) {
      const d = deltaOf(i);
      if (Math.abs(d) < floor) {
        flush();
        continue;
      }
      const s = Math.sign(d);
      if (s !== sign) flush();
      sign = s;
      group.push(i);
      deltas.push(d);
    }
    flush();
  }

  /** An event over plates `idx`; with `earlyDeltas`, measured on the early window at `earlyTs`. */
  private makeEvent(idx: number[], earlyDeltas?: number[], earlyTs?: number): ShelfEvent {
    const p = this.plates;
    const plateIds = idx.map((i) => this.shelf.plates[i]!.id);
    const plateDeltasG = earlyDeltas ?? idx.map((i) => p.delta(i));
    const deltaG = plateDeltasG.reduce((s, d) => s + d, 0);
    const departedTs = Math.min(...idx.map((i) => p.activeStartTs[i]!));
    // Departed on the first full window after a gap: the level had moved while unseen.
    const acrossGap = departedTs >= this.gapToTs && departedTs - this.gapToTs <= p.th.windowMs + 2000 / this.shelf.loadCell.sampleRateHz;
    const startTs = acrossGap ? this.gapFromTs : departedTs;
    const endTs = earlyTs ?? Math.max(...idx.map((i) => p.settledTs[i]!));
    const trace: ShelfEvent['trace'] = [];
    idx.forEach((i, k) => {
      const plateId = this.shelf.plates[i]!.id;
      trace.push({ plateId, ts: p.activeStartTs[i]!, grams: p.baseline[i]! });
      trace.push({ plateId, ts: earlyTs ?? p.settledTs[i]!, grams: p.baseline[i]! + plateDeltasG[k]! });
    });
    // Difference of two window means per plate; the baseline is itself filtered. An early
    // window's mean can still carry the tail of the settling swing: half the largest
    // distance from it over the full window is its noise (the gate allows two sigmas),
    // and at least the stability bound.
    const noiseG =
      earlyDeltas === undefined
        ? p.th.noiseG * Math.sqrt((2 * idx.length) / p.th.windowSamples)
        : Math.sqrt(idx.reduce((s, i) => s + this.earlyNoiseG(i) ** 2, 0));
    return {
      eventId: `${this.shelf.loadCell.deviceId}:${Math.round(endTs)}:${plateIds[0]}`,
      shelfId: this.shelf.id,
      deviceId: this.shelf.loadCell.deviceId,
      plateIds,
      plateDeltasG,
      deltaG,
      startTs,
      endTs,
      noiseG,
      trace,
      ...(earlyDeltas === undefined ? {} : { early: true }),
      ...(acrossGap ? { readingGap: { fromTs: this.gapFromTs, toTs: this.gapToTs } } : {}),
    };
  }
}
