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
 * Measurement only: nothing here changes what perception decides.
 */
import type { LoadCellWeight } from '@tebura/contract';
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

interface Packet {
  msg: LoadCellWeight;
  arrivalMs: number;
}

export class SettleClock {
  private readonly rings = new Map<string, Packet[]>();
  private readonly byEvent = new Map<string, number>();
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
    let settle: number | null = null;
    for (const plateId of e.plateIds) {
      const level = e.trace.findLast((t) => t.plateId === plateId)?.grams;
      if (level === undefined) continue;
      const at = this.settleArrival(ring, plateId, level, bandG(plateId), untilTs);
      if (at !== null && (settle === null || at > settle)) settle = at;
    }
    if (settle === null) return null;
    if (this.byEvent.size >= SETTLE_EVENTS_MAX) {
      const oldest = this.byEvent.keys().next().value;
      if (oldest !== undefined) this.byEvent.delete(oldest);
    }
    this.byEvent.set(e.eventId, settle);
    return settle;
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
    let id = deltaEventId;
    for (const sep of ['', '@', '#', '/']) {
      if (sep !== '') {
        const i = id.lastIndexOf(sep);
        if (i < 0) continue;
        id = id.slice(0, i);
      }
      const v = this.byEvent.get(id);
      if (v !== undefined) return v;
    }
    return undefined;
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
