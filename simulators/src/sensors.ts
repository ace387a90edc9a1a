/**
 * Cameras as a detector would see the floor: overhead person detections with
 * position noise, misses and track-label switches; shelf cameras that guess the
 * product a hand moved, sometimes wrongly.
 */
import { Prng, type Camera, type CameraDetections, type Envelope, type ProductHints, type StoreLayout } from '@tebura/contract';
import type { Scenario } from './scenario.js';
import type { Point } from './geometry.js';

export interface Visible {
  personId: string;
  pos: Point;
  /** Where a hand in a shelf is (over the plate it reaches into; z: height above the floor); absent when the hands are at the body. */
  hand?: Point & { z: number };
  /** The way the person faces, radians (towards the shelf they stand at, else the way they walk). */
  facing: number;
}

/** Wrists at rest hang beside the body, this far to either side of its centre, m. */
const IDLE_WRIST_SIDE_M = 0.2;
/** ... give or take this much (arm swing, posture), m. */
const IDLE_WRIST_SWAY_M = 0.05;
/** Height of a wrist at rest above the floor (hands by the hips), m. */
const IDLE_WRIST_HEIGHT_M = 0.85;

/** Switch a label with someone closer than this; otherwise the person gets a fresh label, m. */
const SWITCH_PARTNER_RADIUS_M = 1.5;
/** Hint candidates per message. */
const HINT_CANDIDATES = 3;

export class OverheadCamera {
  private readonly labels = new Map<string, string>();
  private nextLabel = 1;
  readonly missRate: number;
  readonly idSwitchRate: number;
  readonly noiseM: number;
  /** Pose model on board: wrist noise, m; null when the camera reports no hands. */
  readonly handNoiseM: number | null;
  readonly handMissRate: number;
  /** Its own stream, so adding hands leaves the body detections' noise as it was (set by the engine). */
  handPrng!: Prng;

  constructor(
    readonly cam: Camera,
    scenario: Scenario,
    private readonly prng: Prng,
  ) {
    this.missRate = scenario.faults.cameraMissRate ?? cam.missRate;
    this.idSwitchRate = scenario.faults.idSwitchRate ?? cam.idSwitchRate;
    this.noiseM = scenario.faults.positionNoiseM ?? cam.positionNoiseM;
    this.handNoiseM = cam.handNoiseM ?? null;
    this.handMissRate = cam.handMissRate ?? 0;
  }

  /**
   * Both wrists, each seen unless occluded: a reaching one over the shelf, the
   * other (or both) beside the body, to its sides across the way it faces.
   */
  private hands(p: Visible, sigma: number): { x: number; y: number; z: number }[] {
    const rng = this.handPrng;
    const out: { x: number; y: number; z: number }[] = [];
    const side = { x: Math.cos(p.facing + Math.PI / 2), y: Math.sin(p.facing + Math.PI / 2) };
    const wrists = p.hand === undefined ? [-1, 1] : [0, 1];
    for (const w of wrists) {
      const miss = rng.next() < this.handMissRate;
      const nx = rng.normal(0, sigma);
      const ny = rng.normal(0, sigma);
      const nz = rng.normal(0, sigma);
      if (miss) continue;
      if (w === 0) {
        out.push({ x: round3(p.hand!.x + nx), y: round3(p.hand!.y + ny), z: round3(p.hand!.z + nz) });
        continue;
      }
      const off = IDLE_WRIST_SIDE_M * w + rng.normal(0, IDLE_WRIST_SWAY_M);
      const z = IDLE_WRIST_HEIGHT_M + rng.normal(0, IDLE_WRIST_SWAY_M) + nz;
      out.push({ x: round3(p.pos.x + side.x * off + nx), y: round3(p.pos.y + side.y * off + ny), z: round3(z) });
    }
    return out;
  }

  private label(personId: string): string {
    let l = this.labels.get(personId);
    if (l === undefined) {
      l = `${this.cam.id}-t${this.nextLabel++}`;
      this.labels.set(personId, l);
    }
    return l;
  }

  frame(people: readonly Visible[]): Omit<CameraDetections, keyof Envelope> {
    const rng = this.prng;
    const r2 = this.cam.coverageRadiusM * this.cam.coverageRadiusM;
    const seen = people.filter((p) => (p.pos.x - this.cam.x) ** 2 + (p.pos.y - this.cam.y) ** 2 <= r2);
    const seenIds = new Set(seen.map((p) => p.personId));
    for (const id of [...this.labels.keys()]) if (!seenIds.has(id)) this.labels.delete(id);
    const detections: CameraDetections['detections'] = [];
    for (const p of seen) {
      if (this.idSwitchRate > 0 && rng.next() < this.idSwitchRate) this.switchLabel(p, seen);
      if (rng.next() < this.missRate) continue;
      detections.push({
        localId: this.label(p.personId),
        x: round3(p.pos.x + rng.normal(0, this.noiseM)),
        y: round3(p.pos.y + rng.normal(0, this.noiseM)),
        confidence: round3(0.55 + 0.44 * rng.next()),
        ...(this.handNoiseM !== null ? { hands: this.hands(p, this.handNoiseM) } : {}),
      });
      if (detections.length >= 256) break;
    }
    return { detections };
  }

  private switchLabel(p: Visible, seen: readonly Visible[]): void {
    const near = seen.filter((o) => o.personId !== p.personId && Math.hypot(o.pos.x - p.pos.x, o.pos.y - p.pos.y) < SWITCH_PARTNER_RADIUS_M);
    const a = this.label(p.personId);
    if (near.length > 0) {
      const o = near[Math.floor(this.prng.next() * near.length)]!;
      const b = this.label(o.personId);
      this.labels.set(p.personId, b);
      this.labels.set(o.personId, a);
    } else this.labels.set(p.personId, `${this.cam.id}-t${this.nextLabel++}`);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export class ShelfCamera {
  private readonly watched: Set<string>;
  readonly confusionRate: number;

  constructor(
    readonly cam: Camera,
    scenario: Scenario,
    private readonly store: StoreLayout,
    private readonly prng: Prng,
  ) {
    this.watched = new Set(cam.plateIds ?? []);
    this.confusionRate = scenario.faults.hintConfusionRate ?? cam.confusionRate ?? 0;
  }

  watches(plateIds: readonly string[]): boolean {
    return plateIds.some((p) => this.watched.has(p));
  }

  /** A hint for a hand that moved `sku` at these plates, or null when the camera missed it. */
  hint(plateIds: readonly string[], sku: string, neighbourSkus: readonly string[]): Omit<ProductHints, keyof Envelope> | null {
    const rng = this.prng;
    if (rng.next() < this.cam.missRate) return null;
    const others = [...new Set(neighbourSkus.filter((s) => s !== sku))];
    const pool = others.length > 0 ? others : this.store.products.map((p) => p.sku).filter((s) => s !== sku);
    const wrong: string[] = [];
    while (wrong.length < Math.min(HINT_CANDIDATES - 1, pool.length)) {
      const s = pool[Math.floor(rng.next() * pool.length)]!;
      if (!wrong.includes(s)) wrong.push(s);
    }
    const top = 0.55 + 0.4 * rng.next();
    const scores = [top, top * (0.2 + 0.5 * rng.next()), top * 0.1 * rng.next()];
    const confused = wrong.length > 0 && rng.next() < this.confusionRate;
    const order = confused ? [wrong[0]!, sku, ...wrong.slice(1)] : [sku, ...wrong];
    return {
      plateIds: plateIds.filter((p) => this.watched.has(p)).slice(0, 16),
      candidates: order.slice(0, HINT_CANDIDATES).map((s, i) => ({ sku: s, score: round3(scores[i] ?? 0) })),
    };
  }
}
