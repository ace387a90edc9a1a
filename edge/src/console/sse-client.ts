/**
 * One server-sent-events subscriber. It never blocks the node: discrete events
 * (carts, reviews, receipts, gates, devices) queue up to a bound, while the
 * high-rate snapshots (people, plates) are coalesced to the latest one and sent
 * at most once per `snapshotIntervalMs`, so a slow browser only ever loses stale
 * snapshots. A client whose discrete queue overflows is disconnected: the
 * browser's EventSource reconnects and reloads the state over REST, which is
 * better than showing a cart with a silently missing line.
 */
import type { Clock } from '@tebura/contract';
import type { ConsoleCounters } from './counters.js';

export interface SseSink {
  /** Bytes accepted by the socket but not yet sent (res.writableLength). */
  readonly pendingBytes: number;
  write(chunk: string): void;
  end(): void;
}

export interface SseClientLimits {
  /** Least time between two snapshots of one type to one client (200 ms = 5/s). */
  snapshotIntervalMs: number;
  /** Discrete events waiting for a slow client before it is cut off. */
  clientQueueLengthMax: number;
  /** Above this many unsent socket bytes the client counts as slow and we stop writing. */
  socketBufferBytesMax: number;
}

export type SnapshotType = 'people' | 'plates';

export class SseClient {
  private readonly queue: string[] = [];
  private readonly pendingSnapshots = new Map<SnapshotType, string>();
  private readonly lastSnapshotAt = new Map<SnapshotType, number>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly sink: SseSink,
    private readonly limits: SseClientLimits,
    private readonly clock: Clock,
    private readonly counters: ConsoleCounters,
    private readonly onOverflow: (c: SseClient) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of discrete events waiting (for tests and stats). */
  get queueLength(): number {
    return this.queue.length;
  }

  pushEvent(frame: string): void {
    if (this.closed) return;
    if (this.queue.length >= this.limits.clientQueueLengthMax) {
      this.counters.inc('sse.clients_overflowed');
      this.onOverflow(this);
      return;
    }
    this.queue.push(frame);
    this.flush();
  }

  pushSnapshot(type: SnapshotType, frame: string): void {
    if (this.closed) return;
    if (this.pendingSnapshots.has(type)) this.counters.inc('sse.snapshots_dropped');
    this.pendingSnapshots.set(type, frame);
    this.flush();
  }

  /** A comment line keeps proxies and the browser from timing the stream out. */
  heartbeat(): void {
    if (this.closed || this.congested()) return;
    this.sink.write(': heartbeat\n\n');
  }

  /** Write what the socket can take now; called on every push and on 'drain'. */
  flush(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && !this.congested()) {
      this.sink.write(this.queue.shift() as string);
      this.counters.inc('sse.events_sent');
    }
    let nextDueMs = Infinity;
    const now = this.clock.now();
    for (const [type, frame] of this.pendingSnapshots) {
      const dueMs = (this.lastSnapshotAt.get(type) ?? -Infinity) + this.limits.snapshotIntervalMs;
      if (dueMs > now) {
        nextDueMs = Math.min(nextDueMs, dueMs);
        continue;
      }
      if (this.congested()) break; // 'drain' calls flush again
      this.sink.write(frame);
      this.counters.inc('sse.snapshots_sent');
      this.pendingSnapshots.delete(type);
      this.lastSnapshotAt.set(type, now);
    }
    if (nextDueMs !== Infinity && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, nextDueMs - now);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.pendingSnapshots.clear();
    this.sink.end();
  }

  private congested(): boolean {
    return this.sink.pendingBytes >= this.limits.socketBufferBytesMax;
  }
}
