/** The gateway's wiring on a mock serial port and a fake MQTT client (no broker). */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { SerialPortMock } from 'serialport';
import { decodeMessage, ManualClock, Prng, type Decoded } from '@tebura/contract';
import { encodeSampleFrame, READING_FAULT } from './frame.js';
import { loadGatewayConfig } from './config.js';
import { SerialLoadCellGateway } from './gateway.js';
import type { SerialOpenOptions } from './driver.js';
import { silentLogger } from './log.js';
import { FakeClient } from './testing/fake-mqtt.js';

const MockBinding = SerialPortMock.binding;

function rig() {
  const path = `/dev/ttyGWU-${randomUUID()}`;
  MockBinding.createPort(path, { echo: false, record: false });
  const cfg = loadGatewayConfig({
    storeId: 'store-u', deviceId: 'shelf-u', samplesPerMsg: 3,
    serial: { path, reopenDelayMs: 10, reopenAttemptsMax: 1 },
    mqtt: { connectTimeoutMs: 100 },
    profile: { name: 'u', sampleRateHz: 50, plates: [{ plateId: 'a', channel: 1 }, { plateId: 'b', channel: 0, maxG: 100 }] },
  });
  const fake = new FakeClient();
  const ports: SerialPortMock[] = [];
  const clock = new ManualClock(1_700_000_000_000);
  const gw = new SerialLoadCellGateway(cfg, {
    clock, prng: new Prng(42), log: silentLogger,
    openPort: (o: SerialOpenOptions) => {
      const p = new SerialPortMock({ path: o.path, baudRate: o.baudRate, autoOpen: false });
      ports.push(p);
      return p;
    },
    connectMqtt: () => {
      queueMicrotask(() => fake.up());
      return fake as unknown as MqttClient;
    },
  });
  const decoded = (): Decoded[] => fake.sent.map((m) => decodeMessage(m.topic, m.payload)).filter((d): d is Decoded => d.ok);
  return { gw, fake, ports, clock, decoded, emit: (b: Buffer) => ports.at(-1)?.port?.emitData(b) };
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SerialLoadCellGateway (fake broker)', () => {
  it('maps samples to contract packets in profile order, with null dropouts and the profile interval', async () => {
    const r = rig();
    await r.gw.start();
    r.emit(Buffer.concat([
      encodeSampleFrame({ counter: 0, readings: [1000, 2000] }),
      encodeSampleFrame({ counter: 1, readings: [20000, READING_FAULT] }),
      encodeSampleFrame({ counter: 2, readings: [3000, 4000] }),
    ]));
    await until(() => r.decoded().some((d) => d.channel === 'loadcell/weight'));
    const w = r.decoded().find((d) => d.channel === 'loadcell/weight');
    expect(w?.msg).toMatchObject({
      deviceId: 'shelf-u', seq: 0, ts: 1_700_000_000_000, sampleIntervalMs: 20,
      readings: [{ plateId: 'a', grams: [20, null, 40] }, { plateId: 'b', grams: [10, null, 30] }],
    });
    await r.gw.stop();
  });

  it('takes a fresh bootId on every start and restarts seq at 0; stop publishes the partial packet', async () => {
    const r = rig();
    await r.gw.start();
    const first = r.gw.bootId;
    r.emit(encodeSampleFrame({ counter: 0, readings: [1, 1] }));
    await until(() => r.gw.counters().driver?.samples === 1);
    await r.gw.stop();
    expect(r.gw.bootId).toBeNull();
    r.clock.advance(5);
    await r.gw.start();
    expect(r.gw.bootId).not.toBe(first);
    r.emit(encodeSampleFrame({ counter: 0, readings: [2, 2] }));
    await until(() => r.gw.counters().driver?.samples === 1);
    await r.gw.stop();
    const weights = r.decoded().flatMap((d) => (d.channel === 'loadcell/weight' ? [d.msg] : []));
    expect(weights.map((m) => [m.bootId, m.seq, m.readings[0]?.grams])).toEqual([[first, 0, [0.01]], [expect.any(String), 0, [0.02]]]);
    expect(weights[1]?.bootId).not.toBe(first);
  });

  it('says offline when the serial link is gone for good, and again on a reconnect', async () => {
    const r = rig();
    await r.gw.start();
    MockBinding.reset();
    r.ports[0]?._disconnected(new Error('unplugged'));
    await until(() => r.decoded().filter((d) => d.channel === 'device/state').length === 2);
    r.fake.up(); // a broker reconnect must not claim the dead device is online
    const states = r.decoded().flatMap((d) => (d.channel === 'device/state' ? [d.msg.state] : []));
    expect(states).toEqual(['online', 'offline', 'offline']);
    await r.gw.stop();
  });
});
