import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { SerialPortMock } from 'serialport';
import { Value } from '@sinclair/typebox/value';
import { encodeFrame, encodeSampleFrame, READING_FAULT } from './frame.js';
import { LoadCellDriver, type LoadCellSample } from './loadcell-driver.js';
import { DeviceProfile } from './profile.js';
import type { SerialOpenOptions } from './driver.js';

// The MockBinding instance SerialPortMock uses: importing '@serialport/binding-mock' from
// ESM loads its .mjs build, a separate instance with a separate port table.
const MockBinding = SerialPortMock.binding;

const profile = Value.Default(DeviceProfile, {
  name: 'test shelf',
  plates: [{ plateId: 'p1', channel: 0 }, { plateId: 'p2', channel: 1, maxG: 1000 }],
}) as DeviceProfile;

function rig(reopenAttemptsMax = 3, silenceMs?: number) {
  const path = `/dev/ttyMOCK-${randomUUID()}`;
  MockBinding.createPort(path, { echo: false, record: false });
  const ports: SerialPortMock[] = [];
  const openPort = (o: SerialOpenOptions) => {
    const p = new SerialPortMock({ path: o.path, baudRate: o.baudRate, autoOpen: false });
    ports.push(p);
    return p;
  };
  let t = 1_000;
  const driver = new LoadCellDriver({ path, baudRate: 115200, profile, reopenDelayMs: 20, reopenAttemptsMax, openPort, now: () => t++, ...(silenceMs !== undefined ? { silenceMs } : {}) });
  const samples: LoadCellSample[] = [];
  driver.on('sample', (s) => samples.push(s));
  const emit = (b: Buffer): void => ports.at(-1)?.port?.emitData(b);
  return { path, driver, samples, ports, emit };
}

async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const drivers: LoadCellDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.stop()));
});

describe('LoadCellDriver on a mock serial port', () => {
  it('emits converted samples from frames split across reads, with dropouts as null', async () => {
    const r = rig();
    drivers.push(r.driver);
    await r.driver.start();
    const bytes = Buffer.concat([
      encodeSampleFrame({ counter: 1, readings: [12345, 50000] }),
      encodeSampleFrame({ counter: 2, readings: [READING_FAULT, 100001] }),
      encodeFrame(0x7e, Buffer.from([1, 2, 3])),
      encodeSampleFrame({ counter: 3, readings: [-100] }),
    ]);
    r.emit(bytes.subarray(0, 10));
    r.emit(bytes.subarray(10, 31));
    r.emit(bytes.subarray(31));
    await until(() => r.samples.length === 3);
    expect(r.samples.map((s) => [s.counter, s.grams])).toEqual([[1, [123.45, 500]], [2, [null, null]], [3, [-1, null]]]);
    expect(r.driver.counters()).toMatchObject({
      samples: 3, framesOk: 4, framesUnknownType: 1, readingsDropped: { fault: 1, range: 1, missing: 1, nan: 0 },
    });
  });

  it('keeps reading when a sample listener throws', async () => {
    const r = rig();
    drivers.push(r.driver);
    let calls = 0;
    r.driver.on('sample', () => {
      if (++calls === 1) throw new Error('listener bug');
    });
    await r.driver.start();
    r.emit(Buffer.concat([1, 2, 3].map((c) => encodeSampleFrame({ counter: c, readings: [1, 2] }))));
    await until(() => calls === 3);
    expect(r.samples.map((s) => s.counter)).toEqual([1, 2, 3]);
    expect(r.driver.counters().listenerErrors).toBe(1);
  });

  it('rejects start() when the port does not exist', async () => {
    const openPort = (o: SerialOpenOptions) => new SerialPortMock({ path: o.path, baudRate: o.baudRate, autoOpen: false });
    const d = new LoadCellDriver({ path: '/dev/none-' + randomUUID(), baudRate: 9600, profile, reopenDelayMs: 10, reopenAttemptsMax: 1, openPort, now: () => 0 });
    await expect(d.start()).rejects.toThrow(/does not exist/);
  });

  it('reopens after the port drops, dropping the half frame of the old session', async () => {
    const r = rig();
    drivers.push(r.driver);
    await r.driver.start();
    const f = encodeSampleFrame({ counter: 5, readings: [100, 200] });
    r.emit(f.subarray(0, 6));
    await new Promise((res) => setTimeout(res, 10));
    r.ports[0]?._disconnected(new Error('cable pulled'));
    await until(() => r.ports.length === 2 && r.ports[1]?.isOpen === true);
    r.emit(encodeSampleFrame({ counter: 6, readings: [300, 400] }));
    await until(() => r.samples.length === 1);
    expect(r.samples[0]?.counter).toBe(6);
    expect(r.driver.counters()).toMatchObject({ reopens: 1, framesTruncated: 1, framesOk: 1 });
  });

  it('reopens a port that stays open but silent for silenceMs, and not one that keeps talking', async () => {
    const r = rig(3, 150);
    drivers.push(r.driver);
    await r.driver.start();
    // Talking every 50 ms for 400 ms: never silent for 150 ms.
    for (let c = 1; c <= 8; c++) {
      r.emit(encodeSampleFrame({ counter: c, readings: [100, 200] }));
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(r.driver.counters()).toMatchObject({ silences: 0, reopens: 0 });
    expect(r.ports).toHaveLength(1);
    // Then nothing, and no close either (a tty whose far end went).
    await until(() => r.ports.length === 2 && r.ports[1]?.isOpen === true);
    expect(r.ports[0]?.isOpen).toBe(false);
    r.emit(encodeSampleFrame({ counter: 9, readings: [300, 400] }));
    await until(() => r.samples.length === 9);
    expect(r.driver.counters()).toMatchObject({ silences: 1, reopens: 1 });
  });

  it("emits 'fault' once after reopenAttemptsMax failed reopens, then stays quiet", async () => {
    const r = rig(2);
    drivers.push(r.driver);
    await r.driver.start();
    let faults = 0;
    r.driver.on('fault', () => faults++);
    const fault = once(r.driver, 'fault');
    // The device vanishes: every reopen now fails.
    MockBinding.reset();
    r.ports[0]?._disconnected(new Error('usb reset'));
    const [err] = (await fault) as [Error];
    expect(err.message).toMatch(/after 2 attempts/);
    await new Promise((res) => setTimeout(res, 100));
    expect(r.ports.length).toBe(3);
    expect(faults).toBe(1);
  });

  it('stop() is idempotent and no sample follows it', async () => {
    const r = rig();
    await r.driver.start();
    await r.driver.stop();
    await r.driver.stop();
    expect(r.ports[0]?.isOpen).toBe(false);
    expect(r.samples).toEqual([]);
  });
});
