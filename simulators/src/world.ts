/**
 * The shelves as physics: every unit on a plate has its own true weight (drawn
 * once from the product's distribution), so a put-back restores exactly what was
 * taken. A load cell reads tare + items + hand/settling transients + drift + noise,
 * with occasional dropped samples.
 */
import { Prng, type LoadCellWeight, type PlanogramEntry, type Shelf, type StoreLayout } from '@tebura/contract';
import type { Scenario } from './scenario.js';

export interface Placement {
  plateId: string;
  fraction: number;
}

export interface Item {
  id: string;
  sku: string;
  weightG: number;
  placement: Placement[];
}

export interface Facing {
  index: number;
  entry: PlanogramEntry;
  shelfIndex: number;
  items: Item[];
}

interface Transient {
  t0: number;
  kind: 'press' | 'settle';
  ampG: number;
  durationMs: number;
  freqHz: number;
}

export interface PlateState {
  id: string;
  tareG: number;
  /** (time, item load) steps, sorted by time; pruned as time passes. */
  steps: { t: number; loadG: number }[];
  transients: Transient[];
  driftGPerMs: number;
  dropLeft: number;
}

/** Transients older than this no longer affect a reading, ms. */
const TRANSIENT_HORIZON_MS = 3000;
/** Duration of the hand pressing on a plate before the weight changes, ms. */
export const REACH_MS = 600;
/** The hand is still over the shelf this long after the reach, coming back out, ms. */
export const HAND_TAIL_MS = 200;
/** Longest burst of dropped samples. */
const DROPOUT_BURST_SAMPLES_MAX = 6;

export class World {
  readonly plates = new Map<string, PlateState>();
  readonly facings: Facing[] = [];
  private readonly noisePrng: Prng;
  private readonly skuOfPlate = new Map<string, Facing>();

  constructor(
    readonly store: StoreLayout,
    private readonly scenario: Scenario,
    prng: Prng,
    private readonly startMs: number,
  ) {
    this.noisePrng = prng.fork('noise');
    const setup = prng.fork('setup');
    for (const g of store.gondolas) {
      for (const sh of g.shelves) {
        const drift = sh.loadCell.driftGPerMin * scenario.faults.driftScale;
        for (const p of sh.plates) {
          const driftGPerMin = drift * (0.5 + setup.next()) * (setup.next() < 0.5 ? -1 : 1);
          this.plates.set(p.id, { id: p.id, tareG: Math.round(800 + setup.next() * 1600), steps: [{ t: startMs, loadG: 0 }], transients: [], driftGPerMs: driftGPerMin / 60_000, dropLeft: 0 });
        }
      }
    }
    const shelfOfPlate = new Map<string, number>();
    this.shelves().forEach((sh, i) => sh.plates.forEach((p) => shelfOfPlate.set(p.id, i)));
    const weights = new Map(store.products.map((p) => [p.sku, p.unitWeightG]));
    store.planogram.forEach((entry, index) => {
      const facing: Facing = { index, entry, shelfIndex: shelfOfPlate.get(entry.plateIds[0]!) ?? 0, items: [] };
      const w = weights.get(entry.sku) ?? { mean: 100, sigma: 0 };
      for (let k = 0; k < entry.stock; k++) {
        const weightG = Math.max(1, setup.normal(w.mean, w.sigma));
        // A unit wider than one plate rests unevenly on its plates.
        const split = entry.plateIds.length === 1 ? [1] : splitFractions(entry.plateIds.length, setup);
        const item: Item = { id: `i${index}-${k}`, sku: entry.sku, weightG, placement: entry.plateIds.map((plateId, j) => ({ plateId, fraction: split[j]! })) };
        facing.items.push(item);
        this.addLoad(item, 1, startMs);
      }
      this.facings.push(facing);
      for (const pid of entry.plateIds) this.skuOfPlate.set(pid, facing);
    });
  }

  shelves(): Shelf[] {
    return this.store.gondolas.flatMap((g) => g.shelves);
  }

  facingOfPlate(plateId: string): Facing | undefined {
    return this.skuOfPlate.get(plateId);
  }

  private addLoad(item: Item, sign: 1 | -1, t: number): { plateId: string; deltaG: number }[] {
    return item.placement.map(({ plateId, fraction }) => {
      const plate = this.plates.get(plateId);
      const deltaG = sign * item.weightG * fraction;
      if (plate !== undefined) {
        const last = plate.steps[plate.steps.length - 1]!;
        const loadG = loadAt(plate.steps, t) + deltaG;
        if (t >= last.t) plate.steps.push({ t, loadG });
        else {
          // A step before the last one (two hands on one plate): shift later steps too.
          for (const s of plate.steps) if (s.t >= t) s.loadG += deltaG;
          plate.steps.push({ t, loadG });
          plate.steps.sort((a, b) => a.t - b.t);
        }
      }
      return { plateId, deltaG };
    });
  }

  /** A hand reaches at `t`; the weight changes REACH_MS later. Returns per-plate deltas. */
  touch(item: Item, sign: 1 | -1, t: number, prng: Prng): { plateId: string; deltaG: number }[] {
    const tStep = t + REACH_MS;
    for (const { plateId } of item.placement) {
      const plate = this.plates.get(plateId);
      if (plate === undefined) continue;
      plate.transients.push({ t0: t, kind: 'press', ampG: 15 + prng.next() * 60, durationMs: REACH_MS, freqHz: 0 });
      plate.transients.push({ t0: tStep, kind: 'settle', ampG: 5 + Math.min(150, item.weightG * 0.25), durationMs: TRANSIENT_HORIZON_MS, freqHz: 2 + prng.next() * 2 });
    }
    return this.addLoad(item, sign, tStep);
  }

  /** Removes the front unit of a facing (whatever it really is: a misplaced unit included). */
  take(facing: Facing): Item | undefined {
    return facing.items.pop();
  }

  /** Places a unit back on a facing; on a facing of another width it rests on that facing's first plate. */
  place(item: Item, facing: Facing, prng: Prng): void {
    const ids = facing.entry.plateIds;
    if (item.sku === facing.entry.sku || ids.length === 1) {
      const split = ids.length === 1 ? [1] : splitFractions(ids.length, prng);
      item.placement = ids.map((plateId, j) => ({ plateId, fraction: split[j]! }));
    } else item.placement = [{ plateId: ids[0]!, fraction: 1 }];
    facing.items.push(item);
  }

  /** One controller packet: samples at ts + k * interval for every plate of the shelf. */
  packet(shelf: Shelf, ts: number): Omit<LoadCellWeight, keyof import('@tebura/contract').Envelope> {
    const { sampleRateHz, samplesPerMsg, noiseSigmaG } = shelf.loadCell;
    const intervalMs = 1000 / sampleRateHz;
    const sigma = noiseSigmaG * this.scenario.faults.weightNoiseScale;
    const dropoutRate = this.scenario.faults.dropoutRate;
    const rng = this.noisePrng;
    const readings = shelf.plates.map((p) => {
      const plate = this.plates.get(p.id)!;
      const grams: (number | null)[] = new Array<number | null>(samplesPerMsg);
      for (let k = 0; k < samplesPerMsg; k++) {
        const t = ts + k * intervalMs;
        if (plate.dropLeft > 0 || (dropoutRate > 0 && rng.next() < dropoutRate)) {
          plate.dropLeft = plate.dropLeft > 0 ? plate.dropLeft - 1 : Math.floor(rng.next() * DROPOUT_BURST_SAMPLES_MAX);
          grams[k] = null;
          continue;
        }
        let g = plate.tareG + loadAt(plate.steps, t) + plate.driftGPerMs * (t - this.startMs);
        if (plate.transients.length > 0) g += transientsAt(plate.transients, t);
        if (sigma > 0) g += rng.normal(0, sigma);
        grams[k] = Math.round(g * 10) / 10;
      }
      prune(plate, ts);
      return { plateId: p.id, grams };
    });
    return { sampleIntervalMs: intervalMs, readings };
  }
}

function splitFractions(n: number, prng: Prng): number[] {
  const raw = Array.from({ length: n }, () => 0.6 + prng.next() * 0.8);
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => r / sum);
}

function loadAt(steps: { t: number; loadG: number }[], t: number): number {
  for (let i = steps.length - 1; i >= 0; i--) if (steps[i]!.t <= t) return steps[i]!.loadG;
  return steps[0]?.loadG ?? 0;
}

function transientsAt(ts: Transient[], t: number): number {
  let g = 0;
  for (const tr of ts) {
    const dt = t - tr.t0;
    if (dt < 0 || dt > tr.durationMs) continue;
    if (tr.kind === 'press') g += tr.ampG * Math.sin((Math.PI * dt) / tr.durationMs);
    else g += tr.ampG * Math.exp(-dt / 400) * Math.sin((2 * Math.PI * tr.freqHz * dt) / 1000);
  }
  return g;
}

/** Drops steps and transients no future sample can see (samples only move forward). */
function prune(plate: PlateState, ts: number): void {
  while (plate.steps.length > 1 && plate.steps[1]!.t <= ts) plate.steps.shift();
  if (plate.transients.length > 0) plate.transients = plate.transients.filter((tr) => tr.t0 + tr.durationMs >= ts);
}
