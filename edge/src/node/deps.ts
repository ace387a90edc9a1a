/** What the node's parts share: the repo, the layout, time, metrics, a log and live events. */
import type { Logger } from 'pino';
import type { Clock, StoreLayout } from '@tebura/contract';
import type { LiveEvent } from '../console/source.js';
import type { EdgeMetrics } from '../metrics.js';
import type { Repo } from '../store/repo.js';

export interface NodeDeps {
  storeId: string;
  layout: StoreLayout;
  repo: Repo;
  clock: Clock;
  metrics: EdgeMetrics;
  log: Logger;
  emit(e: LiveEvent): void;
  /** An outbox row was committed: the uploader may run now. */
  queued(): void;
}
