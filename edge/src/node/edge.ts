/**
 * startEdge: wires config, SQLite, perception, identity, ingest, MQTT, the outbox
 * uploader and the console into one running store node.
 */
import type { FacePipeline } from '@tebura/models';
import { setUpBiometrics } from './biometrics.js';
import { queueDisputes } from './disputes.js';
import type { SyncDispute } from '../sync/gallery-sync.js';
import type { MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { EnvelopeSequencer, Prng, systemClock, type Clock, type Receipt } from '@tebura/contract';
import { asEdgeConfig, type EdgeConfig } from '../config.js';
import type { CredentialMatcher } from '../identity/api.js';
import type { Perception, PerceptionFactory } from '../perception/api.js';
import type { ConsoleSource } from '../console/source.js';
import { startConsole } from '../console/index.js';
import { createPerception } from '../perception/index.js';
import { Ingest } from '../ingest/ingest.js';
import type { SeqWatermark } from '../ingest/sequencer.js';
import { EdgeMetrics } from '../metrics.js';
import { openDb, type Db } from '../store/db.js';
import { Repo } from '../store/repo.js';
import { CatalogSync, overlayCatalog, persistedCatalog } from '../sync/catalog-sync.js';
import { OutboxUploader } from '../sync/outbox.js';
import { Carts } from './carts.js';
import { LiveHub, makeConsoleSource, RECEIPTS_LIST_MAX } from './console-source.js';
import type { NodeDeps } from './deps.js';
import { GateHandler } from './gate.js';
import { buildMatchers } from './matchers.js';
import { closeEdgeMqtt, connectEdgeMqtt } from './mqtt.js';
import { Sessions, type Checkpoint } from './sessions.js';
import { collectStats, flatStats, type EdgeStats } from './stats.js';
import { NodeTimers } from './timers.js';
import type { StandingLookup } from '../sync/standing-sync.js';

export interface EdgeDeps {
  clock?: Clock;
  matchers?: CredentialMatcher[];
  perceptionFactory?: PerceptionFactory;
  logger?: Logger;
  fetch?: typeof fetch;
  /** A loaded face pipeline to share (tests, benchmarks); otherwise loaded when identity.face.enabled. */
  facePipeline?: FacePipeline;
  /** Customer standing for the gates; by default pulled from the cloud (identity.standing). */
  standing?: StandingLookup;
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
  /** Pulls enrolments, deletions and customer standing from the cloud now; resolves when applied (or failed, logged). */
  syncIdentity(): Promise<void>;
  close(): Promise<void>;
}

/** How long startEdge waits for the broker before starting anyway. */
const MQTT_CONNECT_WAIT_MS = 10_000;
/** A clean close waits this long for the offline state to be acknowledged. */
const MQTT_CLOSE_WAIT_MS = 1000;

/** One running node. The constructor only wires objects; start() does the I/O. */
class EdgeRuntime {
  readonly db: Db;
  readonly repo: Repo;
  readonly metrics: EdgeMetrics;
  readonly hub: LiveHub;
  readonly d: NodeDeps;
  readonly carts: Carts;
  readonly sessions: Sessions;
  readonly perception: Perception;
  readonly ingest: Ingest;
  readonly gate: GateHandler;
  readonly source: ConsoleSource;
  readonly edgeDeviceId: string;
  readonly bootId: string;
  readonly startedAt: number;
  uploader: OutboxUploader | null = null;
  client: MqttClient | null = null;
  consoleServer: { url: string; close(): Promise<void> } | null = null;
  timers: NodeTimers | null = null;
  /** Work still running when close() is called: awaited before the database closes. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private entriesInFlight = 0;
  private closed = false;

  constructor(
    readonly cfg: EdgeConfig,
    readonly clock: Clock,
    readonly log: Logger,
    private readonly deps: EdgeDeps,
  ) {
    this.db = openDb(cfg.dbPath);
    this.repo = new Repo(this.db);
    this.metrics = new EdgeMetrics(cfg.bounds.latencySamplesMax);
    this.hub = new LiveHub((err) => log.warn({ err }, 'live listener threw'));
    // A catalog pulled before this start (prices, planogram) applies from the first session.
    const catalog = persistedCatalog(this.repo, cfg.layout);
    const layout = catalog === null ? cfg.layout : overlayCatalog(cfg.layout, catalog);
    this.d = { storeId: cfg.storeId, layout, repo: this.repo, clock, metrics: this.metrics, log, emit: (e) => this.hub.emit(e), queued: () => this.uploader?.wake() };
    this.carts = new Carts(this.d);
    this.sessions = new Sessions(this.d, this.carts, cfg.bounds.settleTimeoutMs);
    this.perception = (deps.perceptionFactory ?? createPerception)(layout, clock, this.carts);
    this.edgeDeviceId = `edge-${cfg.storeId}`;
    this.bootId = `b${this.repo.nextBoot()}`;
    const matchers = buildMatchers(cfg, { clock, repo: this.repo, metrics: this.metrics, log, fetch: deps.fetch ?? globalThis.fetch, extra: deps.matchers ?? [] });
    this.gate = new GateHandler({
      storeId: cfg.storeId, layout, clock, metrics: this.metrics, log, sessions: this.sessions, matchers,
      guestsMax: cfg.identity.guestsMax, ...(deps.standing !== undefined ? { standing: deps.standing } : {}),
      envelopes: new EnvelopeSequencer(this.edgeDeviceId, this.bootId), publisher: () => this.client, emit: this.d.emit,
    });
    this.ingest = this.makeIngest();
    this.startedAt = clock.now();
    this.source = makeConsoleSource({
      storeId: cfg.storeId, layout, repo: this.repo, carts: this.carts, sessions: this.sessions, perception: () => this.perception,
      devices: () => this.ingest.health.views(), stats: () => flatStats(this.stats()), hub: this.hub,
    });
  }

  stats(): EdgeStats {
    return collectStats(this.repo, this.metrics, this.clock.now() - this.startedAt);
  }

  private track(p: Promise<unknown>, onDone?: () => void): void {
    const t = p.finally(() => {
      this.inFlight.delete(t);
      onDone?.();
    });
    this.inFlight.add(t);
  }

  private makeIngest(): Ingest {
    const { perception, sessions, repo, cfg } = this;
    const totalChanges = this.db.prepare('SELECT total_changes()').pluck();
    // Perception's sink writes happen inside this transaction, with the checkpoint
    // that produced them: after a kill -9 both are there or neither is.
    const feed = (fn: () => void): void =>
      repo.tx(() => {
        const n0 = totalChanges.get();
        fn();
        if (totalChanges.get() !== n0) sessions.saveSnapshot();
        else sessions.markUnsaved();
      });
    return new Ingest(cfg.storeId, cfg.bounds, this.clock, this.metrics, this.log, {
      weight: (m) => feed(() => perception.onWeight(m)),
      detections: (m) => feed(() => perception.onDetections(m)),
      hints: (m) => feed(() => perception.onHints(m)),
      entry: (m) => {
        // A slow matcher (face at a large gallery) must not pile up requests without bound.
        if (this.entriesInFlight >= cfg.bounds.gateRequestsInFlightMax) {
          this.gate.busy(m);
          return;
        }
        this.entriesInFlight++;
        this.track(this.gate.entry(m), () => this.entriesInFlight--);
      },
      crossing: (m) => {
        if (m.direction === 'in') {
          // The broker has this message acknowledged once the handler returns: the
          // admission it binds must be in the checkpoint, or a kill -9 loses who came in.
          repo.tx(() => {
            perception.onCrossing(m.deviceId, 'in', m.ts);
            sessions.saveSnapshot();
          });
          return;
        }
        // Replayed crossings after a restart are dropped by the restored watermarks.
        const sid = sessions.exitBegin(m.deviceId, m.ts);
        if (sid === null) return;
        this.track(
          sessions.exitFinish(sid).catch((err: unknown) => {
            this.metrics.handlerError('exit');
            this.log.error({ err, gateId: m.deviceId }, 'exit handling failed');
          }),
        );
      },
      deviceState: (device) => this.d.emit({ type: 'device', device }),
    });
  }

  /** Restores the last checkpoint; interrupted exits are finished in start(). */
  private async restore(): Promise<void> {
    const { sessions, ingest, repo, cfg } = this;
    const cp = repo.loadSnapshot() as Checkpoint | undefined;
    if (cp?.v === 2) this.perception.restore(cp.perception);
    sessions.attach(this.perception);
    ingest.health.restore(repo.devices());
    if (cp?.v === 2 && Array.isArray(cp.seqs)) ingest.restoreWatermarks(cp.seqs as SeqWatermark[]);
    sessions.seqState = () => ingest.watermarks();
    this.carts.checkpoint = () => sessions.saveSnapshot();
    // Shelf packets held for reordering may still hold this shopper's last pick.
    sessions.beforeSettle = async () => {
      if (ingest.heldCount() > 0) await new Promise((r) => setTimeout(r, cfg.bounds.reorderWindowMs + NodeTimers.tickMs(cfg)));
    };
  }

  async start(): Promise<void> {
    const { cfg, clock, log, repo, metrics } = this;
    await this.restore();
    if (cfg.cloud !== undefined) {
      this.uploader = new OutboxUploader({
        repo, storeId: cfg.storeId, cloud: cfg.cloud, fetch: this.deps.fetch ?? globalThis.fetch, clock, prng: new Prng(cfg.seed).fork('outbox'),
        bounds: cfg.bounds, metrics, log,
        onSent: (row) => {
          if (row.kind !== 'receipt') return;
          const s = repo.session(row.session_id);
          if (s?.exit_wall_ms != null) metrics.exitToChargeMs.add(clock.now() - s.exit_wall_ms);
        },
      });
      this.uploader.start();
    }
    this.timers = new NodeTimers(cfg, { clock, log, metrics, repo, ingest: this.ingest, sessions: this.sessions, perception: this.perception, hub: this.hub });
    this.client = await connectEdgeMqtt({
      url: cfg.mqttUrl, clientId: cfg.mqttClientId ?? this.edgeDeviceId, storeId: cfg.storeId, edgeDeviceId: this.edgeDeviceId, bootId: this.bootId,
      now: () => clock.now(), log, connectTimeoutMs: MQTT_CONNECT_WAIT_MS, onMessage: (t, p) => this.ingest.onMessage(t, p),
      beforeAck: () => this.sessions.saveIfUnsaved(),
    });
    // Exits interrupted by a crash close after the broker's backlog (what arrived while
    // down) has had one settle timeout to reach perception: a last pick may be in it.
    this.track(new Promise((r) => setTimeout(r, cfg.bounds.settleTimeoutMs)).then(() => this.sessions.recover()).catch((err: unknown) => {
      this.metrics.handlerError('recover');
      log.error({ err }, 'closing interrupted exits failed');
    }));
    if (cfg.console.enabled) this.consoleServer = await startConsole(this.source, { host: cfg.console.host, port: cfg.console.port, clock });
  }

  /** Stops in dependency order; safe after a failed start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers?.stop();
    if (this.client !== null) {
      await closeEdgeMqtt(this.client, { storeId: this.cfg.storeId, edgeDeviceId: this.edgeDeviceId, bootId: this.bootId, now: () => this.clock.now() }, MQTT_CLOSE_WAIT_MS);
    }
    await Promise.allSettled([...this.inFlight]);
    await this.uploader?.stop();
    await this.consoleServer?.close();
    this.sessions.saveSnapshot();
    this.repo.tx(() => this.ingest.health.rows().forEach((r) => this.repo.saveDevice(r)));
    this.db.close();
  }
}

export async function startEdge(cfgIn: EdgeConfig | unknown, deps: EdgeDeps = {}): Promise<EdgeNode> {
  const cfg = asEdgeConfig(cfgIn);
  const log = deps.logger ?? pino({ name: 'tebura-edge', level: 'info' });
  // Disputes arrive with the feed; the runtime that queues them exists only after the matchers.
  let onDisputes: (d: readonly SyncDispute[]) => void = () => undefined;
  let onCatalogVersion: (v: number) => void = () => undefined;
  const bio = await setUpBiometrics(cfg, log, deps.fetch ?? globalThis.fetch, deps.facePipeline, (d) => onDisputes(d), (v) => onCatalogVersion(v));
  // Injected matchers (tests, other deployments) win over the configured ones.
  const standing = deps.standing ?? bio.standing;
  const rt = new EdgeRuntime(cfg, deps.clock ?? systemClock, log, { ...deps, matchers: [...bio.matchers, ...(deps.matchers ?? [])], ...(standing !== undefined ? { standing } : {}) });
  onDisputes = (d) => queueDisputes(rt, d);
  if (cfg.cloud !== undefined) {
    const catalog = new CatalogSync({
      storeId: cfg.storeId, cloud: cfg.cloud, repo: rt.repo, baseLayout: cfg.layout, timeoutMs: cfg.bounds.httpTimeoutMs, log, fetch: deps.fetch ?? globalThis.fetch,
      // The checkout reads d.layout at each close: the next receipt uses the new prices.
      apply: (layout) => (rt.d.layout = layout),
    });
    onCatalogVersion = (v) => void catalog.check(v);
  }
  try {
    await rt.start();
    bio.start();
  } catch (e) {
    await bio.close().catch((err: unknown) => log.error({ err }, 'biometrics cleanup after a failed start failed'));
    await rt.close().catch((err: unknown) => rt.log.error({ err }, 'cleanup after a failed start failed'));
    throw e;
  }
  return {
    storeId: cfg.storeId,
    consoleUrl: rt.consoleServer?.url ?? null,
    source: rt.source,
    stats: () => rt.stats(),
    receipts: () => rt.repo.receipts<Receipt>(RECEIPTS_LIST_MAX),
    metricsText: () => rt.metrics.registry.metrics(),
    syncIdentity: () => bio.syncNow(),
    close: async () => {
      await bio.close();
      await rt.close();
    },
  };
}
