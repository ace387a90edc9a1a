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
import { writeFileSync } from 'node:fs';
import { decodeMessage, type StoreLayout } from '@tebura/contract';
import { SimEngine, type OutMsg } from './engine.js';
import { connectDevices, DevicePublisher, sleep, wakeable, withTimeout } from './connections.js';
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
  /**
   * 'per-device': each device publishes on its own connection. 'gateway': readings go
   * through one connection in simulated-time order. Default: gateway when the run is
   * faster than `GATEWAY_SPEED_MIN`x, where cross-socket races would reorder time.
   */
  transport?: 'per-device' | 'gateway';
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

/** Runs faster than this (simulated s per wall s) use the gateway transport by default. */
export const GATEWAY_SPEED_MIN = 4;

/** Default wall-clock bound on one gate decision, ms. */
export const DECISION_WAIT_MS_DEFAULT = 10_000;
/** App tokens are requested this long (simulated) before the shopper reaches the gate, ms. */
const TOKEN_LOOKAHEAD_MS = 20_000;
/** Wall-clock bound on one token request, ms. */
const TOKEN_TIMEOUT_MS = 5000;
/** Wall-clock bound on flushing the last publishes at the end, ms. */
const FLUSH_TIMEOUT_MS = 30_000;
/** Progress callbacks at most this often, wall ms. */
const PROGRESS_EVERY_MS = 250;

interface RunState {
  opts: SimRunOptions;
  engine: SimEngine;
  tokens: Map<string, string>;
  appArrivals: { customerId: string; t: number }[];
  nextToken: number;
  decisionTimeouts: number;
  rejectedDecisions: number;
  tokenFailures: number;
  decisionWaiter: (() => void) | null;
  logOnce: (kind: string, m: string) => void;
}

function onceLogger(log: (m: string) => void): (kind: string, m: string) => void {
  const logged = new Set<string>();
  return (kind, m) => {
    if (!logged.has(kind)) {
      logged.add(kind);
      log(m);
    }
  };
}

/** Asks the hook for tokens of app shoppers arriving before `untilMs` (simulated). */
async function fetchTokens(st: RunState, untilMs: number): Promise<void> {
  while (st.nextToken < st.appArrivals.length && st.appArrivals[st.nextToken]!.t <= untilMs) {
    const { customerId } = st.appArrivals[st.nextToken++]!;
    try {
      st.tokens.set(customerId, await withTimeout(st.opts.hooks.issueAppToken(customerId, st.opts.store.id), TOKEN_TIMEOUT_MS, 'issueAppToken'));
    } catch (e) {
      st.tokenFailures++;
      st.logOnce('token', `no app token for ${customerId}: ${(e as Error).message}`);
    }
  }
}

/** Waits, bounded in wall time, for the edge's answer to a gate transaction. */
async function awaitDecision(st: RunState, txId: string): Promise<void> {
  const giveUp = performance.now() + (st.opts.decisionWaitMs ?? DECISION_WAIT_MS_DEFAULT);
  while (!st.engine.hasDecision(txId) && performance.now() < giveUp && st.opts.signal?.aborted !== true) {
    const w = wakeable(giveUp - performance.now());
    st.decisionWaiter = w.wake;
    await w.done;
    st.decisionWaiter = null;
  }
  if (!st.engine.hasDecision(txId)) st.decisionTimeouts++;
}

export async function runSimulation(opts: SimRunOptions): Promise<SimRunSummary> {
  const { scenario, store } = opts;
  const logOnce = onceLogger(opts.log ?? ((m: string) => console.warn(`[sim] ${m}`)));
  const facesDir = opts.facesDir ?? scenario.facesDir;
  const identities = opts.identities ?? population(scenario, store, opts.seed, facesDir === undefined ? {} : { facesDir });
  const photos = await loadFacePhotos(identities);
  const startMs = opts.startMs ?? Math.floor(Date.now() / 1000) * 1000;
  const tokens = new Map<string, string>();
  const outbox: OutMsg[] = [];
  const engine = new SimEngine({ scenario, store, seed: opts.seed, startMs, identities, emit: (m) => outbox.push(m), appToken: (c) => tokens.get(c), facePhoto: (c) => photos.get(c) });
  const appArrivals = engine.people.groups.filter((g) => g.identity.method === 'app').map((g) => ({ customerId: g.identity.customerId, t: g.truth.arrivalTs }));
  const st: RunState = { opts, engine, tokens, appArrivals, nextToken: 0, decisionTimeouts: 0, rejectedDecisions: 0, tokenFailures: 0, decisionWaiter: null, logOnce };
  const gateway = (opts.transport ?? (opts.speed === 'max' || opts.speed > GATEWAY_SPEED_MIN ? 'gateway' : 'per-device')) === 'gateway';
  const clients = await connectDevices(opts.mqttUrl, store.id, engine, (topic, payload) => {
    // Never throws out of the MQTT handler: a bad answer is counted, logged once and dropped.
    const d = decodeMessage(topic, payload);
    if (!d.ok || d.channel !== 'gate/decision') {
      st.rejectedDecisions++;
      logOnce('decision', `dropped a gate/decision: ${d.ok ? 'wrong channel' : `${d.code} ${d.reason}`}`);
      return;
    }
    engine.deliverDecision(d.msg);
    st.decisionWaiter?.();
  }, gateway);
  const recorder = opts.recordPath === undefined ? null : new RecordingWriter(opts.recordPath, { storeId: store.id, source: 'sim', startMs, scenario: scenario.name, seed: opts.seed });
  const publisher = new DevicePublisher(clients, recorder, (err) => logOnce('publish', `publish failed: ${err.message}`));
  const progress = (): void => opts.onProgress?.({ simTimeMs: engine.now - startMs, durationMs: scenario.durationS * 1000, shoppersDone: doneGroups(engine), shoppers: identities.length });
  const wallStart = performance.now();
  let truth: GroundTruth;
  try {
    await publisher.publish(outbox.splice(0));
    let lastProgress = 0;
    for (let next = engine.peek(); next !== null && opts.signal?.aborted !== true; next = engine.peek()) {
      await fetchTokens(st, next.t + TOKEN_LOOKAHEAD_MS);
      const ahead = opts.speed === 'max' ? 0 : wallStart + (next.t - startMs) / opts.speed - performance.now();
      if (ahead > 2) await sleep(ahead);
      if (next.awaitTxId !== null && !engine.hasDecision(next.awaitTxId)) await awaitDecision(st, next.awaitTxId);
      engine.step();
      await publisher.publish(outbox.splice(0));
      if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        progress();
      }
    }
    truth = engine.finish();
    await publisher.publish(outbox.splice(0));
    await publisher.flush(FLUSH_TIMEOUT_MS);
  } finally {
    await recorder?.close();
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
  }
  const wallMs = performance.now() - wallStart;
  if (opts.truthPath !== undefined) writeFileSync(opts.truthPath, `${JSON.stringify(truth, null, 1)}\n`);
  progress();
  return {
    shoppers: identities.length, messages: publisher.messages, msgsPerS: publisher.messages / (wallMs / 1000), simDurationMs: truth.endMs - truth.startMs, wallMs, truth,
    decisionTimeouts: st.decisionTimeouts, rejectedDecisions: st.rejectedDecisions, tokenFailures: st.tokenFailures,
  };
}

function doneGroups(engine: SimEngine): number {
  return engine.people.groups.filter((g) => g.members.every((m) => m.done)).length;
}

export { connectDevices } from './connections.js';
