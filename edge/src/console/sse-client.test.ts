/** SseClient and SseHub on a fake sink, with fake timers: throttling and bounds. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '@tebura/contract';
import pino from 'pino';
import { ConsoleCounters } from './counters.js';
import { SseClient, type SseSink } from './sse-client.js';
import { DEFAULT_SSE_LIMITS, SseHub, frameEvent } from './sse-hub.js';
import { FakeConsoleSource } from './testing/fake-source.js';

class FakeSink implements SseSink {
  chunks: string[] = [];
  pendingBytes = 0;
  ended = false;
  throwOnWrite = false;
  write(chunk: string): void {
    if (this.throwOnWrite) throw new Error('EPIPE');
    this.chunks.push(chunk);
  }
  end(): void {
    this.ended = true;
  }
  events(type: string): unknown[] {
    return this.chunks.filter((c) => c.startsWith(`event: ${type}\n`)).map((c) => JSON.parse(c.split('\ndata: ')[1] ?? 'null'));
  }
}

const limits = { snapshotIntervalMs: 200, clientQueueLengthMax: 5, socketBufferBytesMax: 1000 };
let counters: ConsoleCounters;
let sink: FakeSink;
let overflowed: SseClient[];
let client: SseClient;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  counters = new ConsoleCounters();
  sink = new FakeSink();
  overflowed = [];
  client = new SseClient(1, sink, limits, systemClock, counters, (c) => {
    overflowed.push(c);
    c.close();
  });
});
afterEach(() => {
  vi.useRealTimers();
});

const people = (n: number) => frameEvent('people', { type: 'people', people: [], ts: n });

describe('SseClient snapshots', () => {
  it('sends at most one people snapshot per 200 ms and always the newest', () => {
    for (let i = 0; i < 100; i++) {
      client.pushSnapshot('people', people(i));
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1000);
    const sent = sink.events('people') as { ts: number }[];
    // 1 s of 100 Hz input at 5 Hz: 5 or 6 snapshots, never 100.
    expect(sent.length).toBeGreaterThanOrEqual(5);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(sent.at(-1)?.ts).toBe(99);
    expect(counters.get('sse.snapshots_dropped')).toBe(100 - sent.length);
  });

  it('throttles on its own (rate) clock, which a frozen node clock cannot stall', () => {
    const frozen = new ManualClock(5);
    const source = new FakeConsoleSource('hub-0');
    const hub = new SseHub(source, { ...DEFAULT_SSE_LIMITS }, { node: frozen, rate: systemClock }, counters, pino({ level: 'silent' }));
    const s = new FakeSink();
    hub.add(s);
    for (let i = 0; i < 10; i++) {
      source.emit({ type: 'people', people: [], ts: i });
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(200);
    expect(s.events('people').length).toBeGreaterThanOrEqual(5);
    hub.closeAll();
  });

  it('throttles people and plates independently', () => {
    client.pushSnapshot('people', people(1));
    client.pushSnapshot('plates', frameEvent('plates', { type: 'plates', grams: {}, ts: 1 }));
    expect(sink.events('people')).toHaveLength(1);
    expect(sink.events('plates')).toHaveLength(1);
  });

  it('never throttles discrete events', () => {
    for (let i = 0; i < 5; i++) client.pushEvent(frameEvent('cart', { i }));
    expect(sink.events('cart')).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
  });
});

describe('SseClient on a slow socket', () => {
  it('stops writing when the socket buffer is full, keeps only the newest snapshot, resumes in order on drain', () => {
    sink.pendingBytes = limits.socketBufferBytesMax;
    client.pushEvent(frameEvent('cart', { i: 1 }));
    for (let i = 0; i < 20; i++) client.pushSnapshot('people', people(i));
    client.pushEvent(frameEvent('cart', { i: 2 }));
    vi.advanceTimersByTime(5000);
    expect(sink.chunks).toEqual([]);
    expect(client.queueLength).toBe(2);
    client.heartbeat();
    expect(sink.chunks).toEqual([]); // no heartbeat into a full buffer either
    sink.pendingBytes = 0;
    client.flush(); // what the 'drain' listener does
    expect(sink.events('cart')).toEqual([{ i: 1 }, { i: 2 }]);
    expect(sink.events('people')).toEqual([{ type: 'people', people: [], ts: 19 }]);
  });

  it('cuts a client off when its discrete queue overflows, instead of growing', () => {
    sink.pendingBytes = limits.socketBufferBytesMax;
    for (let i = 0; i < limits.clientQueueLengthMax; i++) client.pushEvent(frameEvent('cart', { i }));
    expect(overflowed).toEqual([]);
    client.pushEvent(frameEvent('cart', { i: 99 }));
    expect(overflowed).toEqual([client]);
    expect(sink.ended).toBe(true);
    expect(counters.get('sse.clients_overflowed')).toBe(1);
    client.pushEvent(frameEvent('cart', { i: 100 })); // after close: ignored, no throw
    expect(client.queueLength).toBe(0);
  });
});

describe('SseHub', () => {
  const log = pino({ level: 'silent' });
  const hubLimits = { ...DEFAULT_SSE_LIMITS, clientsMax: 2, heartbeatMs: 15_000 };

  it('subscribes while someone watches and unsubscribes after the last leaves', () => {
    const source = new FakeConsoleSource('hub-1');
    const hub = new SseHub(source, hubLimits, { node: systemClock, rate: systemClock }, counters, log);
    expect(source.listeners.size).toBe(0);
    const a = hub.add(new FakeSink());
    const b = hub.add(new FakeSink());
    expect(source.listeners.size).toBe(1);
    expect(hub.add(new FakeSink())).toBeNull(); // bound on concurrent clients
    expect(counters.get('sse.clients_refused')).toBe(1);
    hub.remove(a as SseClient);
    expect(source.listeners.size).toBe(1);
    hub.remove(b as SseClient);
    expect(source.listeners.size).toBe(0);
    expect(hub.clientCount).toBe(0);
  });

  it('greets each client with retry and hello (node clock), and sends a heartbeat comment every 15 s', () => {
    const hub = new SseHub(new FakeConsoleSource('hub-2'), hubLimits, { node: new ManualClock(42), rate: systemClock }, counters, log);
    const s = new FakeSink();
    hub.add(s);
    expect(s.chunks[0]).toBe(`retry: ${hubLimits.retryMs}\n\n`);
    expect(s.events('hello')).toEqual([{ storeId: 'hub-2', ts: 42 }]);
    vi.advanceTimersByTime(14_999);
    expect(s.chunks.filter((c) => c.startsWith(':'))).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(s.chunks.filter((c) => c === ': heartbeat\n\n')).toHaveLength(1);
    hub.closeAll();
    expect(s.ended).toBe(true);
  });

  it('drops a client whose socket throws without disturbing the node or the others', () => {
    const source = new FakeConsoleSource('hub-3');
    const hub = new SseHub(source, hubLimits, { node: systemClock, rate: systemClock }, counters, log);
    const bad = new FakeSink();
    const good = new FakeSink();
    hub.add(bad);
    hub.add(good);
    bad.throwOnWrite = true;
    expect(() => source.emit({ type: 'gate', gateId: 'g', decision: 'open', reason: 'face', ts: 1 })).not.toThrow();
    expect(good.events('gate')).toHaveLength(1);
    expect(hub.clientCount).toBe(1);
    expect(counters.get('sse.write_failed')).toBe(1);
  });

  it('drops an event that cannot be serialized and keeps going', () => {
    const source = new FakeConsoleSource('hub-4');
    const hub = new SseHub(source, hubLimits, { node: systemClock, rate: systemClock }, counters, log);
    const s = new FakeSink();
    hub.add(s);
    const bad = { type: 'plates', grams: { p1: 1n }, ts: 1 } as unknown as Parameters<typeof source.emit>[0];
    expect(() => source.emit(bad)).not.toThrow();
    expect(counters.get('sse.events_unserializable')).toBe(1);
    source.emit({ type: 'plates', grams: { p1: 5 }, ts: 2 });
    expect(s.events('plates')).toEqual([{ type: 'plates', grams: { p1: 5 }, ts: 2 }]);
  });
});
