/**
 * Outbox uploader: sends session, receipt and adjustment records to the cloud,
 * each keeping its own id (the Idempotency-Key) on every retry, oldest first and
 * in order within a session (a receipt never goes before its SessionRecord).
 * Several rows go as one request on the batch route, whole session chains per
 * request, up to `uploadRequestsParallelMax` requests at once (sessions are
 * independent); each row's answer is handled on its own. Network errors, 409
 * in-flight and 5xx retry with exponential backoff and jitter; a permanent
 * refusal is kept in the table as failed, visible, never deleted, and holds
 * back the rest of its session. Nothing is lost while the cloud is away.
 */
import type { Clock, Prng } from '@tebura/contract';
import type { Logger } from 'pino';
import type { EdgeMetrics } from '../metrics.js';
import type { OutboxRow, Repo } from '../store/repo.js';
import { chunkBySession, sendBatch, sendOne, type CloudTarget, type Outcome } from './outbox-http.js';

export { pathFor } from './outbox-http.js';

export interface UploaderBounds {
  outboxBatchMax: number;
  /** Records per batch request (at most the cloud's BATCH_RECORDS_MAX); 1 sends each on its own route. */
  batchRecordsMax: number;
  /** Batch requests of one pass in flight at once. */
  uploadRequestsParallelMax: number;
  retryAttemptsPerPassMax: number;
  retryBackoffBaseMs: number;
  retryBackoffMaxMs: number;
  httpTimeoutMs: number;
  outboxPollMs: number;
}

export interface UploaderOptions {
  repo: Repo;
  storeId: string;
  cloud: { url: string; apiKey: string };
  fetch: typeof fetch;
  clock: Clock;
  prng: Prng;
  bounds: UploaderBounds;
  metrics: EdgeMetrics;
  log: Logger;
  onSent?(row: OutboxRow): void;
}

/** Passes run back to back after a wake, while each makes progress (head-of-line rows unblock the next). */
const PASSES_PER_DRAIN_MAX = 20;

export interface PassResult {
  sent: number;
  retried: number;
  failed: number;
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
export function backoffMs(attempts: number, base: number, max: number, rnd: number): number {
  const exp = Math.min(max, base * 2 ** Math.min(attempts, 30));
  return Math.round(exp / 2 + (exp / 2) * rnd);
}

export class OutboxUploader {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private wakeRequested = false;
  /** Drains in a row that sent nothing and retried something. */
  private failedDrains = 0;
  private closing = false;

  constructor(private readonly o: UploaderOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** New rows were queued: run a pass soon. */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== null || this.failedDrains > 0) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.drain().then((r) => {
        // A drain that only retried means the cloud is away: the next one waits a
        // backoff of its own, or every pass would walk the whole backlog once more.
        this.failedDrains = r.sent === 0 && r.retried > 0 ? this.failedDrains + 1 : 0;
      }).finally(() => {
        this.running = null;
        const { retryBackoffBaseMs, retryBackoffMaxMs, outboxPollMs } = this.o.bounds;
        if (this.failedDrains > 0) this.schedule(backoffMs(this.failedDrains - 1, retryBackoffBaseMs, retryBackoffMaxMs, this.o.prng.next()));
        else this.schedule(this.wakeRequested ? 0 : outboxPollMs);
        this.wakeRequested = false;
      });
    }, ms);
  }

  /** Runs passes while they make progress. Never rejects. */
  async drain(): Promise<PassResult> {
    const total: PassResult = { sent: 0, retried: 0, failed: 0 };
    for (let i = 0; i < PASSES_PER_DRAIN_MAX && !this.closing; i++) {
      const r = await this.pass();
      total.sent += r.sent;
      total.retried += r.retried;
      total.failed += r.failed;
      if (r.sent + r.failed === 0 || r.retried > 0) break;
    }
    return total;
  }

  /** One bounded pass over due head-of-line rows (and their due followers). Never rejects. */
  async pass(): Promise<PassResult> {
    const res: PassResult = { sent: 0, retried: 0, failed: 0 };
    try {
      const { bounds } = this.o;
      const rows = this.o.repo.dueOutboxChains(this.o.clock.now(), bounds.outboxBatchMax);
      if (bounds.batchRecordsMax <= 1 || rows.length <= 1) {
        await this.sendSingly(rows, res);
        return res;
      }
      const chunks = chunkBySession(rows, bounds.batchRecordsMax);
      let next = 0;
      const lane = async (): Promise<void> => {
        // The cloud is struggling: stop hammering it this pass.
        for (let c = chunks[next++]; c !== undefined && res.retried < bounds.retryAttemptsPerPassMax; c = chunks[next++]) {
          const outs = await sendBatch(this.target(), c);
          if (outs === null) await this.sendSingly(c, res);
          // One commit per answer, not per row: a drained backlog is thousands of rows.
          else this.o.repo.tx(() => c.forEach((row, i) => this.record(row, outs[i] ?? { kind: 'retry', error: 'no slot' }, res)));
        }
      };
      await Promise.all(Array.from({ length: Math.min(bounds.uploadRequestsParallelMax, chunks.length) }, lane));
    } catch (e) {
      this.o.metrics.handlerError('outbox');
      this.o.log.error({ err: e }, 'outbox pass failed');
    }
    return res;
  }

  /** One request per row; after a row that is not sent, its session's later rows wait. */
  private async sendSingly(rows: readonly OutboxRow[], res: PassResult): Promise<void> {
    const blocked = new Set<string>();
    for (const row of rows) {
      if (blocked.has(row.session_id)) continue;
      const out = await sendOne(this.target(), row);
      this.record(row, out, res);
      if (out.kind !== 'sent') blocked.add(row.session_id);
      if (res.retried >= this.o.bounds.retryAttemptsPerPassMax) break;
    }
  }

  private target(): CloudTarget {
    const { cloud, storeId, bounds } = this.o;
    return { url: cloud.url, apiKey: cloud.apiKey, storeId, fetch: this.o.fetch, httpTimeoutMs: bounds.httpTimeoutMs };
  }

  private record(row: OutboxRow, out: Outcome, res: PassResult): void {
    const { repo, clock, bounds, metrics, log } = this.o;
    res[out.kind === 'sent' ? 'sent' : out.kind === 'retry' ? 'retried' : 'failed']++;
    if (out.kind === 'sent') {
      repo.markSent(row.id, clock.now());
      metrics.outbox('sent');
      this.o.onSent?.(row);
    } else if (out.kind === 'retry') {
      const wait = backoffMs(row.attempts, bounds.retryBackoffBaseMs, bounds.retryBackoffMaxMs, this.o.prng.next());
      repo.markRetry(row.id, clock.now() + wait, out.error);
      metrics.outbox('retry');
      log.debug({ id: row.id, kind: row.kind, error: out.error, waitMs: wait }, 'outbox send will retry');
    } else {
      repo.markFailed(row.id, out.error);
      metrics.outbox('failed');
      log.error({ id: row.id, kind: row.kind, error: out.error }, 'outbox record refused by the cloud; kept as failed');
    }
  }
}
