/**
 * Groups consecutive samples into packets of `samplesPerMsg` per plate. The
 * controller's sample counter keeps the timeline honest: a small gap inside a
 * packet is filled with nulls (dropouts), so sample k is still at ts + k * interval;
 * a gap that does not fit, or a counter that went back (controller reboot),
 * closes the packet and starts a new one at the new sample.
 */
import type { LoadCellSample } from './loadcell-driver.js';

export interface WeightBatch {
  /** Time of sample 0, epoch ms. */
  tsMs: number;
  readings: { plateId: string; grams: (number | null)[] }[];
}

export interface BatcherCounters {
  /** Samples the counter says were never received (filled with null or skipped). */
  samplesMissing: number;
  /** Packets closed early by a counter gap or reset. */
  batchesCut: number;
}

const U32_HALF = 0x80000000;

export class SampleBatcher {
  readonly counters: BatcherCounters = { samplesMissing: 0, batchesCut: 0 };
  private readonly plateIds: readonly string[];
  private readonly samplesPerMsg: number;
  private readonly onBatch: (b: WeightBatch) => void;
  private startCounter = 0;
  private tsMs = 0;
  private columns: (number | null)[][] = [];
  private length = 0;

  constructor(plateIds: readonly string[], samplesPerMsg: number, onBatch: (b: WeightBatch) => void) {
    this.plateIds = plateIds;
    this.samplesPerMsg = samplesPerMsg;
    this.onBatch = onBatch;
  }

  add(s: LoadCellSample): void {
    if (s.grams.length !== this.plateIds.length) throw new Error(`sample has ${s.grams.length} plates, expected ${this.plateIds.length}`);
    if (this.length > 0) {
      const gap = (s.counter - ((this.startCounter + this.length) >>> 0)) >>> 0;
      if (gap > 0 && gap < U32_HALF && this.length + gap < this.samplesPerMsg) {
        this.counters.samplesMissing += gap;
        for (const col of this.columns) for (let k = 0; k < gap; k++) col.push(null);
        this.length += gap;
      } else if (gap !== 0) {
        if (gap < U32_HALF) this.counters.samplesMissing += gap;
        this.counters.batchesCut++;
        this.flush();
      }
    }
    if (this.length === 0) {
      this.startCounter = s.counter;
      this.tsMs = s.receivedAtMs;
      this.columns = this.plateIds.map(() => []);
    }
    s.grams.forEach((g, i) => this.columns[i]?.push(g));
    this.length++;
    if (this.length >= this.samplesPerMsg) this.flush();
  }

  /** Emits the partial packet, if any (on stop, or when cut). */
  flush(): void {
    if (this.length === 0) return;
    const readings = this.plateIds.map((plateId, i) => ({ plateId, grams: this.columns[i] ?? [] }));
    const batch = { tsMs: this.tsMs, readings };
    this.length = 0;
    this.columns = [];
    this.onBatch(batch);
  }
}
