import { createHash } from 'node:crypto';
import type { IngestAnswer } from '@tebura/contract';
import { CloudErrors, fail } from '../errors.js';
import type { SqlRunner } from '../db/sql.js';
import type { CloudCtx } from '../context.js';
import type { StoreCredential } from '../config.js';
import type { PaymentOp, PaymentRequest, ProviderOutcome } from '../payments/provider.js';
import { withTimeout } from '../payments/provider.js';

export type Payment = NonNullable<IngestAnswer['payment']>;
export interface IngestResult {
  created: boolean;
  answer: IngestAnswer;
}

/** Key order does not change the hash, so a re-serialised retry still matches. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function bodyHash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex');
}

export function assertSameBody(storedHash: string, hash: string, id: string): void {
  if (storedHash !== hash) fail(CloudErrors.IDEMPOTENCY_MISMATCH, 'unprocessable', `record ${id} was already stored with a different body`);
}

export function storeOf(ctx: CloudCtx, storeId: string): StoreCredential {
  const s = ctx.stores.get(storeId);
  return s ?? fail(CloudErrors.NOT_FOUND, 'not_found', `store ${storeId} not found`);
}

export async function logIngest(q: SqlRunner, storeId: string, kind: string, recordId: string, sessionId: string, at: number): Promise<number> {
  const rows = await q.all<{ seq: number }>('INSERT INTO ingest_log (store_id, kind, record_id, session_id, at) VALUES (?, ?, ?, ?, ?) RETURNING seq', [
    storeId,
    kind,
    recordId,
    sessionId,
    at,
  ]);
  return Number(rows[0]?.seq ?? 0);
}

/** Calls the provider with a bound; never throws for a provider failure. */
export async function callProvider(ctx: CloudCtx, op: PaymentOp, req: PaymentRequest): Promise<ProviderOutcome> {
  const outcome = await withTimeout(ctx.provider[op](req), ctx.cfg.payments.callTimeoutMs);
  ctx.metrics.paymentOps.inc({ op, outcome: outcome.ok ? 'ok' : outcome.kind });
  return outcome;
}

/** Records a provider call's outcome, inside the caller's transaction so its journal entry commits with it. */
export async function recordPayment(q: SqlRunner, ctx: CloudCtx, storeId: string, recordId: string, op: PaymentOp, req: PaymentRequest, outcome: ProviderOutcome): Promise<void> {
  const status = outcome.ok ? 'ok' : outcome.kind;
  await q.run(
    `INSERT INTO payments (store_id, idempotency_key, record_id, op, amount_minor, currency, status, provider_ref, parent_ref, reason, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (store_id, idempotency_key) DO UPDATE SET status = excluded.status, provider_ref = excluded.provider_ref, reason = excluded.reason`,
    [storeId, req.idempotencyKey, recordId, op, req.amountMinor, req.currency, status, outcome.ok ? outcome.ref : null, req.parentRef ?? null, outcome.ok ? null : outcome.reason, ctx.clock.now()],
  );
}

/** Calls the provider and records the outcome; `book` runs in the same transaction when the call succeeded. */
export async function providerCall(
  ctx: CloudCtx,
  storeId: string,
  recordId: string,
  op: PaymentOp,
  req: PaymentRequest,
  book?: (q: SqlRunner, ref: string) => Promise<unknown>,
): Promise<ProviderOutcome> {
  const outcome = await callProvider(ctx, op, req);
  await ctx.db.tx(async (q) => {
    await recordPayment(q, ctx, storeId, recordId, op, req, outcome);
    if (outcome.ok && book !== undefined) await book(q, outcome.ref);
  });
  return outcome;
}

/** A provider failure as the answer's payment status: a decline is final, the rest stay pending. */
export function failedPayment(o: Exclude<ProviderOutcome, { ok: true }>): Payment {
  return o.kind === 'declined' ? { status: 'failed', reason: o.reason } : { status: 'pending', reason: o.kind };
}
