/**
 * startEdge: wires config, SQLite, perception, identity, ingest, MQTT, the outbox
 * uploader and the console into one running store node.
 */
import type { MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { EnvelopeSequencer, Prng, systemClock, type Clock, type Receipt } from '@tebura/contract';
import { asEdgeConfig, type EdgeConfig } from '../config.js';
import type { CredentialMatcher } from '../identity/api.js';
import { AppTokenMatcher } from '../identity/app-token.js';
import type { Perception, PerceptionFactory } from '../perception/api.js';
import type { ConsoleSource } from '../console/source.js';
import { startConsole } from '../console/index.js';
import { createPerception } from '../perception/index.js';
import { Ingest } from '../ingest/ingest.js';
import { EdgeMetrics } from '../metrics.js';
import { openDb } from '../store/db.js';
import { Repo } from '../store/repo.js';
import { OutboxUploader } from '../sync/outbox.js';
import { Carts } from './carts.js';
import { LiveHub, makeConsoleSource, RECEIPTS_LIST_MAX } from './console-source.js';
import type { NodeDeps } from './deps.js';
import { GateHandler } from './gate.js';
import { closeEdgeMqtt, connectEdgeMqtt } from './mqtt.js';
import { Sessions, type Checkpoint } from './sessions.js';
import type { SeqWatermark } from '../ingest/sequencer.js';
import { collectStats, flatStats, type EdgeStats } from './stats.js';
import { SqliteJtiStore } from './jtis.js';

export interface EdgeDeps {
  clock?: Clock;
  matchers?: CredentialMatcher[];
  perceptionFactory?: PerceptionFactory;
  logger?: Logger;
  fetch?: typeof fetch;
}

export interface EdgeNode {
  storeId: string;
  consoleUrl: string | null;
  source: ConsoleSource;
  stats(): EdgeStats;
  /** Newest first, at most RECEIPTS_LIST_MAX. */
  receipts(): Receipt[];
  /** Prometheus text exposition of this node's metrics. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/** How long startEdge waits for the broker before starting anyway. */
const MQTT_CONNECT_WAIT_MS = 10_000;
/** How often old outbox rows and event ids are pruned. */
const PRUNE_INTERVAL_MS = 3_600_000;
/** A clean close waits this long for the offline state to be acknowledged. */
const MQTT_CLOSE_WAIT_MS = 1000;

export async function startEdge(cfgIn: EdgeConfig | unknown, deps: EdgeDeps = {}): Promise<EdgeNode> {
  const cfg = asEdgeConfig(cfgIn);
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? pino({ name: 'tebura-edge', level: 'info' });
  const factory = deps.perceptionFactory ?? createPerception;
  const db = openDb(cfg.dbPath);
  const repo = new Repo(db);
  const metrics = new EdgeMetrics(cfg.bounds.latencySamplesMax);
  const hub = new LiveHub((err) => log.warn({ err }, 'live listener threw'));
  let uploader: OutboxUploader | null = null;
  const d: NodeDeps = { storeId: cfg.storeId, layout: cfg.layout, repo, clock, metrics, log, emit: (e) => hub.emit(e), queued: () => uploader?.wake() };
  const carts = new Carts(d);
  const sessions = new Sessions(d, carts, cfg.bounds.settleTimeoutMs);
  const perception: Perception = factory(cfg.layout, clock, carts);
  const checkpoint = repo.loadSnapshot() as Checkpoint | undefined;
  if (checkpoint?.v === 2) perception.restore(checkpoint.perception);
  sessions.attach(perception);

  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const matchers = new Map<string, CredentialMatcher>();
  matchers.set('app', new AppTokenMatcher({
    storeId: cfg.storeId, clock, jtis: new SqliteJtiStore(repo), usedJtisMax: cfg.bounds.usedJtisMax,
    onKeyFetchError: (reason) => {
      metrics.handlerError('jwks_fetch');
      log.warn({ reason }, 'entry-token keys not fetched; using cached or configured keys');
    },
    ...(cfg.entryKeys !== undefined ? { staticKeys: cfg.entryKeys } : {}),
    ...(cfg.cloud !== undefined ? { cloud: { url: cfg.cloud.url, fetch: fetchImpl, cacheMs: cfg.bounds.jwksCacheMs, timeoutMs: cfg.bounds.httpTimeoutMs } } : {}),
  }));
  for (const m of deps.matchers ?? []) matchers.set(m.kind, m);

  const edgeDeviceId = `edge-${cfg.storeId}`;
  const bootId = `b${repo.nextBoot()}`;
  let client: MqttClient | null = null;
  const gate = new GateHandler({
    storeId: cfg.storeId, layout: cfg.layout, clock, metrics, log, sessions, matchers,
    envelopes: new EnvelopeSequencer(edgeDeviceId, bootId), publisher: () => client, emit: d.emit,
  });
  // Perception's sink writes happen inside this transaction, with the snapshot
  // that produced them: after a kill -9 both are there or neither is.
  // Work still running when close() is called: awaited before the database closes.
  const inFlight = new Set<Promise<unknown>>();
  let entriesInFlight = 0;
  const track = (p: Promise<unknown>, done?: () => void, begin?: () => void): void => {
    begin?.();
    const t = p.finally(() => {
      inFlight.delete(t);
      done?.();
    });
    inFlight.add(t);
  };
  const tickMs = Math.max(10, Math.floor(cfg.bounds.reorderWindowMs / 2));
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  const feed = (fn: () => void): void =>
    repo.tx(() => {
      const n0 = totalChanges.get();
      fn();
      if (totalChanges.get() !== n0) sessions.saveSnapshot();
    });
  const ingest = new Ingest(cfg.storeId, cfg.bounds, clock, metrics, log, {
    weight: (m) => feed(() => perception.onWeight(m)),
    detections: (m) => feed(() => perception.onDetections(m)),
    hints: (m) => feed(() => perception.onHints(m)),
    entry: (m) => {
      // A slow matcher (face at a large gallery) must not pile up requests without bound.
      if (entriesInFlight >= cfg.bounds.gateRequestsInFlightMax) gate.busy(m);
      else track(gate.entry(m), () => entriesInFlight--, () => entriesInFlight++);
    },
    crossing: (m) => {
      if (m.direction === 'in') {
        perception.onCrossing(m.deviceId, 'in', m.ts);
        return;
      }
      // Replayed crossings after a restart are dropped by the restored watermarks.
      const sid = sessions.exitBegin(m.deviceId, m.ts);
      if (sid === null) return;
      track(
        sessions.exitFinish(sid).catch((err: unknown) => {
          metrics.handlerError('exit');
          log.error({ err, gateId: m.deviceId }, 'exit handling failed');
        }),
      );
    },
    deviceState: (device) => d.emit({ type: 'device', device }),
  });
  ingest.health.restore(repo.devices());
  if (checkpoint?.v === 2 && Array.isArray(checkpoint.seqs)) ingest.restoreWatermarks(checkpoint.seqs as SeqWatermark[]);
  sessions.seqState = () => ingest.watermarks();
  carts.checkpoint = () => sessions.saveSnapshot();
  // Shelf packets held for reordering may still hold this shopper's last pick.
  sessions.beforeSettle = async () => {
    if (ingest.heldCount() > 0) await new Promise((r) => setTimeout(r, cfg.bounds.reorderWindowMs + tickMs));
  };
  await sessions.recover();

  if (cfg.cloud !== undefined) {
    uploader = new OutboxUploader({
      repo, storeId: cfg.storeId, cloud: cfg.cloud, fetch: fetchImpl, clock, prng: new Prng(cfg.seed).fork('outbox'),
      bounds: cfg.bounds, metrics, log,
      onSent: (row) => {
        if (row.kind !== 'receipt') return;
        const s = repo.session(row.session_id);
        if (s?.exit_wall_ms != null) metrics.exitToChargeMs.add(clock.now() - s.exit_wall_ms);
      },
    });
    uploader.start();
  }

  const startedAt = clock.now();
  const stats = (): EdgeStats => collectStats(repo, metrics, clock.now() - startedAt);
  const tickTimer = setInterval(() => ingest.tick(), tickMs);
  const liveTimer = setInterval(() => {
    if (!hub.hasListeners()) return;
    try {
      const ts = clock.now();
      d.emit({ type: 'people', people: perception.people(), ts });
      d.emit({ type: 'plates', grams: perception.plateWeights(), ts });
    } catch (err) {
      metrics.handlerError('live');
      log.error({ err }, 'live update failed');
    }
  }, cfg.bounds.liveIntervalMs);
  let prunedAt = -Infinity;
  const persistTimer = setInterval(() => {
    try {
      sessions.saveSnapshot();
      repo.tx(() => ingest.health.rows().forEach((r) => repo.saveDevice(r)));
      if (clock.now() - prunedAt >= PRUNE_INTERVAL_MS) {
        prunedAt = clock.now();
        repo.prune(prunedAt - cfg.bounds.retentionMs);
      }
    } catch (err) {
      metrics.handlerError('persist');
      log.error({ err }, 'periodic persist failed');
    }
  }, cfg.bounds.snapshotIntervalMs);

  const source = makeConsoleSource({
    storeId: cfg.storeId, layout: cfg.layout, repo, carts, sessions, perception: () => perception,
    devices: () => ingest.health.views(), stats: () => flatStats(stats()), hub,
  });
  client = await connectEdgeMqtt({
    url: cfg.mqttUrl, clientId: cfg.mqttClientId ?? edgeDeviceId, storeId: cfg.storeId, edgeDeviceId, bootId,
    now: () => clock.now(), log, connectTimeoutMs: MQTT_CONNECT_WAIT_MS, onMessage: (t, p) => ingest.onMessage(t, p),
  });
  const consoleServer = cfg.console.enabled ? await startConsole(source, { host: cfg.console.host, port: cfg.console.port, clock }) : null;

  let closed = false;
  return {
    storeId: cfg.storeId,
    consoleUrl: consoleServer?.url ?? null,
    source,
    stats,
    receipts: () => repo.receipts<Receipt>(RECEIPTS_LIST_MAX),
    metricsText: () => metrics.registry.metrics(),
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(tickTimer);
      clearInterval(persistTimer);
      clearInterval(liveTimer);
      if (client !== null) await closeEdgeMqtt(client, { storeId: cfg.storeId, edgeDeviceId, bootId, now: () => clock.now() }, MQTT_CLOSE_WAIT_MS);
      await Promise.allSettled([...inFlight]);
      await uploader?.stop();
      await consoleServer?.close();
      sessions.saveSnapshot();
      repo.tx(() => ingest.health.rows().forEach((r) => repo.saveDevice(r)));
      db.close();
    },
  };
}
