/** The node's periodic work: ingest ticks, checkpoints and device health, pruning, live updates. */
import type { Clock } from '@tebura/contract';
import type { Logger } from 'pino';
import type { EdgeConfig } from '../config.js';
import type { Ingest } from '../ingest/ingest.js';
import type { EdgeMetrics } from '../metrics.js';
import type { Perception } from '../perception/api.js';
import type { Repo } from '../store/repo.js';
import type { LiveHub } from './console-source.js';
import type { Sessions } from './sessions.js';

/** How often old outbox rows and event ids are pruned. */
const PRUNE_INTERVAL_MS = 3_600_000;

export interface TimerParts {
  clock: Clock;
  log: Logger;
  metrics: EdgeMetrics;
  repo: Repo;
  ingest: Ingest;
  sessions: Sessions;
  perception: Perception;
  hub: LiveHub;
}

export class NodeTimers {
  private readonly handles: NodeJS.Timeout[] = [];
  private prunedAt = -Infinity;

  /** Ingest ticks twice per reorder window, so a held message waits at most 1.5 windows. */
  static tickMs(cfg: EdgeConfig): number {
    return Math.max(10, Math.floor(cfg.bounds.reorderWindowMs / 2));
  }

  constructor(cfg: EdgeConfig, private readonly p: TimerParts) {
    this.handles.push(setInterval(() => p.ingest.tick(), NodeTimers.tickMs(cfg)));
    this.handles.push(setInterval(() => this.guard('persist', () => this.persist(cfg.bounds.retentionMs)), cfg.bounds.snapshotIntervalMs));
    this.handles.push(setInterval(() => this.guard('live', () => this.live()), cfg.bounds.liveIntervalMs));
  }

  stop(): void {
    for (const h of this.handles) clearInterval(h);
    this.handles.length = 0;
  }

  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.p.metrics.handlerError(where);
      this.p.log.error({ err, where }, 'periodic work failed');
    }
  }

  private persist(retentionMs: number): void {
    const { sessions, repo, ingest, clock } = this.p;
    sessions.saveSnapshot();
    repo.tx(() => ingest.health.rows().forEach((r) => repo.saveDevice(r)));
    if (clock.now() - this.prunedAt >= PRUNE_INTERVAL_MS) {
      this.prunedAt = clock.now();
      repo.prune(this.prunedAt - retentionMs);
    }
  }

  private live(): void {
    const { hub, clock, perception } = this.p;
    if (!hub.hasListeners()) return;
    const ts = clock.now();
    hub.emit({ type: 'people', people: perception.people(), ts });
    hub.emit({ type: 'plates', grams: perception.plateWeights(), ts });
  }
}
