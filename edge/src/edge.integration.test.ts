/**
 * The whole node through a real broker: Mosquitto on 127.0.0.1:1883 and an
 * in-process aedes. A shopper enters with a real app token, picks two onigiri,
 * walks out; a receipt must come out. Perception here is the node's test fake
 * (testing/fake-perception.ts): this test is about the node, not inference.
 */
import http from 'node:http';
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

/** A stand-in for the cloud (the real one is cloud/'s): JWKS plus idempotent record ingest. */
async function fakeCloud(jwks: object): Promise<{ url: string; posts: string[]; close(): Promise<void> }> {
  const posts: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/entry-tokens/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
        return;
      }
      if (req.method === 'GET' && req.url?.includes('/sync?') === true) {
        // The gallery pull: nobody enrolled here.
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 0, more: false, enrolments: [], deletions: [] }));
        return;
      }
      if (req.method === 'GET' && req.url?.endsWith('/standing') === true) {
        // The standing pull: everyone in good standing.
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ asOf: 0, truncated: false, customers: [] }));
        return;
      }
      posts.push(`${req.url} ${String(req.headers['idempotency-key'])}`);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'created', id: req.headers['idempotency-key'] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, posts, close: () => new Promise((r) => server.close(() => r())) };
}

async function shopOnce(mqttUrl: string, withCloud: boolean): Promise<void> {
  const storeId = `it-${Math.random().toString(36).slice(2, 10)}`;
  const issuer = await testIssuer();
  const cloud = withCloud ? await fakeCloud(issuer.jwks) : null;
  // With a cloud the token keys come from its JWKS endpoint; without, from config.
  const keys = cloud === null ? { entryKeys: issuer.jwks, console: { enabled: false } } : { cloud: { url: cloud.url, apiKey: 'k' }, console: { enabled: true } };
  const node = await startEdge(
    { storeId, mqttUrl, dbPath: ':memory:', layout: testLayout(), ...keys },
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
    if (cloud === null) {
      expect(st.outboxPending).toBe(2); // no cloud configured: session + receipt wait in the outbox
      expect(node.consoleUrl).toBeNull();
    } else {
      await waitFor(() => node.stats().outboxSent === 2, 5000, 'outbox drained');
      expect(cloud.posts).toEqual([`/v1/stores/${storeId}/sessions ${r.sessionId}`, `/v1/stores/${storeId}/receipts ${r.receiptId}`]);
      expect(node.stats().exitToChargeMs.count).toBe(1);
      expect(await node.metricsText()).toMatch(/tebura_edge_messages_total\{channel="loadcell\/weight"\} 2/);
      const live: string[] = [];
      const unsubscribe = node.source.subscribe((e) => live.push(e.type));
      await waitFor(() => live.includes('people') && live.includes('plates'), 3000, 'live people and plates');
      unsubscribe();
      const res = await fetch(`${node.consoleUrl}/api/receipts?limit=5`);
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).toContain(r.receiptId);
    }
  } finally {
    await pub.endAsync();
    await node.close();
    await cloud?.close();
  }
}

describe('edge node through a broker', () => {
  it('Mosquitto on 127.0.0.1:1883: entry, pick, exit -> receipt', async () => {
    await shopOnce('mqtt://127.0.0.1:1883', false);
  });

  const brokers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const b of brokers) await b.close();
  });
  it('in-process aedes: entry, pick, exit -> receipt, uploaded to a cloud, shown on the console', async () => {
    const b = await startAedes();
    brokers.push(b);
    await shopOnce(b.url, true);
  });
});

describe('edge node while the cloud is away', () => {
  it('keeps admitting and closing; the outbox drains in order once the cloud returns', async () => {
    const b = await startAedes();
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const storeId = `down-${Math.random().toString(36).slice(2, 10)}`;
    const issuer = await testIssuer();
    const node = await startEdge(
      {
        storeId, mqttUrl: b.url, dbPath: ':memory:', layout: testLayout(), entryKeys: issuer.jwks, console: { enabled: false },
        cloud: { url: `http://127.0.0.1:${port}`, apiKey: 'k' },
        bounds: { retryBackoffBaseMs: 20, retryBackoffMaxMs: 100, outboxPollMs: 20 },
      },
      { perceptionFactory: fakePerceptionFactory, logger: pino({ level: 'silent' }) },
    );
    const pub = await mqtt.connectAsync(b.url, { clientId: `pub-${storeId}`, protocolVersion: 4 });
    let cloud: http.Server | null = null;
    try {
      const decided = new Set<string>();
      pub.on('message', (_t, p) => decided.add((JSON.parse(p.toString()) as GateDecision).txId));
      await pub.subscribeAsync(topicFor(storeId, 'gate/decision', 'gate-in'), { qos: 1 });
      const dev = new TestDevices();
      const nowS = Math.floor(Date.now() / 1000);
      for (let i = 0; i < 3; i++) {
        const token = await issuer.sign({ sub: `c${i}`, store: storeId, jti: `j${i}`, iatS: nowS, expS: nowS + 600 });
        await pub.publishAsync(topicFor(storeId, 'gate/entry', 'gate-in'), JSON.stringify(dev.entry('gate-in', 1000 + i, `tx${i}`, token)), { qos: 1 });
        await waitFor(() => decided.has(`tx${i}`), 5000, 'decision');
        await pub.publishAsync(topicFor(storeId, 'gate/crossing', 'gate-out'), JSON.stringify(dev.crossing('gate-out', 2000 + i, 'out')), { qos: 1 });
      }
      await waitFor(() => node.stats().receipts === 3, 5000, 'receipts while the cloud is down');
      await new Promise((r) => setTimeout(r, 200));
      expect(node.stats()).toMatchObject({ outboxPending: 6, outboxSent: 0 });
      const order: string[] = [];
      cloud = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          // A cloud without the batch route: the uploader falls back to one record per request.
          if (req.url!.endsWith('/records')) return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'E_NOT_FOUND' }));
          order.push(`${req.url!.split('/').pop()} ${String(req.headers['idempotency-key'])}`);
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'created', id: 'x' }));
        });
      });
      await new Promise<void>((r) => cloud!.listen(port, '127.0.0.1', () => r()));
      await waitFor(() => node.stats().outboxSent === 6, 10_000, 'outbox drained');
      for (const r of node.receipts()) {
        expect(order.indexOf(`sessions ${r.sessionId}`)).toBeLessThan(order.indexOf(`receipts ${r.receiptId}`));
      }
      expect(order).toHaveLength(6);
    } finally {
      await pub.endAsync();
      await node.close();
      if (cloud !== null) await new Promise<void>((r) => cloud!.close(() => r()));
      await b.close();
    }
  });
});
