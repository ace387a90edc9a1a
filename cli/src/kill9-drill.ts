/**
 * A kill -9 drill with the REAL perception; kill9-sim.integration.test.ts runs it.
 * By hand: npx tsx cli/src/kill9-drill.ts [--kills 0,1,2]
 *
 * kill -9 with the REAL perception: a simulated store (raw grams, detections,
 * gate requests and crossings from the simulator) runs through Mosquitto into an
 * edge child process, which is killed -9 mid-event (a hand on a plate, weight not
 * settled), mid-exit (crossing just sent) and just after a crossing-in, and restarted on the same
 * SQLite file. The receipts and review items must equal those of an uninterrupted
 * run of the same seed, and the receipts must equal the simulator's truth.
 *
 * It lives in cli/ because edge/ must not import the simulator. Every message is
 * published QoS 1 here (the simulator sends readings at QoS 0): Mosquitto keeps
 * only QoS 1 for an offline persistent session, and this test is about what the
 * edge persists, not about what a QoS 0 device loses while the edge is down.
 * The broker is a private Mosquitto with deploy/'s bounds (testing/mosquitto.ts):
 * the shared one's default queue of 1000 messages overflowed when a restart took
 * eight seconds on a loaded CI machine, and the broker dropped a pick's readings.
 *
 * What it found, now fixed: plate levels were not checkpointed (a pick in progress
 * at the kill was lost); crossings-in and admissions were not in the checkpoint
 * with their effect; a track restored from a checkpoint seconds old was matched
 * to whoever stood where it had been (one shopper's picks charged to another).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { topicFor, type Receipt } from '@tebura/contract';
import { DECISION_WAIT_MS_DEFAULT, generateTraffic, loadScenario, loadStore, population, type GroundTruth, type OutMsg, type Scenario } from '@tebura/sim';
import { EdgeProcess } from '@tebura/edge/testing/edge-process';
import { startPrivateMosquitto } from '@tebura/edge/testing/mosquitto';
import { testIssuer, type TestIssuer } from '@tebura/edge/testing/tokens';
import { DEFAULT_STORE, SCENARIO_DIR } from './paths.js';

const SEED = 7;
/** Simulated seconds per wall second: fast, yet the edge's wall-clock exit wait (500 ms) still spans seconds of shelf data. */
const SPEED = 8;
/** A publisher behind its schedule catches up at most this much (keeps the pace after a stall). */
const MAX_LAG_MS = 200;
/** The default periodic checkpoint, in store (simulated) time. */
const SNAPSHOT_INTERVAL_STORE_MS = 1000;
/** After the last message, receipts must all be there within this. */
const CLOSE_WAIT_MS = 30_000;

interface Traffic {
  storeId: string;
  msgs: OutMsg[];
  truth: GroundTruth;
}

/** Three one-shopper visits, a few seconds apart, so kills land while others shop. */
function scenarioOf(): Scenario {
  const s = loadScenario(join(SCENARIO_DIR, '01-one-shopper.yaml'));
  return { ...s, shoppers: 3, arrivals: { pattern: 'uniform', windowS: 20 } };
}

async function traffic(issuer: TestIssuer, startMs: number): Promise<Traffic> {
  // A store id per run keeps the two runs' persistent broker sessions apart.
  const store = { ...loadStore(DEFAULT_STORE), id: `k9s-${randomBytes(4).toString('hex')}` };
  const scenario = scenarioOf();
  const identities = population(scenario, store, SEED);
  const nowS = Math.floor(Date.now() / 1000);
  const appTokens = new Map<string, string>();
  for (const i of identities) {
    appTokens.set(i.customerId, await issuer.sign({ sub: i.customerId, store: store.id, jti: `${store.id}-${i.customerId}`, iatS: nowS, expS: nowS + 3600 }));
  }
  const msgs: OutMsg[] = [];
  const { truth } = generateTraffic({ scenario, store, seed: SEED, startMs, identities, appTokens, onMessage: (m) => msgs.push(m) });
  return { storeId: store.id, msgs, truth };
}

/**
 * Message indices to kill after: a hand on a plate (the first pick's weight is
 * changing), an exit crossing just sent, and the last shopper just crossed in
 * (admitted, not yet bound to a track). Not mid-identification: the edge acks a
 * gate request before answering it, and a real gate retries unanswered requests
 * with a new envelope, which the simulator's stream does not model.
 */
function killPoints(t: Traffic): number[] {
  const firstPick = t.truth.events.find((e) => e.kind === 'pick');
  if (firstPick === undefined) throw new Error('the scenario took nothing');
  // The truth's ts is when the weight starts to change; 200 ms later the plate is still moving.
  const midEvent = t.msgs.findIndex((m) => m.channel === 'loadcell/weight' && m.t >= firstPick.ts + 200);
  const midExit = t.msgs.findIndex((m) => m.channel === 'gate/crossing' && m.payload.includes('"out"'));
  const ins = t.msgs.flatMap((m, i) => (m.channel === 'gate/crossing' && m.payload.includes('"in"') ? [i] : []));
  return [midEvent, midExit, ins[ins.length - 1]!].sort((a, b) => a - b);
}

interface RunResult {
  receipts: Receipt[];
  reviews: string[];
  openAtKill: number[];
  notClosed: number;
}

async function runStore(broker: string, t: Traffic, issuer: TestIssuer, killAfter: readonly number[]): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tebura-k9s-'));
  const dbPath = join(dir, 'edge.db');
  const cfgPath = join(dir, 'edge.json');
  const layout = loadStore(DEFAULT_STORE);
  // Tracks move between cart writes: the periodic checkpoint keeps their positions, once
  // a second of store time as with the default bound at 1x (it is wall-clock).
  writeFileSync(cfgPath, JSON.stringify({
    storeId: t.storeId, mqttUrl: broker, dbPath, layout: { ...layout, id: t.storeId }, entryKeys: issuer.jwks, console: { enabled: false },
    bounds: { snapshotIntervalMs: Math.round(SNAPSHOT_INTERVAL_STORE_MS / SPEED) },
  }));
  const edge = new EdgeProcess(cfgPath, { perception: 'real' });
  await edge.start();
  const pub = await mqtt.connectAsync(broker, { clientId: `k9s-pub-${t.storeId}`, protocolVersion: 4 });
  // A gate opens only on its decision: the stream's crossing-in (sent gateResponseMs
  // after the request) must not reach the edge before the decision left it.
  const decided = new Set<string>();
  const asked: string[] = [];
  pub.on('message', (_topic, payload) => {
    const txId = (JSON.parse(payload.toString()) as { txId?: unknown }).txId;
    if (typeof txId === 'string') decided.add(txId);
  });
  await pub.subscribeAsync(topicFor(t.storeId, 'gate/decision', '+'), { qos: 1 });
  const openAtKill: number[] = [];
  let restarting: Promise<void> = Promise.resolve();
  let down = false;
  let wallAt = Date.now();
  let tAt = t.msgs[0]!.t;
  try {
    for (const [i, m] of t.msgs.entries()) {
      // While the edge is down the store runs at 1x: the broker queues for an offline
      // session what a real store would send during a restart (deploy/ lets it keep 10 000
      // messages, 80 s of this store at 1x; 8x overflowed Mosquitto's default 1000).
      const due = wallAt + (m.t - tAt) / (down ? 1 : SPEED);
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      wallAt = Math.max(due, Date.now() - MAX_LAG_MS);
      tAt = m.t;
      const awaitDecisions = async (): Promise<void> => {
        // As the simulator's gates: a decision is waited for at most this long, wall clock.
        const deadline = Date.now() + DECISION_WAIT_MS_DEFAULT;
        while (asked.some((x) => !decided.has(x)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        wallAt = Math.max(wallAt, Date.now() - MAX_LAG_MS);
      };
      if (m.channel === 'gate/crossing' && m.payload.includes('"in"')) await awaitDecisions();
      if (m.channel === 'gate/entry') asked.push((JSON.parse(m.payload) as { txId: string }).txId);
      await pub.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain });
      if (!killAfter.includes(i)) continue;
      await restarting;
      // Not mid-identification (see killPoints): the request would be lost, not retried.
      await awaitDecisions();
      await edge.kill('SIGKILL');
      openAtKill.push(countOpen(dbPath));
      // Restart in the background while the store keeps publishing.
      down = true;
      restarting = edge.start().then(() => {
        down = false;
      });
    }
    await restarting;
    const want = t.truth.sessions.filter((s) => s.decision === 'open').length;
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const deadline = Date.now() + CLOSE_WAIT_MS;
      const closed = (): number => (db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE status = 'closed'`).get() as { n: number }).n;
      while (closed() < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500)); // anything late would show up as extra rows
      return {
        notClosed: (db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE status != 'closed'`).get() as { n: number }).n,
        receipts: (db.prepare('SELECT record FROM receipts').all() as { record: string }[]).map((r) => JSON.parse(r.record) as Receipt),
        reviews: (db.prepare('SELECT event_id, reason FROM review_items ORDER BY event_id').all() as { event_id: string; reason: string }[]).map((r) => `${r.event_id} ${r.reason}`),
        openAtKill,
      };
    } finally {
      db.close();
    }
  } finally {
    await pub.endAsync();
    await edge.kill('SIGTERM');
  }
}

function countOpen(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM sessions WHERE status != 'closed'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** What must match across runs: customer, lines and totals, not the run's ids and times. */
function baskets(rs: readonly Receipt[]): { customerId: string; lines: { sku: string; quantity: number }[]; totalMinor: number }[] {
  return rs
    .map((r) => ({ customerId: r.customerId, lines: r.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })).sort((a, b) => a.sku.localeCompare(b.sku)), totalMinor: r.totalMinor }))
    .sort((a, b) => a.customerId.localeCompare(b.customerId));
}

/** Runs the store twice (uninterrupted, then killed at `kills` of killPoints) and lists every difference. */
export async function kill9Drill(kills: readonly number[] = [0, 1, 2]): Promise<{ problems: string[]; plain: RunResult; killed: RunResult }> {
  const issuer = await testIssuer();
  const startMs = Date.now();
  // The deployment's broker bounds, not the shared broker's defaults (see testing/mosquitto.ts).
  const broker = await startPrivateMosquitto();
  let plain: RunResult;
  let killed: RunResult;
  let t: Traffic;
  try {
    plain = await runStore(broker.url, await traffic(issuer, startMs), issuer, []);
    t = await traffic(issuer, startMs);
    killed = await runStore(broker.url, t, issuer, killPoints(t).filter((_, i) => kills.includes(i)));
  } finally {
    await broker.stop();
  }
  const problems: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (plain.notClosed + killed.notClosed > 0) problems.push(`sessions not closed: uninterrupted ${plain.notClosed}, killed ${killed.notClosed}`);
  // Each kill must hit a store with someone inside: the restart had state to bring back.
  if (killed.openAtKill.length !== kills.length || killed.openAtKill.some((n) => n === 0)) problems.push(`open sessions at the kills: ${JSON.stringify(killed.openAtKill)}`);
  if (!same(baskets(killed.receipts), baskets(plain.receipts))) problems.push(`receipts differ: killed ${JSON.stringify(baskets(killed.receipts))} vs ${JSON.stringify(baskets(plain.receipts))}`);
  if (!same(killed.reviews, plain.reviews)) problems.push(`review items differ: killed ${JSON.stringify(killed.reviews)} vs ${JSON.stringify(plain.reviews)}`);
  const truth = t.truth.sessions
    .filter((s) => s.decision === 'open' && s.basket.length > 0)
    .map((s) => ({ customerId: s.customerId, lines: [...s.basket].sort((a, b) => a.sku.localeCompare(b.sku)) }));
  const charged = baskets(plain.receipts).filter((r) => r.lines.length > 0).map(({ customerId, lines }) => ({ customerId, lines }));
  if (!same(charged, truth)) problems.push(`uninterrupted run differs from the truth: ${JSON.stringify(charged)} vs ${JSON.stringify(truth)}`);
  return { problems, plain, killed };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''));
if (isMain) {
  const i = process.argv.indexOf('--kills');
  const kills = i < 0 ? [0, 1, 2] : (process.argv[i + 1] ?? '').split(',').map(Number);
  kill9Drill(kills).then(
    (r) => {
      process.stdout.write(`${JSON.stringify({ kills, problems: r.problems, openAtKill: r.killed.openAtKill }, null, 2)}\n`);
      process.exit(r.problems.length === 0 ? 0 : 1);
    },
    (e: unknown) => {
      process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
      process.exit(2);
    },
  );
}
