/**
 * Fans the node's live events out to the SSE clients. It subscribes to the
 * source only while someone is watching, frames each event once, and never lets
 * an exception travel back into the node's emitter.
 */
import type { Clock } from '@tebura/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { ConsoleSource, LiveEvent } from './source.js';
import type { ConsoleCounters } from './counters.js';
import { SseClient, type SseClientLimits, type SseSink } from './sse-client.js';

export interface SseLimits extends SseClientLimits {
  /** Concurrent event streams; beyond it GET /api/events answers 503. */
  clientsMax: number;
  /** Comment line to every client this often. */
  heartbeatMs: number;
  /** EventSource reconnect delay the browser is told to use. */
  retryMs: number;
}

export const DEFAULT_SSE_LIMITS: Readonly<SseLimits> = Object.freeze({
  clientsMax: 16,
  heartbeatMs: 15_000,
  retryMs: 3_000,
  snapshotIntervalMs: 200,
  clientQueueLengthMax: 1_000,
  socketBufferBytesMax: 256 * 1024,
});

export function frameEvent(type: string, data: unknown): string {
  // JSON.stringify escapes newlines inside strings, so one data: line is enough.
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseHub {
  private readonly clients = new Set<SseClient>();
  private unsubscribe: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private nextId = 1;

  constructor(
    private readonly source: ConsoleSource,
    private readonly limits: SseLimits,
    private readonly clocks: { node: Clock; rate: Clock },
    private readonly counters: ConsoleCounters,
    private readonly log: FastifyBaseLogger,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** Registers a stream; null when the bound on concurrent clients is reached. */
  add(sink: SseSink): SseClient | null {
    if (this.clients.size >= this.limits.clientsMax) {
      this.counters.inc('sse.clients_refused');
      return null;
    }
    const client = new SseClient(this.nextId++, sink, this.limits, this.clocks.rate, this.counters, (c) => this.remove(c));
    this.clients.add(client);
    this.counters.set('sse.clients', this.clients.size);
    sink.write(`retry: ${this.limits.retryMs}\n\n`);
    sink.write(frameEvent('hello', { storeId: this.source.storeId, ts: this.clocks.node.now() }));
    if (this.clients.size === 1) this.start();
    return client;
  }

  remove(client: SseClient): void {
    if (!this.clients.delete(client)) return;
    client.close();
    this.counters.set('sse.clients', this.clients.size);
    if (this.clients.size === 0) this.stop();
  }

  closeAll(): void {
    for (const c of [...this.clients]) this.remove(c);
  }

  private start(): void {
    try {
      this.unsubscribe = this.source.subscribe((e) => this.onEvent(e));
    } catch (err) {
      this.log.error({ err }, 'console could not subscribe to live events');
      this.counters.inc('sse.subscribe_failed');
    }
    this.heartbeatTimer = setInterval(() => {
      for (const c of this.clients) c.heartbeat();
    }, this.limits.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private stop(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    try {
      unsubscribe?.();
    } catch (err) {
      this.log.warn({ err }, 'console unsubscribe failed');
    }
  }

  /** Called from inside the node's emitter: must not throw, must not block. */
  private onEvent(e: LiveEvent): void {
    let frame: string;
    try {
      frame = frameEvent(e.type, e);
    } catch (err) {
      this.counters.inc('sse.events_unserializable');
      this.log.warn({ err, type: (e as { type?: unknown }).type }, 'live event not serializable, dropped');
      return;
    }
    const snapshot = e.type === 'people' || e.type === 'plates';
    for (const c of [...this.clients]) {
      try {
        if (snapshot) c.pushSnapshot(e.type, frame);
        else c.pushEvent(frame);
      } catch (err) {
        // A socket that fails mid-write is gone: drop that client, keep the others.
        this.log.warn({ err, client: c.id }, 'sse write failed, client dropped');
        this.counters.inc('sse.write_failed');
        this.remove(c);
      }
    }
  }
}
