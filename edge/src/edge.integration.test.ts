/**
 * The whole node through a real broker: Mosquitto on 127.0.0.1:1883 and an
 * in-process aedes. A shopper enters with a real app token, picks two onigiri,
 * walks out; a receipt must come out. Perception here is the node's test fake
 * (testing/fake-perception.ts): this test is about the node, not inference.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Aedes } from 'aedes';
import { topicFor, type GateDecision } from '@tebura/contract';
import { startEdge } from './index.js';
import { testLayout } from './testing/layout.js';
import { fakePerceptionFactory } from './testing/fake-perception.js';
import { testIssuer } from './testing/tokens.js';
import { TestDevices } from './testing/wire.js';
import { waitFor } from './testing/wait.js';

async function startAedes(): Promise<{ url: string; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => broker.close(() => r()));
    }),
  };
}

async function shopOnce(mqttUrl: string): Promise<void> {
  const storeId = `it-${Math.random().toString(36).slice(2, 10)}`;
  const issuer = await testIssuer();
  const node = await startEdge(
    { storeId, mqttUrl, dbPath: ':memory:', layout: testLayout(), entryKeys: issuer.jwks, console: { enabled: false } },
    { perceptionFactory: fakePerceptionFactory, logger: pino({ level: 'silent' }) },
  );
  const pub = await mqtt.connectAsync(mqttUrl, { clientId: `pub-${storeId}`, protocolVersion: 4 });
  try {
    const decisions: GateDecision[] = [];
    pub.on('message', (_t, p) => decisions.push(JSON.parse(p.toString()) as GateDecision));
    await pub.subscribeAsync(topicFor(storeId, 'gate/decision', 'gate-in'), { qos: 1 });
    const dev = new TestDevices();
    const send = async (ch: Parameters<typeof topicFor>[1], id: string, m: object, qos: 0 | 1 = 0) =>
      pub.publishAsync(topicFor(storeId, ch, id), JSON.stringify(m), { qos });
    const t0 = Date.now();
    await send('loadcell/weight', 'lc-1', dev.weight('lc-1', t0, { p1: 2200, p2: 5300 }));
    const token = await issuer.sign({ sub: 'cust-42', store: storeId, jti: 'j-1', iatS: Math.floor(t0 / 1000), expS: Math.floor(t0 / 1000) + 60 });
    await send('gate/entry', 'gate-in', dev.entry('gate-in', t0 + 10, 'tx-1', token), 1);
    const open = await waitFor(() => decisions.find((d) => d.txId === 'tx-1'), 5000, 'gate decision');
    expect(open).toMatchObject({ status: 'ok', decision: 'open', reason: 'OK', customerId: 'cust-42', deviceId: `edge-${storeId}` });
    await send('camera/detections', 'cam-1', { ...dev.env('cam-1', t0 + 20), detections: [{ localId: 't1', x: 2.2, y: 2.0, confidence: 0.9 }] });
    await send('loadcell/weight', 'lc-1', dev.weight('lc-1', t0 + 30, { p1: 1980, p2: 5300 }));
    // The same token again: single use.
    await send('gate/entry', 'gate-in', dev.entry('gate-in', t0 + 35, 'tx-2', token), 1);
    const reused = await waitFor(() => decisions.find((d) => d.txId === 'tx-2'), 5000, 'second decision');
    expect(reused).toMatchObject({ decision: 'deny', reason: 'TOKEN_REUSED' });
    await send('gate/crossing', 'gate-out', dev.crossing('gate-out', t0 + 40, 'out'), 1);
    const receipts = await waitFor(() => (node.receipts().length === 1 ? node.receipts() : undefined), 5000, 'receipt');
    const r = receipts[0]!;
    expect(r.customerId).toBe('cust-42');
    expect(r.lines).toEqual([{ sku: 'onigiri', name: 'Onigiri salmon', quantity: 2, unitPriceMinor: 148, taxClass: 'food', lineTotalMinor: 296 }]);
    expect(r.taxMinor).toBe(23);
    expect(r.totalMinor).toBe(319);
    expect(r.closedAt).toBe(t0 + 40);
    const st = node.stats();
    expect(st.sessionsClosed).toBe(1);
    expect(st.rejected).toBe(0);
    expect(st.outboxPending).toBe(2); // no cloud configured: session + receipt wait in the outbox
  } finally {
    await pub.endAsync();
    await node.close();
  }
}

describe('edge node through a broker', () => {
  it('Mosquitto on 127.0.0.1:1883: entry, pick, exit -> receipt', async () => {
    await shopOnce('mqtt://127.0.0.1:1883');
  });

  const brokers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const b of brokers) await b.close();
  });
  it('in-process aedes: entry, pick, exit -> receipt', async () => {
    const b = await startAedes();
    brokers.push(b);
    await shopOnce(b.url);
  });
});
