/**
 * Outbox uploader: sends session, receipt and adjustment records to the cloud,
 * each with its own id as Idempotency-Key, oldest first and in order within a
 * session (a receipt never goes before its SessionRecord). Network errors and 5xx
 * retry with exponential backoff and jitter; a 4xx is a permanent failure kept in
 * the table, visible, never deleted. Nothing is lost while the cloud is away.
 */
import { CloudPaths, ErrorCodes, type Clock, type Prng } from '@tebura/contract';
import type { Logger } from 'pino';
import type { EdgeMetrics } from '../metrics.js';
import type { OutboxKind, OutboxRow, Repo } from '../store/repo.js';

export interface UploaderBounds {
  outboxBatchMax: number;
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

type Outcome = { kind: 'sent' } | { kind: 'retry'; error: string } | { kind: 'failed'; error: string };

export interface PassResult {
  sent: number;
  retried: number;
  failed: number;
}

export function pathFor(kind: OutboxKind, storeId: string): string {
  if (kind === 'session') return CloudPaths.sessions(storeId);
  if (kind === 'receipt') return CloudPaths.receipts(storeId);
  return CloudPaths.adjustments(storeId);
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
    if (this.running !== null) {
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
      this.running = this.drain().then(() => undefined).finally(() => {
        this.running = null;
        this.schedule(this.wakeRequested ? 0 : this.o.bounds.outboxPollMs);
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

  /** One bounded pass over due head-of-line rows. Never rejects. */
  async pass(): Promise<PassResult> {
    const res: PassResult = { sent: 0, retried: 0, failed: 0 };
    try {
      const rows = this.o.repo.dueOutbox(this.o.clock.now(), this.o.bounds.outboxBatchMax);
      for (const row of rows) {
        const out = await this.send(row);
        this.record(row, out);
        res[out.kind === 'sent' ? 'sent' : out.kind === 'retry' ? 'retried' : 'failed']++;
        // The cloud is struggling: stop hammering it this pass.
        if (res.retried >= this.o.bounds.retryAttemptsPerPassMax) break;
      }
    } catch (e) {
      this.o.metrics.handlerError('outbox');
      this.o.log.error({ err: e }, 'outbox pass failed');
    }
    return res;
  }

  private record(row: OutboxRow, out: Outcome): void {
    const { repo, clock, bounds, metrics, log } = this.o;
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

  private async send(row: OutboxRow): Promise<Outcome> {
    const { cloud, storeId, bounds } = this.o;
    let res: Response;
    try {
      res = await this.o.fetch(new URL(pathFor(row.kind, storeId), cloud.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': row.id, authorization: `Bearer ${cloud.apiKey}` },
        body: row.record,
        signal: AbortSignal.timeout(bounds.httpTimeoutMs),
      });
    } catch (e) {
      return { kind: 'retry', error: `network: ${(e as Error).message}` };
    }
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null; // a proxy's HTML error page; the status code decides
    }
    const code = (body as { code?: unknown } | null)?.code;
    if (res.status === 200 || res.status === 201) {
      const status = (body as { status?: unknown } | null)?.status;
      if (status === 'created' || status === 'exists') return { kind: 'sent' };
      return { kind: 'retry', error: `unexpected answer ${res.status}: ${JSON.stringify(body).slice(0, 200)}` };
    }
    // In flight elsewhere: the first attempt is still running at the cloud.
    if (res.status === 409 && code !== ErrorCodes.IDEMPOTENCY_MISMATCH) return { kind: 'retry', error: `409 ${String(code)}` };
    // Timeouts and rate limits are transient by definition (RFC 9110 15.5.9, RFC 6585 4).
    if (res.status === 408 || res.status === 429 || res.status >= 500) return { kind: 'retry', error: `http ${res.status}` };
    return { kind: 'failed', error: `http ${res.status} ${String(code)}: ${JSON.stringify(body).slice(0, 300)}` };
  }
}
