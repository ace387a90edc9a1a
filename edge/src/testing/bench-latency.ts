/**
 * Node latencies with real I/O: N shoppers one after another through the broker
 * (entry with an app token, one pick, exit), a local stand-in for the cloud. Uses
 * the node's fake perception so the numbers are the node's own (apply a cart delta;
 * exit crossing -> receipt acknowledged by the cloud, settle included).
 *
 *   npx tsx edge/src/testing/bench-latency.ts [mqttUrl] [shoppers]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { topicFor, type GateDecision } from '@tebura/contract';
import { startEdge } from '../node/edge.js';
import type { EdgeStats } from '../node/stats.js';
import { fakePerceptionFactory } from './fake-perception.js';
import { testLayout } from './layout.js';
import { testIssuer } from './tokens.js';
import { waitFor } from './wait.js';
import { TestDevices } from './wire.js';

export async function benchLatency(mqttUrl: string, shoppers: number): Promise<EdgeStats> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'created', id: req.headers['idempotency-key'] })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const storeId = `lat-${Math.random().toString(36).slice(2, 10)}`;
  const issuer = await testIssuer();
  const cloud = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k' };
  const node = await startEdge(
    { storeId, mqttUrl, mqttClientId: `edge-${storeId}`, dbPath: ':memory:', layout: testLayout(), cloud, entryKeys: issuer.jwks, console: { enabled: false }, bounds: { outboxPollMs: 50 } },
    { perceptionFactory: fakePerceptionFactory, logger: pino({ level: 'silent' }) },
  );
  const pub = await mqtt.connectAsync(mqttUrl, { clientId: `pub-${storeId}`, protocolVersion: 4 });
  const decided = new Set<string>();
  pub.on('message', (_t, p) => decided.add((JSON.parse(p.toString()) as GateDecision).txId));
  await pub.subscribeAsync(topicFor(storeId, 'gate/decision', 'gate-in'), { qos: 1 });
  const dev = new TestDevices();
  const send = (ch: Parameters<typeof topicFor>[1], id: string, m: object) => pub.publishAsync(topicFor(storeId, ch, id), JSON.stringify(m), { qos: 1 });
  let level = 100_000;
  await send('loadcell/weight', 'lc-1', dev.weight('lc-1', Date.now(), { p1: level }));
  const nowS = Math.floor(Date.now() / 1000);
  for (let i = 0; i < shoppers; i++) {
    const token = await issuer.sign({ sub: `c${i}`, store: storeId, jti: `j${i}`, iatS: nowS, expS: nowS + 3600 });
    await send('gate/entry', 'gate-in', dev.entry('gate-in', Date.now(), `tx${i}`, token));
    await waitFor(() => decided.has(`tx${i}`), 5000, 'decision');
    level -= 110;
    await send('loadcell/weight', 'lc-1', dev.weight('lc-1', Date.now(), { p1: level }));
    await send('gate/crossing', 'gate-out', dev.crossing('gate-out', Date.now(), 'out'));
    await waitFor(() => node.stats().outboxSent >= 2 * (i + 1), 5000, 'receipt acknowledged');
  }
  const stats = node.stats();
  await pub.endAsync();
  await node.close();
  await new Promise<void>((r) => server.close(() => r()));
  return stats;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchLatency(process.argv[2] ?? 'mqtt://127.0.0.1:1883', Number(process.argv[3] ?? 50)).then(
    (s) => process.stdout.write(`${JSON.stringify({ receipts: s.receipts, eventToCartMs: s.eventToCartMs, exitToChargeMs: s.exitToChargeMs }, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}
