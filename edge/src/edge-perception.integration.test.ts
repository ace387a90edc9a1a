/**
 * The node with the REAL perception (createPerception, the startEdge default)
 * through an in-process aedes broker: one shopper walks from the entry gate to a
 * shelf, takes a 250 g item and leaves. The edge's clock is a ManualClock moved to
 * each message's time before it is published, so the run is as fast as the broker.
 * Signals come from perception's own synthetic generators (noise, hand press,
 * oscillation), not from the simulator.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Aedes } from 'aedes';
import { ManualClock, Prng, topicFor, type CameraDetections, type Channel, type GateDecision } from '@tebura/contract';
import { startEdge } from './index.js';
import { fixtureLayout, weightMessages } from './perception/fixtures.js';
import { plateSeries } from './perception/synthetic.js';
import { walkerAt, type Waypoint } from './perception/scenario.js';
import { testIssuer } from './testing/tokens.js';
import { TestDevices } from './testing/wire.js';
import { waitFor } from './testing/wait.js';

const T0 = 1_800_000_000_000;
const layout = fixtureLayout({ noiseSigmaG: 1 });
const path: Waypoint[] = [
  { ts: T0, x: 1, y: 0.5 },
  { ts: T0 + 1000, x: 1, y: 0.5 },
  { ts: T0 + 4000, x: 3.5, y: 2.6 },
  { ts: T0 + 7000, x: 3.5, y: 2.6 },
  { ts: T0 + 10_000, x: 8, y: 0.5 },
];
const DURATION_MS = 11_000;

type Action = { ts: number; channel: Channel | 'entry'; deviceId: string; msg: object | null };

function timeline(): Action[] {
  const prng = new Prng(5);
  const out: Action[] = [];
  for (const g of layout.gondolas) {
    for (const sh of g.shelves) {
      const rate = sh.loadCell.sampleRateHz;
      const n = Math.ceil((DURATION_MS / 1000) * rate);
      const series = sh.plates.map((pl, i) =>
        plateSeries(prng, {
          samples: n, baseG: 600 + 50 * i, noiseG: sh.loadCell.noiseSigmaG, sampleRateHz: rate,
          steps: pl.id === 'g1s1p3' ? [{ at: Math.round(5 * rate), deltaG: -250, handSamples: Math.round(rate * 0.5), oscillationG: 10 }] : [],
        }),
      );
      for (const m of weightMessages(sh, T0, series)) {
        out.push({ ts: m.ts + (m.readings[0]!.grams.length - 1) * m.sampleIntervalMs, channel: 'loadcell/weight', deviceId: m.deviceId, msg: m });
      }
    }
  }
  layout.cameras.forEach((cam, ci) => {
    let seq = 0;
    for (let ts = T0 + ci * 7; ts <= T0 + DURATION_MS; ts += 100) {
      const pos = walkerAt(path, ts);
      const detections: CameraDetections['detections'] = pos ? [{ localId: `${cam.id}-L0`, x: pos.x + prng.normal(0, 0.05), y: pos.y + prng.normal(0, 0.05), confidence: 0.9 }] : [];
      out.push({ ts, channel: 'camera/detections', deviceId: cam.id, msg: { v: 1, msgId: `${cam.id}:b:${seq}`, deviceId: cam.id, bootId: 'b', seq: seq++, ts, detections } });
    }
  });
  out.push({ ts: T0 + 500, channel: 'entry', deviceId: 'gate-in', msg: null });
  const gates = new TestDevices('gb');
  out.push({ ts: T0 + 1000, channel: 'gate/crossing', deviceId: 'gate-in', msg: gates.crossing('gate-in', T0 + 1000, 'in') });
  out.push({ ts: T0 + 10_000, channel: 'gate/crossing', deviceId: 'gate-out', msg: gates.crossing('gate-out', T0 + 10_000, 'out') });
  return out.sort((a, b) => a.ts - b.ts);
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('edge node with the real perception', () => {
  it('one shopper, one pick: the receipt names the item and the shopper', async () => {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    closers.push(() => new Promise((r) => server.close(() => broker.close(() => r()))));
    const storeId = `rp-${Math.random().toString(36).slice(2, 10)}`;
    const issuer = await testIssuer();
    const clock = new ManualClock(T0);
    const node = await startEdge(
      { storeId, mqttUrl: url, dbPath: ':memory:', layout, entryKeys: issuer.jwks, console: { enabled: false } },
      { clock, logger: pino({ level: 'silent' }) },
    );
    closers.push(() => node.close());
    const pub = await mqtt.connectAsync(url, { clientId: `pub-${storeId}`, protocolVersion: 4 });
    closers.push(() => pub.endAsync());
    const decisions: GateDecision[] = [];
    pub.on('message', (_t, p) => decisions.push(JSON.parse(p.toString()) as GateDecision));
    await pub.subscribeAsync(topicFor(storeId, 'gate/decision', 'gate-in'), { qos: 1 });
    const token = await issuer.sign({ sub: 'cust-7', store: storeId, jti: 'rp-1', iatS: T0 / 1000, expS: T0 / 1000 + 600 });
    const entryDev = new TestDevices('gate-boot');
    let sent = 0;
    for (const a of timeline()) {
      clock.set(Math.max(clock.now(), Math.floor(a.ts)));
      if (a.channel === 'entry') {
        await pub.publishAsync(topicFor(storeId, 'gate/entry', 'gate-in'), JSON.stringify(entryDev.entry('gate-in', a.ts, 'tx-1', token)), { qos: 1 });
        sent++;
        await waitFor(() => decisions.find((d) => d.txId === 'tx-1'), 5000, 'gate decision');
        continue;
      }
      await pub.publishAsync(topicFor(storeId, a.channel, a.deviceId), JSON.stringify(a.msg), { qos: 0 });
      sent++;
      await waitFor(() => node.stats().messages >= sent, 5000, `message ${sent} processed`);
    }
    expect(decisions[0]).toMatchObject({ decision: 'open', customerId: 'cust-7' });
    const [receipt] = await waitFor(() => (node.receipts().length > 0 ? node.receipts() : undefined), 5000, 'receipt');
    expect(receipt!.customerId).toBe('cust-7');
    expect(receipt!.lines.map((l) => [l.sku, l.quantity])).toEqual([['sku-003', 1]]);
    expect(node.stats().reviewItems).toBe(0);
    expect(node.stats().eventToCartMs.count).toBe(1);
  });
});
