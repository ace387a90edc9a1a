/**
 * SANDBOX payment provider. Real payment networks cannot run here, so this one
 * plays the provider's part: it keeps its own durable record of every call by
 * idempotency key (in the same database, standing in for the provider's), and
 * fails deterministically so tests can drive declines, timeouts and errors:
 *  - customer ids containing 'decline' are declined, 'timeout' time out,
 *    'error' get a provider error (when failByCustomerPattern is on);
 *  - an injected `script` decides any call first.
 * Timeouts and errors are not recorded, like a request that never reached the
 * provider, so a retry with the same key may succeed.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '@tebura/contract';
import { one, type SqlDb } from '../db/sql.js';
import type { PaymentOp, PaymentProvider, PaymentRequest, ProviderOutcome } from './provider.js';

export type SandboxVerdict = 'ok' | 'decline' | 'timeout' | 'error';
export type SandboxScript = (op: PaymentOp, req: PaymentRequest, attempt: number) => SandboxVerdict | undefined;

export interface SandboxOptions {
  failByCustomerPattern: boolean;
  latencyMs: number;
  script?: SandboxScript;
}

interface OpRow {
  op: string;
  outcome: string;
  ref: string;
  amount_minor: number;
  customer_id: string;
}

export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';
  private readonly db: SqlDb;
  private readonly clock: Clock;
  private readonly opts: SandboxOptions;
  private readonly attempts = new Map<string, number>();
  private static readonly ATTEMPTS_TRACKED_MAX = 100_000;

  constructor(db: SqlDb, clock: Clock, opts: SandboxOptions) {
    this.db = db;
    this.clock = clock;
    this.opts = opts;
  }

  authorize(req: PaymentRequest): Promise<ProviderOutcome> {
    return this.call('authorize', req);
  }
  capture(req: PaymentRequest): Promise<ProviderOutcome> {
    return this.call('capture', req);
  }
  charge(req: PaymentRequest): Promise<ProviderOutcome> {
    return this.call('charge', req);
  }
  void(req: PaymentRequest): Promise<ProviderOutcome> {
    return this.call('void', req);
  }
  refund(req: PaymentRequest): Promise<ProviderOutcome> {
    return this.call('refund', req);
  }

  /** Successful money movements, for tests and the fault harness. */
  async chargedTotals(): Promise<{ count: number; totalMinor: number }> {
    const r = await one<{ n: number; s: number | null }>(
      this.db,
      "SELECT COUNT(*) AS n, SUM(amount_minor) AS s FROM sandbox_ops WHERE outcome = 'ok' AND op IN ('capture', 'charge')",
    );
    return { count: Number(r?.n ?? 0), totalMinor: Number(r?.s ?? 0) };
  }

  private verdict(op: PaymentOp, req: PaymentRequest): SandboxVerdict {
    const attempt = (this.attempts.get(req.idempotencyKey) ?? 0) + 1;
    if (this.attempts.size >= SandboxProvider.ATTEMPTS_TRACKED_MAX) this.attempts.clear();
    this.attempts.set(req.idempotencyKey, attempt);
    const scripted = this.opts.script?.(op, req, attempt);
    if (scripted !== undefined) return scripted;
    if (this.opts.failByCustomerPattern && op !== 'void') {
      for (const v of ['decline', 'timeout', 'error'] as const) if (req.customerId.includes(v)) return v;
    }
    return 'ok';
  }

  private async call(op: PaymentOp, req: PaymentRequest): Promise<ProviderOutcome> {
    if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    const prior = await one<OpRow>(this.db, 'SELECT op, outcome, ref, amount_minor, customer_id FROM sandbox_ops WHERE idempotency_key = ?', [req.idempotencyKey]);
    if (prior !== undefined) return this.replay(op, req, prior);
    const v = this.verdict(op, req);
    if (v === 'timeout') return { ok: false, kind: 'timeout', reason: 'sandbox: simulated timeout' };
    if (v === 'error') return { ok: false, kind: 'error', reason: 'sandbox: simulated provider error' };
    const rule = v === 'decline' ? 'card declined' : await this.ruleBreach(op, req);
    const outcome = rule === null ? 'ok' : `declined:${rule}`;
    await this.db.run(
      `INSERT INTO sandbox_ops (idempotency_key, op, customer_id, amount_minor, currency, outcome, ref, parent_ref, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      [req.idempotencyKey, op, req.customerId, req.amountMinor, req.currency, outcome, `sbx_${randomUUID()}`, req.parentRef ?? null, this.clock.now()],
    );
    // Re-read: a concurrent call with the same key may have won the insert.
    const row = await one<OpRow>(this.db, 'SELECT op, outcome, ref, amount_minor, customer_id FROM sandbox_ops WHERE idempotency_key = ?', [req.idempotencyKey]);
    return row === undefined ? { ok: false, kind: 'error', reason: 'sandbox: lost its record' } : this.replay(op, req, row);
  }

  /** Same key, same answer; the same key with different parameters is refused like real providers do. */
  private replay(op: PaymentOp, req: PaymentRequest, row: OpRow): ProviderOutcome {
    if (row.op !== op || Number(row.amount_minor) !== req.amountMinor || row.customer_id !== req.customerId) {
      return { ok: false, kind: 'declined', reason: 'idempotency key reused with different parameters' };
    }
    if (row.outcome === 'ok') return { ok: true, ref: row.ref };
    return { ok: false, kind: 'declined', reason: row.outcome.slice('declined:'.length) };
  }

  /** Provider-side rules: a capture stays within its hold, a refund within what was taken. */
  private async ruleBreach(op: PaymentOp, req: PaymentRequest): Promise<string | null> {
    if (!Number.isSafeInteger(req.amountMinor) || req.amountMinor < 0) return 'invalid amount';
    if (op !== 'capture' && op !== 'void' && op !== 'refund') return null;
    if (req.parentRef === undefined) return 'missing parent';
    const parent = await one<{ op: string; amount_minor: number; outcome: string }>(this.db, 'SELECT op, amount_minor, outcome FROM sandbox_ops WHERE ref = ?', [
      req.parentRef,
    ]);
    if (parent === undefined || parent.outcome !== 'ok') return 'unknown parent';
    const children = await one<{ s: number | null }>(
      this.db,
      "SELECT SUM(amount_minor) AS s FROM sandbox_ops WHERE parent_ref = ? AND outcome = 'ok' AND op = ?",
      [req.parentRef, op],
    );
    const used = Number(children?.s ?? 0);
    if (op === 'capture' && (parent.op !== 'authorize' || used + req.amountMinor > Number(parent.amount_minor))) return 'exceeds hold';
    if (op === 'refund' && (parent.op === 'authorize' || used + req.amountMinor > Number(parent.amount_minor))) return 'exceeds captured amount';
    if (op === 'void' && parent.op !== 'authorize') return 'not a hold';
    return null;
  }
}
