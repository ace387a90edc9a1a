/**
 * Per-plate change detection for one shelf, allocation-free per sample.
 *
 * Each plate keeps a ring of its last `windowSamples` readings with running sums,
 * a baseline (last stable level) and a status:
 *   idle    - stable at the baseline; the baseline follows slow drift;
 *   active  - a sample left the baseline by more than `departG` (a hand is there);
 *   settled - stable again at a level that differs from the baseline by more than
 *             `reportG`; waits for the shelf detector to group it with neighbours.
 * Stability is a low standard deviation over the window, and for a change its
 * two halves agreeing (level()), so settling oscillation simply delays it; null
 * samples (dropouts) are skipped.
 */
import type { PlateThresholds } from './tuning.js';

export const PLATE_IDLE = 0;
export const PLATE_ACTIVE = 1;
export const PLATE_SETTLED = 2;
/** Idle plates are checked for drift and gentle changes every (mask + 1) samples. */
const IDLE_CHECK_MASK = 3;
/** Halves of a settled window differ by less than this many of their noise sigmas (see level()). */
const LEVEL_SIGMAS = 3;
/**
 * A plate whose learned idle noise exceeds its datasheet by more than this is
 * noisy: its level must stay calm for a further full window before it counts
 * (step()). On 09-noise-drift's cells (4x noise, 20x drift) the level kept moving
 * after a short calm window, and a settling swing the noise hides read a 32 g gum
 * as -25.5 g. It may still decide early (shelf-events.ts): the early gate's noise
 * scales with the plate's, and the full window reconciles what it missed.
 */
export const NOISY_SCALE = 1.5;

export class ShelfPlates {
  readonly count: number;
  readonly th: PlateThresholds;
  private readonly w: number;
  private readonly ring: Float64Array;
  private readonly pos: Int32Array;
  private readonly fill: Int32Array;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  /** Readings are stored relative to this per-plate offset to keep the sums well conditioned. */
  private readonly offset: Float64Array;
  private readonly hasOffset: Uint8Array;
  readonly baseline: Float64Array;
  readonly status: Uint8Array;
  /** First time the plate left its baseline in the current activity. */
  readonly activeStartTs: Float64Array;
  /** The plate's last finished activity: from its activeStartTs to when it went idle again (NaN: none yet). */
  readonly lastActiveFrom: Float64Array;
  readonly lastActiveTo: Float64Array;
  /** Time at which the plate became stable after its activity. */
  readonly settledTs: Float64Array;
  /** Level a settled plate rests at; departures are measured from it, not from the baseline. */
  readonly settledLevel: Float64Array;
  readonly lastTs: Float64Array;
  /** Mean square of the idle window mean around the baseline, grams^2. */
  readonly wander: Float64Array;
  /**
   * Per-sample noise variance seen while idle, grams^2. A load cell noisier than its
   * datasheet (ageing, vibration, a loose cable) would otherwise never look stable
   * and never report; thresholds scale with what this plate really does.
   */
  readonly sampleVar: Float64Array;
  /** Samples left in this plate's warm-up. */
  private readonly warmLeft: Int32Array;
  /** Set by restoreLevel: the first full window must not overwrite the restored baseline. */
  private readonly keepBaseline: Uint8Array;
  readonly lastValue: Float64Array;
  /**
   * Set when an early (short-window) decision moved the baseline to the level seen
   * then; the plate stays active until the full window confirms it. A level that
   * then moves on by more than reportG is a new change against that baseline.
   */
  readonly provisional: Uint8Array;
  /** How far the full window may move from a provisional level and still confirm it, grams. */
  readonly provisionalToleranceG: Float64Array;
  /** When a plate decided early first moved beyond that allowance: a new change began (NaN: not yet). */
  readonly movedOnTs: Float64Array;
  /**
   * Lowest reading since the plate last left idle, grams. A rise after a dip below
   * the baseline is a hand pressing on a plate it has just taken from, not a put-back.
   */
  readonly lowSinceActive: Float64Array;
  /** When an active plate's window last became calm (stable and level); NaN while it moves. */
  private readonly calmSince: Float64Array;
  /** Per active plate: consecutive readings that each ended a calm early window (earlyCalm). */
  private readonly calmRun: Int32Array;
  dropouts = 0;
  /** Number of plates not idle; lets the shelf detector skip work when it is 0. */
  busy = 0;

  constructor(count: number, th: PlateThresholds) {
    this.count = count;
    this.th = th;
    this.w = th.windowSamples;
    this.ring = new Float64Array(count * this.w);
    this.pos = new Int32Array(count);
    this.fill = new Int32Array(count);
    this.sum = new Float64Array(count);
    this.sumSq = new Float64Array(count);
    this.offset = new Float64Array(count);
    this.hasOffset = new Uint8Array(count);
    this.baseline = new Float64Array(count);
    this.status = new Uint8Array(count);
    this.activeStartTs = new Float64Array(count);
    this.lastActiveFrom = new Float64Array(count).fill(NaN);
    this.lastActiveTo = new Float64Array(count).fill(NaN);
    this.settledTs = new Float64Array(count);
    this.settledLevel = new Float64Array(count);
    this.lastTs = new Float64Array(count);
    this.wander = new Float64Array(count).fill(th.noiseG * th.noiseG);
    this.sampleVar = new Float64Array(count).fill(th.noiseG * th.noiseG);
    this.warmLeft = new Int32Array(count).fill(th.warmupSamples);
    this.keepBaseline = new Uint8Array(count);
    this.lastValue = new Float64Array(count).fill(NaN);
    this.provisional = new Uint8Array(count);
    this.provisionalToleranceG = new Float64Array(count);
    this.movedOnTs = new Float64Array(count).fill(NaN);
    this.calmSince = new Float64Array(count).fill(NaN);
    this.calmRun = new Int32Array(count);
    this.lowSinceActive = new Float64Array(count);
  }

  /** Window mean in absolute grams (NaN before the first sample). */
  mean(i: number): number {
    const n = this.fill[i]!;
    return n === 0 ? NaN : this.offset[i]! + this.sum[i]! / n;
  }

  /** Window standard deviation in grams. */
  std(i: number): number {
    const n = this.fill[i]!;
    if (n < 2) return Infinity;
    const m = this.sum[i]! / n;
    return Math.sqrt(Math.max(0, this.sumSq[i]! / n - m * m));
  }

  /** Mean of the last `n` readings, relative to the offset. */
  private lastMean(i: number, n: number): number {
    let s = 0;
    for (let k = 1; k <= n; k++) s += this.ring[i * this.w + ((this.pos[i]! - k + this.w) % this.w)]!;
    return s / n;
  }

  /**
   * Readings the early level is taken over: the early window; on a plate noisier
   * than NOISY_SCALE, every reading since it became calm on that window (calmRun),
   * up to a full window. There the early gate's noise floor (the stability bound,
   * shelf-events.ts earlyNoiseG) is what holds a light pick back, and a level that
   * holds still longer is known better: it shrinks as 1/sqrt(readings). 09-noise-drift
   * default seed: a chocolate bar read -51 +-15.2 g for 900 ms, 0.987 < 0.99, and waited
   * for its two full windows (1133 ms after settling; now 266). On plates at their
   * datasheet noise the swing, not the noise, bounds the early level: a longer mean
   * there took in the swing's tail (02, 03, 07 default seeds slower, 04 a review).
   */
  earlyReadings(i: number): number {
    const n = this.th.earlySamples;
    return this.noiseScale(i) > NOISY_SCALE ? Math.min(this.w, n + Math.max(0, this.calmRun[i]! - 1)) : n;
  }

  /** Mean of the last earlyReadings() readings in absolute grams (NaN before a full window). */
  earlyMean(i: number): number {
    if (this.fill[i]! < this.w) return NaN;
    return this.offset[i]! + this.lastMean(i, this.earlyReadings(i));
  }

  /** Is the short early window calm (its readings' spread within the stability bound)? */
  private earlyCalm(i: number): boolean {
    const n = this.th.earlySamples;
    const m = this.lastMean(i, n);
    let ss = 0;
    for (let k = 1; k <= n; k++) {
      const d = this.ring[i * this.w + ((this.pos[i]! - k + this.w) % this.w)]! - m;
      ss += d * d;
    }
    return Math.sqrt(ss / n) <= this.th.stableSigmaG * this.noiseScale(i);
  }

  /**
   * Has an active plate been calm over the short early window, long enough after
   * its departure that a reach is over? Only a candidate: the shelf detector asks
   * product inference whether the level is unambiguous before deciding on it.
   */
  earlyStable(i: number, ts: number): boolean {
    if (this.th.earlySamples === 0 || this.status[i] !== PLATE_ACTIVE || this.provisional[i] === 1 || this.fill[i]! < this.w) return false;
    if (ts - this.activeStartTs[i]! < this.th.minEventMs) return false;
    return this.calmRun[i]! > 0;
  }

  /**
   * Largest distance of the last `earlySpreadSamples` readings from the early mean, grams.
   * A settling swing decays, so what it did over that lookback bounds how far the
   * early mean can still be from where the plate comes to rest.
   */
  earlySpreadG(i: number): number {
    const m = this.earlyMean(i) - this.offset[i]!;
    const n = Math.min(this.fill[i]!, this.th.earlySpreadSamples);
    let dev = 0;
    for (let k = 1; k <= n; k++) dev = Math.max(dev, Math.abs(this.ring[i * this.w + ((this.pos[i]! - k + this.w) % this.w)]! - m));
    return dev;
  }

  /** Did the plate go below its baseline (beyond noise) during this activity? Something was taken. */
  dippedSinceActive(i: number): boolean {
    return this.lowSinceActive[i]! < this.baseline[i]! - this.th.departG * this.noiseScale(i);
  }

  /** An early decision was taken at `level`: measure later changes from it, keep waiting for the full window. */
  acceptProvisional(i: number, level: number, ts: number, toleranceG: number): void {
    this.baseline[i] = level;
    this.provisional[i] = 1;
    this.provisionalToleranceG[i] = toleranceG;
    this.movedOnTs[i] = NaN;
    this.settledTs[i] = ts;
  }

  /** How much noisier than its datasheet this plate is (>= 1). */
  noiseScale(i: number): number {
    return Math.max(1, Math.sqrt(this.sampleVar[i]!) / this.th.noiseG);
  }

  stable(i: number): boolean {
    return this.fill[i] === this.w && this.std(i) <= this.th.stableSigmaG * this.noiseScale(i);
  }

  /**
   * Has the window stopped moving? The two halves' means agree within what this
   * plate's noise allows. The spread test alone scales with the plate's noise: on
   * a cell 4x noisier than its datasheet, a settling swing of 15 g passed it, and
   * a window over the swing's first half-period read a 55 g pick as -47 g
   * (09-noise-drift). A swing or a slope moves the halves apart; noise does not.
   */
  level(i: number): boolean {
    const w = this.w;
    const h = w >> 1;
    const base = i * w;
    const p = this.pos[i]!;
    let older = 0;
    for (let k = 0; k < h; k++) older += this.ring[base + ((p + k) % w)]!;
    const newer = this.sum[i]! - older;
    const diff = older / h - newer / (w - h);
    const sigma = this.th.noiseG * this.noiseScale(i) * Math.sqrt(1 / h + 1 / (w - h));
    return Math.abs(diff) <= LEVEL_SIGMAS * sigma;
  }

  /** Current change against the baseline, grams (negative: load removed). */
  delta(i: number): number {
    return this.mean(i) - this.baseline[i]!;
  }

  /**
   * Past warm-up, with a baseline: its level is worth a checkpoint. A restored level
   * counts before its first full window: a checkpoint taken then (a second kill soon
   * after a restart) without it had the next restart learn a pick as the level.
   */
  isWarm(i: number): boolean {
    return this.warmLeft[i] === 0 && (this.hasOffset[i] === 2 || this.keepBaseline[i] === 1);
  }

  /**
   * After a restart: the level and noise this plate had before, so a change that
   * happened while the node was down (or mid-reach at the kill) is still a change
   * against it, instead of being learnt as the new level during warm-up.
   */
  restoreLevel(i: number, baseline: number, wander: number, sampleVar: number, provisionalToleranceG?: number): void {
    this.baseline[i] = baseline;
    this.wander[i] = wander;
    this.sampleVar[i] = sampleVar;
    this.warmLeft[i] = 0;
    this.keepBaseline[i] = 1;
    if (provisionalToleranceG !== undefined) {
      // Decided early before the restart: its full window confirms it within this swing.
      this.provisional[i] = 1;
      this.provisionalToleranceG[i] = provisionalToleranceG;
      this.movedOnTs[i] = NaN;
    }
  }

  /**
   * Was the plate away from idle (an item lifted or set down, a hand pressing) at any
   * moment in [from, to]? Its current activity and the last finished one count.
   */
  activeDuring(i: number, from: number, to: number): boolean {
    if (this.status[i] !== PLATE_IDLE && this.activeStartTs[i]! <= to) return true;
    return this.lastActiveFrom[i]! <= to && this.lastActiveTo[i]! >= from;
  }

  /** Plate i goes idle again at ts after an activity. */
  private toIdle(i: number, ts: number): void {
    this.busy--;
    this.status[i] = PLATE_IDLE;
    this.provisional[i] = 0;
    this.lastActiveFrom[i] = this.activeStartTs[i]!;
    this.lastActiveTo[i] = ts;
  }

  /** Accept the current level as the new baseline and return the plate to idle. */
  rezero(i: number): void {
    if (this.status[i] !== PLATE_IDLE) this.toIdle(i, this.lastTs[i]!);
    this.provisional[i] = 0;
    this.status[i] = PLATE_IDLE;
    const m = this.mean(i);
    if (!Number.isNaN(m)) this.baseline[i] = m;
  }

  push(i: number, grams: number | null, ts: number): void {
    if (grams === null || !Number.isFinite(grams)) {
      this.dropouts++;
      return;
    }
    this.lastTs[i] = ts;
    this.lastValue[i] = grams;
    if (this.hasOffset[i] === 0) {
      this.hasOffset[i] = 1;
      this.offset[i] = grams;
    }
    this.addToWindow(i, grams - this.offset[i]!);
    if (this.fill[i]! < this.w) return;
    if (this.hasOffset[i] === 1) {
      // The first full window sets the baseline: one sample would carry its noise into every event.
      this.hasOffset[i] = 2;
      if (this.keepBaseline[i] === 0) this.baseline[i] = this.mean(i);
    }
    this.step(i, grams, ts);
  }

  private addToWindow(i: number, v: number): void {
    const base = i * this.w;
    const p = this.pos[i]!;
    if (this.fill[i]! === this.w) {
      const old = this.ring[base + p]!;
      this.sum[i] = this.sum[i]! - old;
      this.sumSq[i] = this.sumSq[i]! - old * old;
    } else {
      this.fill[i] = this.fill[i]! + 1;
    }
    this.ring[base + p] = v;
    this.sum[i] = this.sum[i]! + v;
    this.sumSq[i] = this.sumSq[i]! + v * v;
    const next = p + 1 === this.w ? 0 : p + 1;
    this.pos[i] = next;
    // Running sums accumulate rounding error: recompute them once per lap.
    if (next === 0) {
      let s = 0;
      let s2 = 0;
      for (let k = 0; k < this.w; k++) {
        const x = this.ring[base + k]!;
        s += x;
        s2 += x * x;
      }
      this.sum[i] = s;
      this.sumSq[i] = s2;
    }
  }

  /** This plate's report threshold: its own idle wander can exceed the shelf's datasheet noise. */
  reportG(i: number): number {
    return Math.max(this.th.reportG, this.th.reportSigmas * Math.sqrt(this.wander[i]!));
  }

  private step(i: number, grams: number, ts: number): void {
    const th = this.th;
    const st = this.status[i]!;
    if (this.warmLeft[i]! > 0) {
      this.warmUp(i);
      return;
    }
    if (st !== PLATE_IDLE && grams < this.lowSinceActive[i]!) this.lowSinceActive[i] = grams;
    if (st === PLATE_ACTIVE && this.th.earlySamples > 0) this.calmRun[i] = this.earlyCalm(i) ? this.calmRun[i]! + 1 : 0;
    // A hand again on a plate decided early, beyond the swing the decision allowed for: what
    // it does is a new change, however small, not the early level's confirmation.
    if (this.provisional[i] === 1 && Math.abs(grams - this.baseline[i]!) > th.departG * this.noiseScale(i) + this.provisionalToleranceG[i]!) {
      this.provisionalToleranceG[i] = 0;
      if (Number.isNaN(this.movedOnTs[i]!)) this.movedOnTs[i] = ts;
    }
    const ref = st === PLATE_SETTLED ? this.settledLevel[i]! : this.baseline[i]!;
    if (st !== PLATE_ACTIVE && Math.abs(grams - ref) > th.departG * this.noiseScale(i)) {
      if (st === PLATE_IDLE) this.busy++;
      this.status[i] = PLATE_ACTIVE;
      // A settled plate touched again keeps its original start: one longer event.
      if (st === PLATE_IDLE) {
        this.activeStartTs[i] = ts;
        this.lowSinceActive[i] = grams;
        this.calmSince[i] = NaN;
        this.calmRun[i] = 0;
      }
      return;
    }
    // Idle plates only drift: checking them every few samples is enough and halves the cost.
    if (st === PLATE_IDLE && (this.pos[i]! & IDLE_CHECK_MASK) !== 0) return;
    if (!this.stable(i)) {
      this.calmSince[i] = NaN;
      return;
    }
    if (st === PLATE_ACTIVE) {
      if (!this.level(i)) {
        this.calmSince[i] = NaN;
        return;
      }
      if (Number.isNaN(this.calmSince[i]!)) this.calmSince[i] = ts;
      if (this.noiseScale(i) > NOISY_SCALE && ts - this.calmSince[i]! < th.windowMs) return;
    }
    const d = this.delta(i);
    if (st === PLATE_ACTIVE) {
      // A hand pressing smoothly can look stable at the top of its press: a real
      // take or put lasts longer than that, so an early calm is not the end.
      if (this.provisional[i] === 1 && Math.abs(d) <= this.provisionalToleranceG[i]!) {
        // The early decision allowed for this much swing: confirmed, at the better level.
        this.rezero(i);
      } else if (Math.abs(d) > this.reportG(i)) {
        if (ts - this.activeStartTs[i]! < th.minEventMs) return;
        this.status[i] = PLATE_SETTLED;
        this.settledTs[i] = ts;
        this.settledLevel[i] = this.mean(i);
      } else {
        // A touch, or an early decision confirmed: nothing moved. Keep the baseline (drift tracking absorbs the rest).
        this.toIdle(i, ts);
      }
    } else if (st === PLATE_IDLE) {
      const gain = Math.min(1, th.driftGain * (IDLE_CHECK_MASK + 1));
      this.wander[i] = this.wander[i]! + gain * (d * d - this.wander[i]!);
      const sd = this.std(i);
      this.sampleVar[i] = this.sampleVar[i]! + gain * (sd * sd - this.sampleVar[i]!);
      if (Math.abs(d) > this.reportG(i)) {
        // A gentle change that never crossed the depart threshold (a light hand
        // pressing smoothly, or a light item): active from now, so it must stay
        // put for minEventMs like any other reach before it counts.
        this.busy++;
        this.status[i] = PLATE_ACTIVE;
        this.activeStartTs[i] = ts;
        this.lowSinceActive[i] = Math.min(grams, this.mean(i));
        this.calmSince[i] = NaN;
        this.calmRun[i] = 0;
      } else {
        this.baseline[i] = this.baseline[i]! + gain * d;
      }
    }
  }

  /**
   * First `warmupSamples` after start: learn the level and how much this plate
   * wanders when nobody touches it (AiFi BENCHMARK-1 g3s2p8 swings +-8 g at 1.7 Hz),
   * reporting nothing.
   */
  private warmUp(i: number): void {
    const left = this.warmLeft[i]! - 1;
    this.warmLeft[i] = left;
    const n = this.th.warmupSamples - left;
    const d = this.delta(i);
    this.baseline[i] = this.baseline[i]! + d / n;
    this.wander[i] = this.wander[i]! + (d * d - this.wander[i]!) / n;
    const sd = this.std(i);
    this.sampleVar[i] = this.sampleVar[i]! + (sd * sd - this.sampleVar[i]!) / n;
  }
}
