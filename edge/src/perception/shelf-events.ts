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
import { PLATE_ACTIVE, PLATE_IDLE, ShelfPlates } from './plate-filter.js';
import { plateThresholds, type PerceptionTuning } from './tuning.js';

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
  trace: { plateId: string; ts: number; grams: number }[];
}

export class ShelfEventDetector {
  readonly shelf: Shelf;
  readonly plates: ShelfPlates;
  private readonly tuning: PerceptionTuning;
  private readonly plateIndex = new Map<string, number>();
  private readonly scratchIdx = new Int32Array(64);
  unknownPlates = 0;
  /** Settled changes too small to be an item. */
  smallChanges = 0;

  constructor(shelf: Shelf, tuning: PerceptionTuning) {
    this.shelf = shelf;
    this.tuning = tuning;
    this.plates = new ShelfPlates(shelf.plates.length, plateThresholds(shelf.loadCell, tuning));
    shelf.plates.forEach((p, i) => this.plateIndex.set(p.id, i));
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
      let j = i;
      let anyActive = false;
      while (j < p.count && p.status[j] !== PLATE_IDLE) {
        if (p.status[j] === PLATE_ACTIVE) anyActive = true;
        j++;
      }
      if (!anyActive) this.emitRun(i, j, out);
      else this.expireStale(i, j, ts);
      i = j;
    }
  }

  /** Bound an event's length: a plate busy for too long is accepted as it is now. */
  private expireStale(a: number, b: number, ts: number): void {
    const p = this.plates;
    for (let i = a; i < b; i++) {
      if (p.status[i] === PLATE_ACTIVE && ts - p.activeStartTs[i]! > this.tuning.activeMaxMs) p.rezero(i);
    }
  }

  private emitRun(a: number, b: number, out: ShelfEvent[]): void {
    const p = this.plates;
    let maxAbs = 0;
    for (let i = a; i < b; i++) maxAbs = Math.max(maxAbs, Math.abs(p.delta(i)));
    const floor = maxAbs * this.tuning.crosstalkFraction;
    let group: number[] = [];
    let sign = 0;
    const flush = (): void => {
      if (group.length > 0) {
        const e = this.makeEvent(group);
        if (Math.abs(e.deltaG) >= this.tuning.eventMinG) out.push(e);
        else this.smallChanges++;
      }
      group = [];
    };
    for (let i = a; i < b; i++) {
      const d = p.delta(i);
      if (Math.abs(d) < floor) {
        flush();
        continue;
      }
      const s = Math.sign(d);
      if (s !== sign) flush();
      sign = s;
      group.push(i);
    }
    flush();
    for (let i = a; i < b; i++) p.rezero(i);
  }

  private makeEvent(idx: number[]): ShelfEvent {
    const p = this.plates;
    const plateIds = idx.map((i) => this.shelf.plates[i]!.id);
    const plateDeltasG = idx.map((i) => p.delta(i));
    const deltaG = plateDeltasG.reduce((s, d) => s + d, 0);
    const startTs = Math.min(...idx.map((i) => p.activeStartTs[i]!));
    const endTs = Math.max(...idx.map((i) => p.settledTs[i]!));
    const trace: ShelfEvent['trace'] = [];
    for (const i of idx) {
      const plateId = this.shelf.plates[i]!.id;
      trace.push({ plateId, ts: p.activeStartTs[i]!, grams: p.baseline[i]! });
      trace.push({ plateId, ts: p.settledTs[i]!, grams: p.mean(i) });
    }
    // Difference of two window means per plate; the baseline is itself filtered.
    const noiseG = p.th.noiseG * Math.sqrt((2 * idx.length) / p.th.windowSamples);
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
    };
  }
}
