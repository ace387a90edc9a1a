/**
 * Recent shelf-camera product hints, bounded, looked up by plate and time when a
 * shelf event settles, and turned into a likelihood per SKU that trusts the hint
 * only as far as its camera's declared confusion rate.
 */
import type { ProductHints, StoreLayout } from '@tebura/contract';

interface StoredHint {
  ts: number;
  deviceId: string;
  plateIds: readonly string[];
  /** Best first. */
  skus: readonly string[];
}

/** Confusion assumed for a hint camera the layout does not describe. */
export const HINT_CONFUSION_DEFAULT = 0.1;
/** Hints are never trusted beyond this, nor ignored below it. */
const CONFUSION_MIN = 0.01;
const CONFUSION_MAX = 0.5;
/** When the top hint is wrong, the truth is usually the runner-up. */
const RUNNER_UP_SHARE = 0.8;
/** Likelihood share of a SKU the hint did not list at all (relative to a wrong top). */
const UNLISTED_SHARE = 0.05;

/**
 * Likelihood factor of the hints for one SKU, or for two SKUs taken in one reach:
 * a camera names what it saw in the hand, so each hint is then right if it names
 * either (11 seed 202: two beers and a misplaced cup noodle drew one hint each,
 * and scoring every hint against both SKUs sank the pair below "unknown").
 */
export type HintFactor = (sku: string, other?: string) => number;

/** One hint's likelihood of naming `sku` as it did, for a camera confusing `c` of its hints. */
function hintLikelihood(h: StoredHint, c: number, sku: string): number {
  const rank = h.skus.indexOf(sku);
  if (rank === 0) return 1 - c;
  if (rank === 1) return c * RUNNER_UP_SHARE;
  if (rank > 1) return (c * (1 - RUNNER_UP_SHARE)) / (h.skus.length - 2);
  return c * UNLISTED_SHARE;
}

export class HintBuffer {
  private readonly ring: (StoredHint | undefined)[];
  private next = 0;
  private readonly confusion = new Map<string, number>();

  constructor(hintsMax: number, cameras: StoreLayout['cameras'] = []) {
    this.ring = new Array<StoredHint | undefined>(Math.max(1, hintsMax));
    for (const c of cameras) if (c.confusionRate !== undefined) this.confusion.set(c.id, c.confusionRate);
  }

  add(msg: ProductHints): void {
    const skus = [...msg.candidates].sort((a, b) => b.score - a.score).map((c) => c.sku);
    this.ring[this.next] = { ts: msg.ts, deviceId: msg.deviceId, plateIds: msg.plateIds, skus };
    this.next = (this.next + 1) % this.ring.length;
  }

  /**
   * Likelihood factor per SKU from hints about any of these plates within
   * [from, to] (independent hints multiply), or undefined when there are none.
   */
  collect(plateIds: readonly string[], from: number, to: number): HintFactor | undefined {
    const hints = this.ring.filter((h): h is StoredHint => h !== undefined && h.ts >= from && h.ts <= to && h.plateIds.some((p) => plateIds.includes(p)));
    if (hints.length === 0) return undefined;
    return (sku: string, other?: string) => {
      let f = 1;
      for (const h of hints) {
        const c = Math.min(CONFUSION_MAX, Math.max(CONFUSION_MIN, this.confusion.get(h.deviceId) ?? HINT_CONFUSION_DEFAULT));
        f *= other === undefined ? hintLikelihood(h, c, sku) : Math.max(hintLikelihood(h, c, sku), hintLikelihood(h, c, other));
      }
      return f;
    };
  }
}
