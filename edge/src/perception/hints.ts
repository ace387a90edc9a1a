/**
 * Recent shelf-camera product hints, bounded, looked up by plate and time when a
 * shelf event settles.
 */
import type { ProductHints } from '@tebura/contract';

interface StoredHint {
  ts: number;
  plateIds: readonly string[];
  candidates: readonly { sku: string; score: number }[];
}

export class HintBuffer {
  private readonly ring: (StoredHint | undefined)[];
  private next = 0;

  constructor(private readonly hintsMax: number) {
    this.ring = new Array<StoredHint | undefined>(Math.max(1, hintsMax));
  }

  add(msg: ProductHints): void {
    this.ring[this.next] = { ts: msg.ts, plateIds: msg.plateIds, candidates: msg.candidates };
    this.next = (this.next + 1) % this.ring.length;
  }

  /** Best score per SKU among hints about any of these plates within [from, to]. */
  collect(plateIds: readonly string[], from: number, to: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const h of this.ring) {
      if (!h || h.ts < from || h.ts > to || !h.plateIds.some((p) => plateIds.includes(p))) continue;
      for (const c of h.candidates) out.set(c.sku, Math.max(out.get(c.sku) ?? 0, c.score));
    }
    return out;
  }
}
