import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IClientOptions, MqttClient } from 'mqtt';
import { decodeMessage, EnvelopeSequencer, topicFor, type LoadCellWeight } from '@tebura/contract';
import { MqttLink, type MqttLinkOptions } from './mqtt-link.js';
import { silentLogger } from './log.js';
import { FakeClient } from './testing/fake-mqtt.js';

function link(over: Partial<MqttLinkOptions> = {}) {
  const fake = new FakeClient();
  let seenOpts: IClientOptions | undefined;
  const o: MqttLinkOptions = {
    url: 'mqtt://fake', clientId: 'gw-1', keepaliveS: 10, connectTimeoutMs: 1000, reconnectPeriodMs: 1000,
    publishQueueLengthMax: 4, drainPacketsPerS: 100, closeTimeoutMs: 100,
    storeId: 's1', deviceId: 'shelf-1', bootId: 'b1', now: () => 1234, log: silentLogger,
    connect: (_url, opts) => {
      seenOpts = opts;
      return fake as unknown as MqttClient;
    },
    ...over,
  };
  return { l: new MqttLink(o), fake, opts: () => seenOpts };
}

const topic = topicFor('s1', 'loadcell/weight', 'shelf-1');
function packets(): () => LoadCellWeight {
  const seq = new EnvelopeSequencer('shelf-1', 'b1');
  return () => ({ ...seq.next(1), sampleIntervalMs: 10, readings: [{ plateId: 'p1', grams: [1] }] });
}
const seqsSent = (f: FakeClient): number[] =>
  f.sent.flatMap((m) => {
    const d = decodeMessage(m.topic, m.payload);
    return d.ok && d.channel === 'loadcell/weight' ? [d.msg.seq] : [];
  });

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('MqttLink', () => {
  it('connects with MQTT 3.1.1, an offline will, no unbounded QoS 0 queue, and says online on connect', async () => {
    const { l, fake, opts } = link();
    const started = l.start();
    fake.up();
    await started;
    expect(opts()).toMatchObject({ protocolVersion: 4, queueQoSZero: false, will: { qos: 1, retain: true, topic: topicFor('s1', 'device/state', 'shelf-1') } });
    expect(JSON.parse(String(opts()?.will?.payload))).toMatchObject({ state: 'offline', bootId: 'b1', kind: 'loadcell' });
    expect(fake.sent[0]).toMatchObject({ retain: true });
    expect(JSON.parse(fake.sent[0]!.payload)).toMatchObject({ state: 'online', bootId: 'b1' });
  });

  it('holds packets while the broker is away, drops the oldest beyond the bound, drains paced on connect', async () => {
    const packet = packets();
    const { l, fake } = link();
    const started = l.start();
    await vi.advanceTimersByTimeAsync(1000); // connect timeout: start resolves, still disconnected
    await started;
    for (let i = 0; i < 10; i++) l.publishWeight(topic, packet());
    expect(l.counters()).toMatchObject({ droppedOldest: 6, queued: 10, published: 0 });
    fake.up();
    // 100 packets/s in 20 ms ticks: 2 per tick.
    expect(seqsSent(fake)).toEqual([6, 7]);
    await vi.advanceTimersByTimeAsync(20);
    expect(seqsSent(fake)).toEqual([6, 7, 8, 9]);
    // Queue empty: the next packet goes straight out.
    l.publishWeight(topic, packet());
    expect(seqsSent(fake)).toEqual([6, 7, 8, 9, 10]);
    expect(l.counters()).toMatchObject({ published: 5, connects: 1 });
  });

  it('requeues a packet whose publish failed because the connection dropped', async () => {
    const packet = packets();
    const { l, fake } = link();
    const started = l.start();
    fake.up();
    await started;
    fake.failNext = true; // the connection dies under this write
    l.publishWeight(topic, packet());
    expect(l.counters()).toMatchObject({ publishErrors: 1, queued: 1, published: 0 });
    fake.up();
    expect(seqsSent(fake)).toEqual([0]);
  });

  it('stop() sends what is queued, then says offline itself', async () => {
    const packet = packets();
    const { l, fake } = link({ publishQueueLengthMax: 10, drainPacketsPerS: 50 });
    const started = l.start();
    await vi.advanceTimersByTimeAsync(1000);
    await started;
    for (let i = 0; i < 5; i++) l.publishWeight(topic, packet());
    fake.up(); // the paced drain sends 1 now, the rest would follow 20 ms apart
    expect(seqsSent(fake)).toEqual([0]);
    await l.stop();
    expect(seqsSent(fake)).toEqual([0, 1, 2, 3, 4]);
    expect(JSON.parse(fake.sent.at(-1)!.payload)).toMatchObject({ state: 'offline', bootId: 'b1' });
    expect(fake.sent.at(-1)?.retain).toBe(true);
    expect(l.counters().droppedAtStop).toBe(0);
  });

  it('stop() while the broker is away counts the queued packets as dropped', async () => {
    const packet = packets();
    const { l, fake } = link();
    const started = l.start();
    await vi.advanceTimersByTimeAsync(1000);
    await started;
    l.publishWeight(topic, packet());
    l.publishWeight(topic, packet());
    await l.stop();
    expect(fake.sent).toEqual([]);
    expect(l.counters().droppedAtStop).toBe(2);
  });
});
