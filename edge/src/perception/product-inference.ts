/**
 * Which (SKU, count) combination explains a shelf event's weight change.
 *
 * Bayesian: likelihood of |delta| under each hypothesis is normal with mean
 * sum(k_i * mu_i) and variance sum(k_i * sigma_i^2) + sensor noise^2 +
 * (scale error * |delta|)^2; priors prefer SKUs planned on the event's plates
 * (then neighbours, then the rest of the store: wrong-plate put-backs), small
 * counts, single SKUs, and for put-backs SKUs in the shopper's cart. Camera hints
 * multiply in. The posterior of the best hypothesis is the confidence; an
 * "unknown" hypothesis with a flat density keeps it honest when nothing fits.
 */
import type { StoreLayout } from '@tebura/contract';
import type { HintFactor } from './hints.js';
import type { PerceptionTuning } from './tuning.js';

export interface SkuCount {
  sku: string;
  count: number;
}

export interface Hypothesis {
  /** Empty = unknown: no product combination explains the change. */
  items: SkuCount[];
  probability: number;
}

export interface InferenceInput {
  /** Signed total change in grams; negative = pick. */
  deltaG: number;
  plateIds: string[];
  /** Change per plate (same order as plateIds), for the location prior of spread items. */
  plateDeltasG?: readonly number[];
  /** Sensor-noise standard deviation of deltaG. */
  noiseG: number;
  /** Camera hints for these plates: likelihood factor per SKU, or per pair of SKUs (see HintBuffer.collect). */
  hintFactor?: HintFactor;
  /** Put-backs: what the shopper holds (sku -> count). */
  cart?: ReadonlyMap<string, number>;
  /**
   * Put-backs: the last pick on these plates (its items), and how far the plates now
   * are from their level before it, grams (fusion.ts returnOf). Near zero, the
   * same units came back.
   */
  returnOf?: { items: readonly SkuCount[]; residualG: number };
}

interface ProductModel {
  sku: string;
  mean: number;
  variance: number;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Normal density at `z` from the mean, for variance `v`. */
function normalPdf(z: number, v: number): number {
  return Math.exp((-z * z) / (2 * v)) / (SQRT_2PI * Math.sqrt(v));
}
/** Hypotheses returned to callers (for review evidence). */
export const HYPOTHESES_RETURNED_MAX = 5;
/**
 * A SKU's weight in the cart prior when the shopper holds none of it (put-backs):
 * only a pick the edge missed puts it there, about 1 % of items (0.1 sent
 * 11-busy-hour's tissues, put back beside the canned coffee, to review at 0.58
 * coffee, and the next shopper taking them from there was charged a coffee).
 */
const NOT_IN_CART_PRIOR = 0.01;
/**
 * A put-back of what the plate's last pick took (the same SKU and count): how
 * likely it is those very units, whose weight the plate already measured, rather
 * than others of the SKU the shopper holds. Most are; the measured weight is
 * sharper than the catalogue's spread, so this weighs only when the level fits.
 */
const SAME_UNITS_PRIOR = 0.5;
/** Drift and baseline tracking between the pick and its return, grams (one sigma). */
const SAME_UNITS_FLOOR_G = 1;
/** Plates with misplaced units remembered. */
export const MISPLACED_PLATES_MAX = 1024;
/**
 * Planned on a plate adjacent to the event (item nudged or spread across); units
 * put back there by mistake are known (misplaced). 0.05 let a hint camera that
 * confuses 10 % of its hints outweigh the plate (07 seed 101).
 */
const NEIGHBOUR_PLAN_PRIOR = 0.02;
/** ... unless the change covers more plates than that SKU's facing rests on. */
const WIDER_THAN_FACING_PRIOR = 0.1;
/**
 * Units taken in one reach: mostly one (P(2) ~ 0.1, each further unit ~ 1/3 as
 * likely); relative weights, 1 unit = 1.
 */
const MULTI_UNIT_PRIOR = 0.12;
const EXTRA_UNIT_PRIOR = 0.35;
export const countPrior = (k: number): number => (k <= 1 ? 1 : MULTI_UNIT_PRIOR * EXTRA_UNIT_PRIOR ** (k - 2));

export class ProductInference {
  private readonly products: ProductModel[];
  private readonly bySku = new Map<string, ProductModel>();
  /** plateId -> SKUs planned there. */
  private readonly plan = new Map<string, string[]>();
  /** plateId -> units of SKUs put back there though planned elsewhere (they may be picked again there). */
  private readonly misplaced = new Map<string, Map<string, number>>();
  /** plateId -> adjacent plate ids on the same shelf. */
  private readonly neighbours = new Map<string, string[]>();
  private readonly maxUnitG: number;
  /** Plates a SKU's widest facing rests on. */
  private readonly facingWidth = new Map<string, number>();

  constructor(
    layout: StoreLayout,
    private readonly tuning: PerceptionTuning,
  ) {
    this.products = layout.products.map((p) => ({ sku: p.sku, mean: p.unitWeightG.mean, variance: p.unitWeightG.sigma ** 2 }));
    for (const p of this.products) this.bySku.set(p.sku, p);
    for (const e of layout.planogram) {
      this.facingWidth.set(e.sku, Math.max(this.facingWidth.get(e.sku) ?? 0, e.plateIds.length));
      for (const pid of e.plateIds) {
        const list = this.plan.get(pid) ?? [];
        if (!list.includes(e.sku)) list.push(e.sku);
        this.plan.set(pid, list);
      }
    }
    for (const g of layout.gondolas) {
      for (const sh of g.shelves) {
        sh.plates.forEach((pl, i) => {
          const n: string[] = [];
          if (i > 0) n.push(sh.plates[i - 1]!.id);
          if (i + 1 < sh.plates.length) n.push(sh.plates[i + 1]!.id);
          this.neighbours.set(pl.id, n);
        });
      }
    }
    this.maxUnitG = Math.max(...this.products.map((p) => p.mean));
  }

  /**
   * Location prior per SKU for an event on these plates. An item spread over
   * plates weighs most where it lies, so a SKU's share is the fraction of the
   * change on plates where it is planned, squared to favour the item's centre
   * (AiFi: a 105 g bag over plates 3-5 is the SKU planned on 4-6, not on 1-3).
   */
  private locationPriors(plateIds: string[], plateWeights: readonly number[] | undefined, putBack: boolean): Map<string, number> {
    const share = new Map<string, number>();
    const nearPlan = new Set<string>();
    const totalW = plateWeights?.reduce((a, w) => a + Math.abs(w), 0) ?? 0;
    plateIds.forEach((pid, i) => {
      const w = totalW > 0 ? Math.abs(plateWeights![i] ?? 0) / totalW : 1 / plateIds.length;
      for (const s of this.skusAt(pid)) share.set(s, (share.get(s) ?? 0) + w);
      for (const n of this.neighbours.get(pid) ?? []) for (const s of this.plan.get(n) ?? []) nearPlan.add(s);
    });
    const t = this.tuning;
    const offMass = putBack ? t.offPlanPriorPutBack : t.offPlanPriorPick;
    const offCount = Math.max(1, this.products.length - share.size);
    let shareSum = 0;
    for (const v of share.values()) shareSum += v * v;
    const priors = new Map<string, number>();
    let planMax = 0;
    for (const [sku, v] of share) {
      const prior = ((1 - offMass) * v * v) / shareSum;
      priors.set(sku, prior);
      planMax = Math.max(planMax, prior);
    }
    for (const p of this.products) {
      if (priors.has(p.sku)) continue;
      const off = offMass / offCount;
      const near = planMax * NEIGHBOUR_PLAN_PRIOR * (plateIds.length > (this.facingWidth.get(p.sku) ?? 1) ? WIDER_THAN_FACING_PRIOR : 1);
      priors.set(p.sku, nearPlan.has(p.sku) ? Math.max(off, near) : off);
    }
    return priors;
  }

  /** Expected on one of these plates (planned, or known to lie there). */
  private plannedOn(plateIds: readonly string[], sku: string): boolean {
    return plateIds.some((pid) => this.skusAt(pid).includes(sku));
  }

  /** SKUs in the cart that are not expected on these plates. */
  private heldElsewhere(plateIds: readonly string[], cart: ReadonlyMap<string, number>): number {
    let n = 0;
    for (const [sku, count] of cart) if (count > 0 && !this.plannedOn(plateIds, sku)) n++;
    return n;
  }

  /** SKUs expected on a plate: its plan plus units known to have been put back there by mistake. */
  skusAt(plateId: string): string[] {
    const planned = this.plan.get(plateId) ?? [];
    const extra = this.misplaced.get(plateId);
    if (!extra || extra.size === 0) return planned;
    return [...new Set([...planned, ...extra.keys()])];
  }

  /**
   * Records that units of a SKU were put on (n > 0) or taken from (n < 0) a plate
   * where it is not planned. Bounded: beyond MISPLACED_PLATES_MAX plates the
   * oldest plate's record is dropped.
   */
  noteMisplaced(plateId: string, sku: string, n: number): void {
    if ((this.plan.get(plateId) ?? []).includes(sku)) return;
    const m = this.misplaced.get(plateId) ?? new Map<string, number>();
    const left = (m.get(sku) ?? 0) + n;
    if (left > 0) m.set(sku, left);
    else m.delete(sku);
    if (m.size === 0) this.misplaced.delete(plateId);
    else {
      if (!this.misplaced.has(plateId) && this.misplaced.size >= MISPLACED_PLATES_MAX) {
        const oldest = this.misplaced.keys().next().value;
        if (oldest !== undefined) this.misplaced.delete(oldest);
      }
      this.misplaced.set(plateId, m);
    }
  }

  /** Misplaced units as [plateId, sku, count] rows (for the perception snapshot). */
  misplacedRows(): [string, string, number][] {
    const rows: [string, string, number][] = [];
    for (const [plateId, m] of this.misplaced) for (const [sku, n] of m) rows.push([plateId, sku, n]);
    return rows;
  }

  restoreMisplaced(rows: readonly (readonly [string, string, number])[]): void {
    this.misplaced.clear();
    for (const [plateId, sku, n] of rows) this.noteMisplaced(plateId, sku, n);
  }

  infer(input: InferenceInput): Hypothesis[] {
    return this.inferWithEvidence(input).hypotheses;
  }

  /** Hypotheses plus the evidence (total unnormalised weight): compares one change under different priors (carts). */
  inferWithEvidence(input: InferenceInput): { hypotheses: Hypothesis[]; evidence: number } {
    const t = this.tuning;
    const putBack = input.deltaG > 0;
    const absG = Math.abs(input.deltaG);
    const baseVar = input.noiseG ** 2 + (t.scaleErrorFraction * absG) ** 2;
    const loc = this.locationPriors(input.plateIds, input.plateDeltasG, putBack);
    // A put-back onto a plate where it does not belong is one of the shopper's own
    // items: the off-plan mass goes to what they hold, not to every product alike.
    const cartOffPlan = putBack && input.cart ? this.heldElsewhere(input.plateIds, input.cart) : 0;
    // Where it lies and what the shopper holds; the camera hints multiply in once per hypothesis.
    const placePrior = (sku: string): number => {
      let prior = loc.get(sku) ?? 0;
      if (putBack && input.cart) {
        const held = (input.cart.get(sku) ?? 0) > 0;
        if (held && cartOffPlan > 0 && !this.plannedOn(input.plateIds, sku)) prior = Math.max(prior, t.offPlanPriorPutBack / cartOffPlan);
        prior *= held ? 1 : NOT_IN_CART_PRIOR;
      }
      return prior;
    };
    const hint = input.hintFactor ?? ((): number => 1);
    const skuPrior = (sku: string): number => placePrior(sku) * hint(sku);
    const density = (mean: number, variance: number): number => normalPdf(absG - mean, variance + baseVar);
    const returned = putBack && input.returnOf?.items.length === 1 ? input.returnOf : undefined;
    const back = returned?.items[0];
    // Those very units: the plate measured them, so only the sensor noise and drift remain (no catalogue spread, no scale error).
    const sameUnits = returned ? normalPdf(returned.residualG, input.noiseG ** 2 + SAME_UNITS_FLOOR_G ** 2) : 0;
    const scored: { items: SkuCount[]; w: number }[] = [];
    for (const p of this.products) {
      const prior = skuPrior(p.sku);
      if (prior <= 0) continue;
      const k0 = Math.round(absG / p.mean);
      // The returned count is scored even when the level is far from it (a unit far off the catalogue).
      const kBack = back?.sku === p.sku ? back.count : 0;
      const kLo = kBack > 0 ? Math.min(k0 - 1, kBack) : k0 - 1;
      const kHi = kBack > 0 ? Math.max(k0 + 1, kBack) : k0 + 1;
      for (let k = Math.max(1, kLo); k <= Math.min(t.countMax, kHi); k++) {
        let likelihood = density(k * p.mean, k * p.variance);
        if (k === kBack) likelihood = (1 - SAME_UNITS_PRIOR) * likelihood + SAME_UNITS_PRIOR * sameUnits;
        const w = prior * countPrior(k) * likelihood;
        if (w > 0) scored.push({ items: [{ sku: p.sku, count: k }], w });
      }
    }
    this.scorePairs(input, absG, (a, b) => placePrior(a) * placePrior(b) * hint(a, b), density, scored);
    // Flat density over the range of plausible loads.
    const rangeG = t.countMax * this.maxUnitG + absG;
    scored.push({ items: [], w: t.unknownPrior / rangeG });
    const total = scored.reduce((s, h) => s + h.w, 0);
    scored.sort((x, y) => y.w - x.w);
    return { hypotheses: scored.slice(0, HYPOTHESES_RETURNED_MAX).map((h) => ({ items: h.items, probability: total > 0 ? h.w / total : 0 })), evidence: total };
  }

  /** Unit weight of the lightest SKU planned on these plates or their neighbours (Infinity if none). */
  lightestNear(plateIds: readonly string[]): number {
    let w = Infinity;
    for (const pid of plateIds) {
      for (const q of [pid, ...(this.neighbours.get(pid) ?? [])]) {
        for (const sku of this.skusAt(q)) w = Math.min(w, this.bySku.get(sku)?.mean ?? Infinity);
      }
    }
    return w;
  }

  /** What these items weigh together, grams (NaN for an unknown SKU). */
  weightOf(items: readonly SkuCount[]): number {
    let mean = 0;
    for (const it of items) mean += it.count * (this.bySku.get(it.sku)?.mean ?? NaN);
    return mean;
  }

  /** How many standard deviations the change is from what these items weigh. */
  fitZ(items: readonly SkuCount[], deltaG: number, noiseG: number): number {
    const absG = Math.abs(deltaG);
    let mean = 0;
    let v = noiseG ** 2 + (this.tuning.scaleErrorFraction * absG) ** 2;
    for (const it of items) {
      const m = this.bySku.get(it.sku);
      if (!m) return Infinity;
      mean += it.count * m.mean;
      v += it.count * m.variance;
    }
    return Math.abs(absG - mean) / Math.sqrt(v);
  }

  /**
   * Splits adjacent plates into runs planned for different facings (plates with no
   * plan join their left neighbour's run). One run: the plates form one facing.
   */
  facingRuns(plateIds: readonly string[]): number[][] {
    const runs: number[][] = [];
    let lastKey: string | null = null;
    plateIds.forEach((pid, i) => {
      const skus = this.plan.get(pid);
      const key = skus && skus.length > 0 ? skus.join('|') : lastKey;
      if (runs.length === 0 || key !== lastKey) runs.push([i]);
      else runs[runs.length - 1]!.push(i);
      lastKey = key;
    });
    return runs;
  }

  /** Two different SKUs in one event: only among SKUs planned on or beside the plates. */
  private scorePairs(
    input: InferenceInput,
    absG: number,
    pairPrior: (a: string, b: string) => number,
    density: (mean: number, variance: number) => number,
    out: { items: SkuCount[]; w: number }[],
  ): void {
    const local = new Set<string>();
    for (const pid of input.plateIds) {
      for (const s of this.skusAt(pid)) local.add(s);
      for (const n of this.neighbours.get(pid) ?? []) for (const s of this.plan.get(n) ?? []) local.add(s);
    }
    const models = [...local].map((s) => this.bySku.get(s)).filter((m): m is ProductModel => m !== undefined);
    const kMax = this.tuning.countMax;
    for (let i = 0; i < models.length; i++) {
      for (let j = i + 1; j < models.length; j++) {
        const a = models[i]!;
        const b = models[j]!;
        const prior = this.tuning.pairPrior * pairPrior(a.sku, b.sku) * models.length;
        for (let ka = 1; ka < kMax; ka++) {
          if (ka * a.mean > absG * 1.5) break;
          for (let kb = 1; ka + kb <= kMax; kb++) {
            const mean = ka * a.mean + kb * b.mean;
            if (mean > absG * 1.5) break;
            const w = prior * countPrior(ka + kb) * density(mean, ka * a.variance + kb * b.variance);
            if (w > 0) out.push({ items: [{ sku: a.sku, count: ka }, { sku: b.sku, count: kb }], w });
          }
        }
      }
    }
  }
}
