/**
 * When did the weight settle, in wall-clock time at this node?
 *
 * "Settled" is defined on the raw signal, in retrospect: for each plate of a
 * shelf event, the settle reading is the earliest reading after which every
 * reading up to the detection stays within the plate's noise band around the
 * settled level. An event settles at its latest plate's settle reading, and its
 * settle time is the wall-clock arrival at the node of the packet that carried
 * that reading. Cart-write time minus it is event_to_cart latency including the
 * stability detector's wait, which perception's own emit time hides.
 *
 * An early decision is taken on a short window while the plate may still swing
 * (shelf-events.ts tryEarly): "settled" at its early level could be a swing's crest.
 * Its settle time stays pending until its full window comes. Confirmed there (no
 * residual), it settled where that window found the plate at rest: the early level
 * plus the window's correction (12 default seed: a tissues pick decided on a swing
 * came to rest 21.7 g further; within +-8 g of the early level since 67 ms before the
 * decision, of the rest level only 400 ms after it). Followed by a residual, the
 * rest may be another reach's, so the early level's time stands.
 *
 * Measurement only: nothing here changes what perception decides.
 */
import type { LoadCellWeight } from '@tebura/contract';
import type { CartDelta } from './api.js';
import type { ShelfEvent } from './shelf-events.js';

/**
 * Pure noise leaves a +-4 sigma band about once in 16 000 samples, so the reading
 * found is where the hand and the settling oscillation ended, not a noise spike.
 * A wider band would call the tail of the oscillation settled (a longer latency).
 */
export const SETTLE_BAND_SIGMAS = 4;
/**
 * How far back, in device time, packets are kept per shelf to look back in. The
 * settle reading lies at most a stable window or two (0.35 s each; a noisy plate
 * holds one more) before detection; 4 s leaves room for a slow detector.
 */
export const SETTLE_LOOKBACK_MS = 4000;
/** Hard bound on packets kept per shelf, whatever their rate (4 s of 20 ms packets). */
export const SETTLE_PACKETS_MAX = 200;
/** Events whose settle time is remembered until their (possibly deferred) cart delta. */
export const SETTLE_EVENTS_MAX = 256;

/** The shelf event a cart delta belongs to (ids `<event>[/<plate>][#<n>][@<hand>]`). */
export function settleEventOf(deltaEventId: string): string {
  const i = deltaEventId.search(/[/#@]/);
  return i < 0 ? deltaEventId : deltaEventId.slice(0, i);
}

/** A sink keeping its deltas in a list: the rest level's settle time replaces pending deltas' provisional one. */
export function settleDeltas(deltas: CartDelta[], eventId: string, settleArrivalMs: number): void {
  for (const d of deltas) {
    if (d.settlePending === true && settleEventOf(d.eventId) === eventId) {
      d.settleArrivalMs = settleArrivalMs;
      delete d.settlePending;
    }
  }
}

interface Packet {
  msg: LoadCellWeight;
  arrivalMs: number;
}

export class SettleClock {
  private readonly rings = new Map<string, Packet[]>();
  private readonly byEvent = new Map<string, number>();
  /** Early events awaiting their full window: device and each plate's early level (bounded as byEvent). */
  private readonly pending = new Map<string, { deviceId: string; levels: Map<string, number> }>();
  /** Events whose settle reading lay before the kept packets (the time used is then too late). */
  lookBackExhausted = 0;

  /** A weight packet arrived at `arrivalMs` (wall clock). */
  note(msg: LoadCellWeight, arrivalMs: number): void {
    let ring = this.rings.get(msg.deviceId);
    if (ring === undefined) {
      ring = [];
      this.rings.set(msg.deviceId, ring);
    }
    ring.push({ msg, arrivalMs });
    // Packets arrive in order per device (ingest reorders), so the oldest are in front.
    while (ring.length > SETTLE_PACKETS_MAX || (ring.length > 1 && ring[0]!.msg.ts < msg.ts - SETTLE_LOOKBACK_MS)) ring.shift();
  }

  /**
   * Finds and remembers the settle time of an event detected in the packets noted
   * so far (up to device time `untilTs`, by default its end). `bandG(plateId)` is
   * that plate's noise band half-width in grams.
   */
  mark(e: ShelfEvent, bandG: (plateId: string) => number, untilTs = e.endTs): number | null {
    const ring = this.rings.get(e.deviceId);
    if (ring === undefined) return null;
    const levels: [string, number][] = [];
    for (const plateId of e.plateIds) {
      const level = e.trace.findLast((t) => t.plateId === plateId)?.grams;
      if (level !== undefined) levels.push([plateId, level]);
    }
    const settle = this.latestSettle(ring, levels, bandG, untilTs);
    if (settle === null) return null;
    if (this.byEvent.size >= SETTLE_EVENTS_MAX) {
      const oldest = this.byEvent.keys().next().value;
      if (oldest !== undefined) this.byEvent.delete(oldest);
    }
    this.byEvent.set(e.eventId, settle);
    if (e.early === true && untilTs === e.endTs) {
      if (this.pending.size >= SETTLE_EVENTS_MAX) this.pending.delete(this.pending.keys().next().value!);
      const levels = new Map<string, number>();
      for (const plateId of e.plateIds) levels.set(plateId, e.trace.findLast((t) => t.plateId === plateId)!.grams);
      this.pending.set(e.eventId, { deviceId: e.deviceId, levels });
    }
    return settle;
  }

  /** Is this cart delta's settle time provisional (an early event whose full window has not come)? */
  isPending(deltaEventId: string): boolean {
    const key = this.keyOf(deltaEventId);
    return key !== undefined && this.pending.has(key);
  }

  /**
   * Early event `eventId`'s full window came. Confirmed (`correctionsG`: how far each
   * plate's full window lay from its early level), it settled at the rest level, found
   * on readings up to `untilTs`; with a residual (`correctionsG` undefined) its early
   * time stands. Returns the settle time if the event was pending, else undefined.
   */
  settle(eventId: string, correctionsG: Map<string, number> | undefined, bandG: (plateId: string) => number, untilTs: number): number | undefined {
    const p = this.pending.get(eventId);
    if (p === undefined) return undefined;
    this.pending.delete(eventId);
    const ring = this.rings.get(p.deviceId);
    if (correctionsG !== undefined && ring !== undefined) {
      const rest = [...p.levels].map(([plateId, early]): [string, number] => [plateId, early + (correctionsG.get(plateId) ?? 0)]);
      const settle = this.latestSettle(ring, rest, bandG, untilTs);
      if (settle !== null) this.byEvent.set(eventId, settle);
    }
    return this.byEvent.get(eventId);
  }

  /** A change decided again under a new id settled when the first did. */
  alias(eventId: string, of: string): void {
    const v = this.byEvent.get(of);
    if (v === undefined) return;
    if (this.byEvent.size >= SETTLE_EVENTS_MAX) this.byEvent.delete(this.byEvent.keys().next().value!);
    this.byEvent.set(eventId, v);
  }

  /** Settle time of the shelf event behind a cart delta (ids `<event>[/<plate>][#<n>][@<hand>]`). */
  arrivalOf(deltaEventId: string): number | undefined {
    const key = this.keyOf(deltaEventId);
    return key === undefined ? undefined : this.byEvent.get(key);
  }

  /** The id a cart delta's settle time is kept under: its own (an alias such as `#undo`), or its event's. */
  private keyOf(deltaEventId: string): string | undefined {
    let id = deltaEventId;
    for (const sep of ['', '@', '#', '/']) {
      if (sep !== '') {
        const i = id.lastIndexOf(sep);
        if (i < 0) continue;
        id = id.slice(0, i);
      }
      if (this.byEvent.has(id)) return id;
    }
    return undefined;
  }

  /** An event settles at its latest plate's settle reading (null: none found). */
  private latestSettle(ring: Packet[], levels: [string, number][], bandG: (plateId: string) => number, untilTs: number): number | null {
    let settle: number | null = null;
    for (const [plateId, level] of levels) {
      const at = this.settleArrival(ring, plateId, level, bandG(plateId), untilTs);
      if (at !== null && (settle === null || at > settle)) settle = at;
    }
    return settle;
  }

  /** Walks back from `untilTs`; returns the arrival of the packet holding the settle reading. */
  private settleArrival(ring: Packet[], plateId: string, level: number, bandG: number, untilTs: number): number | null {
    let found: number | null = null;
    for (let p = ring.length - 1; p >= 0; p--) {
      const { msg, arrivalMs } = ring[p]!;
      const grams = msg.readings.find((r) => r.plateId === plateId)?.grams;
      if (grams === undefined) continue;
      for (let k = grams.length - 1; k >= 0; k--) {
        const g = grams[k];
        if (msg.ts + k * msg.sampleIntervalMs > untilTs || g === null || g === undefined) continue;
        if (Math.abs(g - level) > bandG) return found;
        found = arrivalMs;
      }
    }
    this.lookBackExhausted++;
    return found;
  }
}
