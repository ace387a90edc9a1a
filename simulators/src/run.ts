/**
 * A simulation against a real broker. Each device has its own MQTT connection
 * with a retained `device/state` and an `offline` last will; gates subscribe to
 * their `gate/decision`. Simulated time runs at `speed` x wall time, or as fast as
 * publishing allows ('max', with a bound on publishes in flight).
 *
 * Gate decisions: the engine acts on a decision `gateResponseMs` of simulated time
 * after the request, so the byte stream does not depend on how fast the edge
 * answered. Other shoppers keep moving meanwhile; only if the answer is still
 * missing at that instant does the run wait for it, at most `decisionWaitMs` of
 * wall time, after which the shopper is turned away (truth: decision=timeout).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeMessage, topicFor, type StoreLayout } from '@tebura/contract';
import { SimEngine, type OutMsg } from './engine.js';
import { loadFacePhotos } from './faces.js';
import { population, type ShopperIdentity } from './population.js';
import { RecordingWriter } from './record.js';
import type { Scenario } from './scenario.js';
import type { GroundTruth } from './truth.js';

export interface SimHooks {
  /** The shopper's app asks the cloud for an entry token (the CLI wires this to the cloud API). */
  issueAppToken(customerId: string, storeId: string): Promise<string>;
}

export interface SimProgress {
  simTimeMs: number;
  durationMs: number;
  shoppersDone: number;
  shoppers: number;
}

export interface SimRunOptions {
  scenario: Scenario;
  store: StoreLayout;
  seed: number;
  mqttUrl: string;
  speed: number | 'max';
  hooks: SimHooks;
  truthPath?: string;
  recordPath?: string;
  onProgress?: (p: SimProgress) => void;
  signal?: AbortSignal;
  facesDir?: string;
  /** Simulated start (epoch ms). Default: the wall clock, so the edge sees current timestamps. */
  startMs?: number;
  /** Default: population(scenario, store, seed, { facesDir }). */
  identities?: readonly ShopperIdentity[];
  /** Wall-clock bound on waiting for one gate decision, ms. */
  decisionWaitMs?: number;
  /** Called once per problem kind (bad decision payload, publish error, token failure). */
  log?: (msg: string) => void;
}

export interface SimRunSummary {
  shoppers: number;
  messages: number;
  msgsPerS: number;
  simDurationMs: number;
  wallMs: number;
  truth: GroundTruth;
  /** Decisions that never came in time; decision payloads rejected; tokens the hook failed to issue. */
  decisionTimeouts: number;
  rejectedDecisions: number;
  tokenFailures: number;
}

/** Default wall-clock bound on one gate decision, ms. */
export const DECISION_WAIT_MS_DEFAULT = 10_000;
/** Publishes handed to MQTT.js but not yet written to the socket before the run waits. */
const IN_FLIGHT_MAX = 2000;
/** App tokens are requested this long (simulated) before the shopper reaches the gate, ms. */
const TOKEN_LOOKAHEAD_MS = 20_000;
/** Wall-clock bound on one token request, ms. */
const TOKEN_TIMEOUT_MS = 5000;
/** Wall-clock bound on connecting one device, ms. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Wall-clock bound on flushing the last publishes at the end, ms. */
const FLUSH_TIMEOUT_MS = 30_000;
/** Progress callbacks at most this often, wall ms. */
const PROGRESS_EVERY_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

export async function runSimulation(opts: SimRunOptions): Promise<SimRunSummary> {
  const { scenario, store } = opts;
  const log = opts.log ?? ((m: string) => console.warn(`[sim] ${m}`));
  const logged = new Set<string>();
  const logOnce = (kind: string, m: string): void => {
    if (!logged.has(kind)) {
      logged.add(kind);
      log(m);
    }
  };
  const facesDir = opts.facesDir ?? scenario.facesDir;
  const identities = opts.identities ?? population(scenario, store, opts.seed, facesDir === undefined ? {} : { facesDir });
  const photos = await loadFacePhotos(identities);
  const startMs = opts.startMs ?? Math.floor(Date.now() / 1000) * 1000;
  const tokens = new Map<string, string>();
  const outbox: OutMsg[] = [];
  const engine = new SimEngine({
    scenario, store, seed: opts.seed, startMs, identities,
    emit: (m) => outbox.push(m),
    appToken: (c) => tokens.get(c),
    facePhoto: (c) => photos.get(c),
  });
  const stats = { messages: 0, decisionTimeouts: 0, rejectedDecisions: 0, tokenFailures: 0, inFlight: 0 };
  let decisionArrived: (() => void) | null = null;
  let drained: (() => void) | null = null;
  const clients = await connectDevices(opts.mqttUrl, store.id, engine, (topic, payload) => {
    const d = decodeMessage(topic, payload);
    if (!d.ok || d.channel !== 'gate/decision') {
      stats.rejectedDecisions++;
      logOnce('decision', `dropped a gate/decision: ${d.ok ? 'wrong channel' : `${d.code} ${d.reason}`}`);
      return;
    }
    engine.deliverDecision(d.msg);
    decisionArrived?.();
  });
  const recorder = opts.recordPath === undefined ? null : new RecordingWriter(opts.recordPath, { storeId: store.id, source: 'sim', startMs, scenario: scenario.name, seed: opts.seed });
  const flushOutbox = async (): Promise<void> => {
    for (const m of outbox.splice(0)) {
      const c = clients.get(m.deviceId);
      if (c === undefined) continue;
      stats.inFlight++;
      stats.messages++;
      c.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => {
        stats.inFlight--;
        if (err) logOnce('publish', `publish failed: ${err.message}`);
        if (drained !== null && stats.inFlight < IN_FLIGHT_MAX / 2) {
          drained();
          drained = null;
        }
      });
      const wait = recorder?.write(m);
      if (wait) await wait;
      if (stats.inFlight >= IN_FLIGHT_MAX) await new Promise<void>((r) => (drained = r));
    }
  };
  const appArrivals = engine.people.groups.filter((g) => g.identity.method === 'app').map((g) => ({ customerId: g.identity.customerId, t: g.truth.arrivalTs }));
  let nextToken = 0;
  const wallStart = performance.now();
  let lastProgress = 0;
  const durationMs = scenario.durationS * 1000;
  const aborted = (): boolean => opts.signal?.aborted === true;
  let truth: GroundTruth | null = null;
  try {
    await flushOutbox();
    for (;;) {
      if (aborted()) break;
      const next = engine.peek();
      if (next === null) break;
      while (nextToken < appArrivals.length && appArrivals[nextToken]!.t <= next.t + TOKEN_LOOKAHEAD_MS) {
        const { customerId } = appArrivals[nextToken++]!;
        try {
          tokens.set(customerId, await withTimeout(opts.hooks.issueAppToken(customerId, store.id), TOKEN_TIMEOUT_MS, 'issueAppToken'));
        } catch (e) {
          stats.tokenFailures++;
          logOnce('token', `no app token for ${customerId}: ${(e as Error).message}`);
        }
      }
      if (opts.speed !== 'max') {
        const ahead = wallStart + (next.t - startMs) / opts.speed - performance.now();
        if (ahead > 2) await sleep(ahead);
      }
      if (next.awaitTxId !== null && !engine.hasDecision(next.awaitTxId)) {
        const giveUp = performance.now() + (opts.decisionWaitMs ?? DECISION_WAIT_MS_DEFAULT);
        while (!engine.hasDecision(next.awaitTxId) && performance.now() < giveUp && !aborted()) {
          await Promise.race([new Promise<void>((r) => (decisionArrived = r)), sleep(Math.max(1, giveUp - performance.now()))]);
          decisionArrived = null;
        }
        if (!engine.hasDecision(next.awaitTxId)) stats.decisionTimeouts++;
      }
      engine.step();
      await flushOutbox();
      if (opts.onProgress !== undefined && performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        opts.onProgress({ simTimeMs: engine.now - startMs, durationMs, shoppersDone: doneGroups(engine), shoppers: identities.length });
      }
    }
    truth = engine.finish();
    await flushOutbox();
    const giveUp = performance.now() + FLUSH_TIMEOUT_MS;
    while (stats.inFlight > 0 && performance.now() < giveUp) await sleep(5);
  } finally {
    await recorder?.close();
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
  }
  const wallMs = performance.now() - wallStart;
  if (truth === null) truth = engine.finish();
  if (opts.truthPath !== undefined) writeFileSync(opts.truthPath, `${JSON.stringify(truth, null, 1)}\n`);
  opts.onProgress?.({ simTimeMs: truth.endMs - startMs, durationMs, shoppersDone: doneGroups(engine), shoppers: identities.length });
  return {
    shoppers: identities.length, messages: stats.messages, msgsPerS: stats.messages / (wallMs / 1000), simDurationMs: truth.endMs - truth.startMs, wallMs, truth,
    decisionTimeouts: stats.decisionTimeouts, rejectedDecisions: stats.rejectedDecisions, tokenFailures: stats.tokenFailures,
  };
}

function doneGroups(engine: SimEngine): number {
  return engine.people.groups.filter((g) => g.members.every((m) => m.done)).length;
}

/** One connection per device, each with its retained offline will; gates listen for decisions. */
export async function connectDevices(url: string, storeId: string, engine: SimEngine, onDecision: (topic: string, payload: Buffer) => void): Promise<Map<string, MqttClient>> {
  const clients = new Map<string, MqttClient>();
  const suffix = randomUUID().slice(0, 8);
  try {
    for (const d of engine.deviceList()) {
      const will = { v: 1, deviceId: d.deviceId, bootId: engine.bootId, kind: d.kind, state: 'offline', ts: engine.cfg.startMs };
      const c = await withTimeout(
        mqtt.connectAsync(url, {
          clientId: `sim-${storeId}-${d.deviceId}-${suffix}`.slice(0, 120),
          protocolVersion: 4,
          reconnectPeriod: 1000,
          will: { topic: topicFor(storeId, 'device/state', d.deviceId), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
        }),
        CONNECT_TIMEOUT_MS,
        `connect ${d.deviceId}`,
      );
      clients.set(d.deviceId, c);
      // After a reconnect the broker has published our will: say online again (outside the recorded stream).
      c.on('connect', () => {
        const online = { ...will, state: 'online', ts: engine.now };
        c.publish(topicFor(storeId, 'device/state', d.deviceId), JSON.stringify(online), { qos: 1, retain: true });
      });
      if (d.kind === 'gate') {
        c.on('message', (topic, payload) => onDecision(topic, payload));
        await c.subscribeAsync(topicFor(storeId, 'gate/decision', d.deviceId), { qos: 1 });
      }
    }
  } catch (e) {
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
    throw e;
  }
  return clients;
}
