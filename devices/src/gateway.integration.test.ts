/**
 * The gateway end to end: mock serial port -> gateway -> Mosquitto (127.0.0.1:1883)
 * -> a subscriber that validates every message with the contract's decodeMessage.
 * The samples are real: AiFi Nanostore cps-test-01, gondola 2 shelf 5 (12 plates,
 * 60 Hz), sent as centigram SAMPLE frames the way a shelf controller would.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPortMock } from 'serialport';
import { decodeMessage, Prng, topicFor, type DecodeResult, type DeviceState, type LoadCellWeight } from '@tebura/contract';
import { encodeSampleFrame } from './frame.js';
import { loadGatewayConfig } from './config.js';
import { SerialLoadCellGateway } from './gateway.js';
import type { SerialOpenOptions } from './driver.js';
import { silentLogger } from './log.js';

const MockBinding = SerialPortMock.binding;
const BROKER = 'mqtt://127.0.0.1:1883';
const DATA = new URL('../../../shared/data/aifi/yzthu/csv/test1/', import.meta.url);
const PLATES = 12;

/** Per plate, the readings of G2/S5 in file order (grams, float32 as written). */
function loadShelf(): number[][] {
  const cols = Array.from({ length: PLATES }, (_, i) =>
    readFileSync(new URL(`gondola_2_shelf_5_plate_${i + 1}.csv`, DATA), 'utf8').trim().split('\n').map((l) => Number(l.split(',')[1])));
  const n = Math.min(...cols.map((c) => c.length));
  return cols.map((c) => c.slice(0, n));
}

interface Seen { topic: string; retain: boolean; decoded: DecodeResult }

async function subscriber(storeId: string): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = await mqtt.connectAsync(BROKER, { clientId: `it-sub-${randomUUID()}`, protocolVersion: 4, clean: true });
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, retain: packet.retain, decoded: decodeMessage(topic, payload) }));
  await client.subscribeAsync(`tebura/v1/${storeId}/#`, { qos: 1 });
  return { client, seen };
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rig(queueLengthMax: number, reconnectPeriodMs = 300) {
  const id = randomUUID().slice(0, 8);
  const storeId = `it-gw-${id}`;
  const deviceId = `shelf-g2s5-${id}`;
  const path = `/dev/ttyGW-${id}`;
  MockBinding.createPort(path, { echo: false, record: false });
  const cfg = loadGatewayConfig({
    storeId,
    deviceId,
    samplesPerMsg: 12,
    serial: { path, reopenDelayMs: 50 },
    mqtt: { url: BROKER, clientId: `it-gw-${id}`, publishQueueLengthMax: queueLengthMax, reconnectPeriodMs },
    profile: { name: 'AiFi G2/S5', plates: Array.from({ length: PLATES }, (_, i) => ({ plateId: `g2s5p${i + 1}`, channel: i })) },
  });
  const ports: SerialPortMock[] = [];
  const clients: MqttClient[] = [];
  const gw = new SerialLoadCellGateway(cfg, {
    prng: new Prng(7),
    log: silentLogger,
    openPort: (o: SerialOpenOptions) => {
      const p = new SerialPortMock({ path: o.path, baudRate: o.baudRate, autoOpen: false });
      ports.push(p);
      return p;
    },
    connectMqtt: (url, opts) => {
      const c = mqtt.connect(url, opts);
      clients.push(c);
      return c;
    },
  });
  let counter = 0;
  /** Writes samples [from, to) of every plate as SAMPLE frames, in uneven chunks. */
  const feed = (shelf: number[][], from: number, to: number): void => {
    const frames: Buffer[] = [];
    for (let k = from; k < to; k++) frames.push(encodeSampleFrame({ counter: counter++, readings: shelf.map((col) => Math.round((col[k] as number) * 100)) }));
    const all = Buffer.concat(frames);
    for (let at = 0, step = 1; at < all.length; at += step, step = (step * 7 + 13) % 200 + 1) ports.at(-1)?.port?.emitData(all.subarray(at, at + step));
  };
  return { storeId, deviceId, gw, feed, clients, cfg };
}

const weights = (seen: Seen[]): LoadCellWeight[] =>
  seen.flatMap((s) => (s.decoded.ok && s.decoded.channel === 'loadcell/weight' ? [s.decoded.msg] : []));
const states = (seen: Seen[]): (DeviceState & { retain: boolean })[] =>
  seen.flatMap((s) => (s.decoded.ok && s.decoded.channel === 'device/state' ? [{ ...s.decoded.msg, retain: s.retain }] : []));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('SerialLoadCellGateway through Mosquitto', () => {
  const shelf = loadShelf();

  it('publishes real AiFi weights as valid loadcell/weight packets and a retained online state', async () => {
    const r = rig(3000);
    const sub = await subscriber(r.storeId);
    cleanups.push(async () => {
      await r.gw.stop();
      // Leave no retained state behind on the shared broker.
      await sub.client.publishAsync(topicFor(r.storeId, 'device/state', r.deviceId), '', { qos: 1, retain: true });
      await sub.client.endAsync();
    });
    await r.gw.start();
    const n = shelf[0]!.length - (shelf[0]!.length % 12);
    r.feed(shelf, 0, n);
    await until(() => weights(sub.seen).length === n / 12, `${n / 12} weight packets`);

    // Every message on the store's topics passes the contract's ingress validation.
    expect(sub.seen.filter((s) => !s.decoded.ok)).toEqual([]);
    const packets = weights(sub.seen);
    expect(packets.map((p) => p.seq)).toEqual(packets.map((_, i) => i));
    expect(new Set(packets.map((p) => p.bootId))).toEqual(new Set([r.gw.bootId]));
    expect(packets.every((p) => p.deviceId === r.deviceId && p.sampleIntervalMs === 1000 / 60)).toBe(true);
    // Sample for sample, the grams are the controller's centigrams.
    for (let i = 0; i < PLATES; i++) {
      const got = packets.flatMap((p) => p.readings[i]!.grams);
      expect(got).toEqual(shelf[i]!.slice(0, n).map((g) => Math.round(g * 100) / 100));
    }
    // The real event survives the trip: plates 3-5 lose one "Taco Bell Fire" (~100 g).
    const plate = (i: number): number[] => packets.flatMap((p) => p.readings[i]!.grams as number[]);
    const drop = [2, 3, 4].reduce((sum, i) => sum + median(plate(i).slice(0, 300)) - median(plate(i).slice(-300)), 0);
    expect(drop).toBeGreaterThan(90);
    expect(drop).toBeLessThan(110);

    // [MQTT-3.3.1-6], [MQTT-3.3.1-8]: a late subscriber gets the retained online state, retain flag set.
    const late = await subscriber(r.storeId);
    cleanups.push(() => late.client.endAsync());
    await until(() => states(late.seen).length > 0, 'retained state');
    expect(states(late.seen)[0]).toMatchObject({ state: 'online', bootId: r.gw.bootId, kind: 'loadcell', retain: true });
    expect(r.gw.counters().mqtt).toMatchObject({ published: n / 12, droppedOldest: 0 });
  });

  it('last will says offline when the connection dies uncleanly; queued packets drop oldest beyond the bound and flow on reconnect', async () => {
    // Reconnect slowly enough that the whole outage batch is queued before the link returns.
    const r = rig(5, 1500);
    const sub = await subscriber(r.storeId);
    cleanups.push(async () => {
      await r.gw.stop();
      await sub.client.publishAsync(topicFor(r.storeId, 'device/state', r.deviceId), '', { qos: 1, retain: true });
      await sub.client.endAsync();
    });
    await r.gw.start();
    r.feed(shelf, 0, 24);
    await until(() => weights(sub.seen).length === 2, 'first packets');

    // Kill the TCP connection without DISCONNECT: the broker must publish the will [MQTT-3.1.2-8].
    const gwClient = r.clients[0]!;
    gwClient.stream.destroy();
    await until(() => states(sub.seen).some((s) => s.state === 'offline'), 'offline will');
    expect(states(sub.seen).find((s) => s.state === 'offline')).toMatchObject({ bootId: r.gw.bootId, deviceId: r.deviceId });

    // While the broker is away: 10 packets, queue bound 5, so the 5 oldest are dropped.
    await until(() => !gwClient.connected, 'client to notice');
    r.feed(shelf, 24, 24 + 120);
    await until(() => r.gw.counters().mqtt?.queued === 10, '10 packets queued');
    expect(gwClient.connected).toBe(false);
    await until(() => weights(sub.seen).length === 2 + 5, 'queued packets after reconnect');
    expect(sub.seen.filter((s) => !s.decoded.ok)).toEqual([]);
    expect(weights(sub.seen).map((p) => p.seq)).toEqual([0, 1, 7, 8, 9, 10, 11]);
    expect(states(sub.seen).map((s) => s.state)).toEqual(['online', 'offline', 'online']);
    expect(r.gw.counters().mqtt).toMatchObject({ droppedOldest: 5, connects: 2 });

    // A clean stop says offline itself: the will is not needed.
    await r.gw.stop();
    await until(() => states(sub.seen).length === 4, 'offline at stop');
    expect(states(sub.seen)[3]).toMatchObject({ state: 'offline', bootId: states(sub.seen)[0]!.bootId });
  });
});
