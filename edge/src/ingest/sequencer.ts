/**
 * Per-device ordering: drops duplicates by (deviceId, bootId, seq), holds
 * out-of-order messages for a bounded window and releases them in seq order,
 * counts gaps (seqs never seen) and restarts (a new bootId).
 *
 * Memory is bounded: per device one expected seq, the held messages
 * (reorderBufferMax) and a few recent boot ids; devices beyond devicesMax are refused.
 */
export interface Sequenced {
  deviceId: string;
  bootId: string;
  seq: number;
}

export type Admission = 'released' | 'held' | 'duplicate' | 'stale_boot' | 'too_many_devices';

export interface SequencerBounds {
  reorderWindowMs: number;
  reorderBufferMax: number;
  devicesMax: number;
}

/** Boot ids remembered per device, so a late message from a previous boot is dropped, not taken as a restart. */
const RECENT_BOOTS_MAX = 4;

interface Held<T> {
  msg: T;
  arrivedMs: number;
}

interface DeviceSeq<T> {
  bootId: string;
  recentBoots: string[];
  nextSeq: number;
  held: Map<number, Held<T>>;
  gaps: number;
  restarts: number;
  duplicates: number;
  /** Restored from a checkpoint and not heard from since. */
  resumed: boolean;
}

export interface SeqWatermark {
  deviceId: string;
  bootId: string;
  nextSeq: number;
  recentBoots: string[];
}

export interface DeviceSeqStats {
  bootId: string;
  gaps: number;
  restarts: number;
  duplicates: number;
  held: number;
}

export class Sequencer<T extends Sequenced> {
  private readonly devices = new Map<string, DeviceSeq<T>>();

  constructor(
    private readonly bounds: SequencerBounds,
    private readonly release: (msg: T) => void,
  ) {}

  /** Offers one message; in-order ones (and any held successors) are released synchronously. */
  offer(msg: T, nowMs: number): Admission {
    let d = this.devices.get(msg.deviceId);
    if (d === undefined) {
      if (this.devices.size >= this.bounds.devicesMax) return 'too_many_devices';
      // First sight of a device (or of it after our own restart): start where it is.
      d = { bootId: msg.bootId, recentBoots: [], nextSeq: msg.seq, held: new Map(), gaps: 0, restarts: 0, duplicates: 0, resumed: false };
      this.devices.set(msg.deviceId, d);
    } else if (d.bootId !== msg.bootId) {
      if (d.recentBoots.includes(msg.bootId)) return 'stale_boot';
      this.flushAll(d);
      d.recentBoots.push(d.bootId);
      if (d.recentBoots.length > RECENT_BOOTS_MAX) d.recentBoots.shift();
      d.bootId = msg.bootId;
      d.nextSeq = msg.seq;
      d.restarts++;
      d.resumed = false;
    }
    if (d.resumed && msg.seq >= d.nextSeq) {
      // First new message since our restart (replays below the watermark are
      // dropped). Seqs between the checkpoint and it were processed before the
      // crash or lost while we were down: nothing will fill that hole, and holding
      // this message would let other devices' later messages (an exit) overtake it.
      d.resumed = false;
      d.nextSeq = msg.seq;
    }
    if (msg.seq < d.nextSeq || d.held.has(msg.seq)) {
      d.duplicates++;
      return 'duplicate';
    }
    if (msg.seq === d.nextSeq) {
      d.nextSeq++;
      this.release(msg);
      this.drainContiguous(d);
      return 'released';
    }
    d.held.set(msg.seq, { msg, arrivedMs: nowMs });
    if (d.held.size > this.bounds.reorderBufferMax) this.skipToOldestHeld(d);
    return d.held.has(msg.seq) ? 'held' : 'released';
  }

  /** Releases held messages whose wait exceeded reorderWindowMs, skipping the gap before them. */
  tick(nowMs: number): void {
    for (const d of this.devices.values()) {
      while (d.held.size > 0) {
        const oldest = this.oldestArrival(d);
        if (nowMs - oldest < this.bounds.reorderWindowMs) break;
        this.skipToOldestHeld(d);
      }
    }
  }

  /** Where each device stands: saved with the perception snapshot, so a replay after restart is dropped. */
  watermarks(): SeqWatermark[] {
    return [...this.devices.entries()].map(([deviceId, d]) => ({ deviceId, bootId: d.bootId, nextSeq: d.nextSeq, recentBoots: [...d.recentBoots] }));
  }

  restoreWatermarks(marks: readonly SeqWatermark[]): void {
    for (const m of marks.slice(0, this.bounds.devicesMax)) {
      this.devices.set(m.deviceId, { bootId: m.bootId, recentBoots: [...m.recentBoots], nextSeq: m.nextSeq, held: new Map(), gaps: 0, restarts: 0, duplicates: 0, resumed: true });
    }
  }

  stats(deviceId: string): DeviceSeqStats | null {
    const d = this.devices.get(deviceId);
    if (d === undefined) return null;
    return { bootId: d.bootId, gaps: d.gaps, restarts: d.restarts, duplicates: d.duplicates, held: d.held.size };
  }

  heldCount(): number {
    let n = 0;
    for (const d of this.devices.values()) n += d.held.size;
    return n;
  }

  private oldestArrival(d: DeviceSeq<T>): number {
    let oldest = Infinity;
    for (const h of d.held.values()) oldest = Math.min(oldest, h.arrivedMs);
    return oldest;
  }

  private drainContiguous(d: DeviceSeq<T>): void {
    for (let h = d.held.get(d.nextSeq); h !== undefined; h = d.held.get(d.nextSeq)) {
      d.held.delete(d.nextSeq);
      d.nextSeq++;
      this.release(h.msg);
    }
  }

  /** Gives up on the missing seqs before the lowest held one. */
  private skipToOldestHeld(d: DeviceSeq<T>): void {
    const lowest = Math.min(...d.held.keys());
    d.gaps += lowest - d.nextSeq;
    d.nextSeq = lowest;
    this.drainContiguous(d);
  }

  private flushAll(d: DeviceSeq<T>): void {
    while (d.held.size > 0) this.skipToOldestHeld(d);
  }
}
