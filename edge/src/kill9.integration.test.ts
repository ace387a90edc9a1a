/**
 * kill -9 at arbitrary moments loses nothing: the edge runs in a child process
 * (tsx) fed by a deterministic publisher through Mosquitto, is killed twice
 * mid-run and restarted on the same SQLite file; its receipts must equal those of
 * an uninterrupted run and of the script itself.
 *
 * Perception here is the node's FAKE (testing/fake-perception.ts), on purpose:
 * the real one is timing-dependent and tested in perception/; this test is about
 * the node's persistence (sessions, carts, checkpoints, outbox), not inference.
 *
 * Every message goes QoS 1 to the edge's persistent session, so the broker keeps
 * what arrives while the edge is dead; a gate that gets no answer retries its
 * request with the same txId, as real gates do.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { Prng, topicFor, type Channel, type GateDecision, type Receipt } from '@tebura/contract';
import { testLayout } from './testing/layout.js';
import { testIssuer, type TestIssuer } from './testing/tokens.js';
import { TestDevices } from './testing/wire.js';
import { EdgeProcess } from './testing/edge-process.js';
import { buildReceipt } from './checkout/receipt.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const T0 = 1_800_000_000_000;
const SHOPPERS = 8;
const layout = testLayout();
const plates = layout.planogram.map((e) => ({ plateId: e.plateIds[0]!, sku: e.sku, unitG: layout.products.find((p) => p.sku === e.sku)!.unitWeightG.mean }));
const shelfOf = (plateId: string) => (['p1', 'p2'].includes(plateId) ? 'lc-1' : 'lc-2');

type Step =
  | { kind: 'pub'; channel: Channel; deviceId: string; msg: object }
  | { kind: 'entry'; shopper: number };

interface Script {
  steps: Step[];
  expected: { customerId: string; cart: Map<string, number>; openedAt: number; closedAt: number }[];
}

/** Shoppers one after another: enter, 1-3 picks (three packets at each new level), leave. */
function script(seed: number): Script {
  const prng = new Prng(seed);
  const dev = new TestDevices('b1');
  const level = new Map(plates.map((p) => [p.plateId, 5000]));
  const steps: Step[] = [];
  const expected: Script['expected'] = [];
  let ts = T0;
  const weights = (plateId: string) => {
    const d = shelfOf(plateId);
    const readings = plates.filter((p) => shelfOf(p.plateId) === d).map((p) => ({ plateId: p.plateId, g: level.get(p.plateId)! }));
    for (let k = 0; k < 3; k++) {
      steps.push({ kind: 'pub', channel: 'loadcell/weight', deviceId: d, msg: dev.weight(d, (ts += 50), Object.fromEntries(readings.map((r) => [r.plateId, r.g]))) });
    }
  };
  for (const p of plates) weights(p.plateId);
  for (let i = 0; i < SHOPPERS; i++) {
    steps.push({ kind: 'entry', shopper: i });
    const e = { customerId: `cust-${i}`, cart: new Map<string, number>(), openedAt: (ts += 100), closedAt: 0 };
    steps.push({ kind: 'pub', channel: 'camera/detections', deviceId: 'cam-1', msg: { ...dev.env('cam-1', (ts += 10)), detections: [{ localId: `t${i}`, x: 2.5, y: 1.8, confidence: 0.9 }] } });
    const picks = prng.int(1, 3);
    for (let k = 0; k < picks; k++) {
      const p = prng.pick(plates);
      const n = prng.int(1, 2);
      level.set(p.plateId, level.get(p.plateId)! - n * p.unitG);
      e.cart.set(p.sku, (e.cart.get(p.sku) ?? 0) + n);
      weights(p.plateId);
    }
    e.closedAt = ts += 100;
    steps.push({ kind: 'pub', channel: 'gate/crossing', deviceId: 'gate-out', msg: dev.crossing('gate-out', e.closedAt, 'out') });
    expected.push(e);
  }
  return { steps, expected };
}

/** killAt: step index -> ms to wait before the kill (0 catches messages in flight, more catches them processed). */
async function runStore(sc: Script, issuer: TestIssuer, killAt: Map<number, number>): Promise<Receipt[]> {
  const storeId = `k9-${Math.random().toString(36).slice(2, 10)}`;
  const dir = mkdtempSync(join(tmpdir(), 'tebura-k9-'));
  const dbPath = join(dir, 'edge.db');
  const cfgPath = join(dir, 'edge.json');
  // No help from periodic snapshots: every checkpoint that matters must be transactional.
  const bounds = { snapshotIntervalMs: 600_000 };
  writeFileSync(cfgPath, JSON.stringify({ storeId, mqttUrl: BROKER, dbPath, layout, entryKeys: issuer.jwks, console: { enabled: false }, bounds }));
  const edge = new EdgeProcess(cfgPath);
  await edge.start();
  const pub: MqttClient = await mqtt.connectAsync(BROKER, { clientId: `k9pub-${storeId}`, protocolVersion: 4 });
  const decisions = new Map<string, GateDecision>();
  pub.on('message', (_t, p) => {
    const d = JSON.parse(p.toString()) as GateDecision;
    decisions.set(d.txId, d);
  });
  await pub.subscribeAsync(topicFor(storeId, 'gate/decision', 'gate-in'), { qos: 1 });
  const gate = new TestDevices('gb1');
  const nowS = Math.floor(Date.now() / 1000);
  let restarting: Promise<void> | null = null;
  try {
    for (const [i, step] of sc.steps.entries()) {
      const killDelayMs = killAt.get(i);
      if (killDelayMs !== undefined) {
        // Kill without a clean stop, then restart in the background while we keep publishing.
        await new Promise((r) => setTimeout(r, killDelayMs));
        await edge.kill('SIGKILL');
        restarting = edge.start();
      }
      if (step.kind === 'pub') {
        await pub.publishAsync(topicFor(storeId, step.channel, step.deviceId), JSON.stringify(step.msg), { qos: 1 });
        continue;
      }
      const token = await issuer.sign({ sub: `cust-${step.shopper}`, store: storeId, jti: `${storeId}-j${step.shopper}`, iatS: nowS, expS: nowS + 3600 });
      const txId = `tx-${step.shopper}`;
      const deadline = Date.now() + 30_000;
      while (!decisions.has(txId)) {
        if (Date.now() > deadline) throw new Error(`no gate decision for ${txId}`);
        const req = gate.entry('gate-in', sc.expected[step.shopper]!.openedAt, txId, token);
        await pub.publishAsync(topicFor(storeId, 'gate/entry', 'gate-in'), JSON.stringify(req), { qos: 1 });
        for (let w = 0; w < 100 && !decisions.has(txId); w++) await new Promise((r) => setTimeout(r, 10));
      }
      expect(decisions.get(txId)).toMatchObject({ decision: 'open', customerId: `cust-${step.shopper}` });
    }
    await restarting;
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const deadline = Date.now() + 20_000;
      while ((db.prepare('SELECT COUNT(*) AS n FROM receipts').get() as { n: number }).n < SHOPPERS) {
        if (Date.now() > deadline) throw new Error('receipts did not arrive');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300)); // anything late would show up as extra rows
      expect((db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE status != 'closed'`).get() as { n: number }).n).toBe(0);
      expect((db.prepare('SELECT COUNT(*) AS n FROM review_items').get() as { n: number }).n).toBe(0);
      expect((db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n).toBe(2 * SHOPPERS);
      return (db.prepare('SELECT record FROM receipts').all() as { record: string }[]).map((r) => JSON.parse(r.record) as Receipt);
    } finally {
      db.close();
    }
  } finally {
    await pub.endAsync();
    await edge.kill('SIGTERM');
  }
}

/** What must match across runs: everything but the store-specific ids. */
function normalized(rs: Receipt[]) {
  return rs
    .map(({ receiptId: _r, sessionId: _s, storeId: _st, ...rest }) => rest)
    .sort((a, b) => a.openedAt - b.openedAt);
}

describe('kill -9 and restart', () => {
  it('gives the same receipts as an uninterrupted run and as the script', async () => {
    const sc = script(11);
    const issuer = await testIssuer();
    const plain = await runStore(sc, issuer, new Map());
    const prng = new Prng(99);
    const n = sc.steps.length;
    const kills = new Map([
      [prng.int(Math.floor(n * 0.1), Math.floor(n * 0.3)), 0],
      [prng.int(Math.floor(n * 0.35), Math.floor(n * 0.6)), 30],
      [prng.int(Math.floor(n * 0.65), Math.floor(n * 0.9)), 15],
    ]);
    const killed = await runStore(sc, issuer, kills);
    expect(normalized(killed)).toEqual(normalized(plain));
    const truth = sc.expected.map((e) =>
      buildReceipt(layout, 'x', { sessionId: 'x', customerId: e.customerId, openedAt: e.openedAt }, [...e.cart].map(([sku, quantity]) => ({ sku, quantity })), e.closedAt),
    );
    expect(normalized(plain)).toEqual(normalized(truth));
  }, 120_000);
});
