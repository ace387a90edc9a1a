/**
 * Adjustments: corrections after the charge, booked as new entries (never
 * edits). A positive total charges the difference; a negative one refunds what
 * was taken and reduces what is still owed for the rest.
 */
import type { Adjustment } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { one, type SqlRunner } from '../db/sql.js';
import { CloudErrors, fail } from '../errors.js';
import { splitAdjustment, type AdjustmentSplit } from '../ledger/arithmetic.js';
import { Accounts, postEntry } from '../ledger/journal.js';
import type { PaymentOp } from '../payments/provider.js';
import { assertSameBody, bodyHash, failedPayment, logIngest, providerCall, storeOf, type IngestResult, type Payment } from './common.js';
import { loadReceipt, type ReceiptRow } from './receipts.js';

interface AdjustmentRow {
  body_hash: string;
  payment_status: string;
  payment_reason: string | null;
}

async function book(q: SqlRunner, ctx: CloudCtx, storeId: string, a: Adjustment, r: ReceiptRow, split: AdjustmentSplit, hash: string): Promise<boolean> {
  const now = ctx.clock.now();
  const ins = await q.run(
    `INSERT INTO adjustments (store_id, adjustment_id, receipt_id, session_id, currency, total_minor, body_hash, body, payment_status, ingest_seq, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (store_id, adjustment_id) DO NOTHING`,
    [storeId, a.adjustmentId, a.receiptId, a.sessionId, a.currency, a.totalMinor, hash, JSON.stringify(a), now],
  );
  if (ins.changes === 0) return false;
  const seq = await logIngest(q, storeId, 'adjustment', a.adjustmentId, a.sessionId, now);
  await q.run('UPDATE adjustments SET ingest_seq = ? WHERE store_id = ? AND adjustment_id = ?', [seq, storeId, a.adjustmentId]);
  await postEntry(q, {
    storeId,
    entryId: `${a.adjustmentId}:adjust`,
    kind: 'adjustment',
    refId: a.adjustmentId,
    currency: a.currency,
    at: now,
    postings: [
      { account: Accounts.receivable, customerId: r.customer_id, amountMinor: a.totalMinor },
      { account: split.netMinor >= 0 ? Accounts.revenue : Accounts.refunds, amountMinor: -split.netMinor },
      ...[...split.taxByRate].map(([rate, tax]) => ({ account: Accounts.taxPayable(rate), amountMinor: -tax })),
    ],
  });
  return true;
}

export async function ingestAdjustment(ctx: CloudCtx, storeId: string, a: Adjustment): Promise<IngestResult> {
  const hash = bodyHash(a);
  const select = 'SELECT body_hash, payment_status, payment_reason FROM adjustments WHERE store_id = ? AND adjustment_id = ?';
  let row = await one<AdjustmentRow>(ctx.db, select, [storeId, a.adjustmentId]);
  let created = false;
  const receipt = await loadReceipt(ctx, storeId, a.receiptId);
  if (row === undefined) {
    const split = splitAdjustment(a, ctx.rates, storeOf(ctx, storeId).currency);
    // Conflict, not unprocessable: the receipt may simply not have arrived yet.
    if (receipt === undefined) fail(CloudErrors.RECEIPT_UNKNOWN, 'conflict', `receipt ${a.receiptId} is not known yet`);
    if (receipt.session_id !== a.sessionId) fail(CloudErrors.RECEIPT_UNKNOWN, 'unprocessable', `receipt ${a.receiptId} belongs to another session`);
    created = await ctx.db.tx((q) => book(q, ctx, storeId, a, receipt, split, hash));
    row = await one<AdjustmentRow>(ctx.db, select, [storeId, a.adjustmentId]);
    if (row === undefined) throw new Error(`adjustment ${a.adjustmentId} vanished after insert`);
  }
  assertSameBody(row.body_hash, hash, a.adjustmentId);
  let payment: Payment =
    row.payment_reason === null ? { status: row.payment_status as Payment['status'] } : { status: row.payment_status as Payment['status'], reason: row.payment_reason };
  if (row.payment_status === 'pending' && receipt !== undefined) payment = await settleAdjustment(ctx, storeId, a, receipt);
  return { created, answer: { status: created ? 'created' : 'exists', id: a.adjustmentId, payment } };
}

async function move(ctx: CloudCtx, storeId: string, a: Adjustment, r: ReceiptRow, op: PaymentOp, amount: number, parentRef?: string, n = 0): Promise<Payment | null> {
  const sign = op === 'refund' ? -1 : 1;
  const o = await providerCall(
    ctx,
    storeId,
    a.adjustmentId,
    op,
    {
      idempotencyKey: `${storeId}:${a.adjustmentId}:${op}:${n}`,
      customerId: r.customer_id,
      amountMinor: amount,
      currency: a.currency,
      ...(parentRef === undefined ? {} : { parentRef }),
    },
    (q) =>
      postEntry(q, {
        storeId,
        entryId: `${a.adjustmentId}:${op}:${n}`,
        kind: op,
        refId: a.adjustmentId,
        currency: a.currency,
        at: ctx.clock.now(),
        postings: [
          { account: Accounts.clearing, amountMinor: sign * amount },
          { account: Accounts.receivable, customerId: r.customer_id, amountMinor: -sign * amount },
        ],
      }),
  );
  return o.ok ? null : failedPayment(o);
}

async function settleAdjustment(ctx: CloudCtx, storeId: string, a: Adjustment, r: ReceiptRow): Promise<Payment> {
  let payment: Payment = { status: a.totalMinor < 0 ? 'refunded' : 'captured' };
  if (a.totalMinor > 0) {
    payment = (await move(ctx, storeId, a, r, 'charge', a.totalMinor)) ?? payment;
  } else if (a.totalMinor < 0) {
    // Refund against what the receipt actually took, payment by payment; the
    // part never paid simply stops being owed (the adjust entry already did that).
    const parents = await ctx.db.all<{ provider_ref: string; amount_minor: number; refunded: number | null }>(
      `SELECT p.provider_ref, p.amount_minor,
        (SELECT SUM(c.amount_minor) FROM payments c
          WHERE c.store_id = p.store_id AND c.parent_ref = p.provider_ref AND c.op = 'refund' AND c.status = 'ok') AS refunded
       FROM payments p WHERE p.store_id = ? AND p.record_id = ? AND p.status = 'ok' AND p.op IN ('capture', 'charge') ORDER BY p.idempotency_key`,
      [storeId, r.receipt_id],
    );
    // A retry after a crash resumes: refunds already made for this adjustment
    // count, and the next call gets the next key.
    const done = await one<{ n: number; s: number | null }>(
      ctx.db,
      "SELECT COUNT(*) AS n, SUM(amount_minor) AS s FROM payments WHERE store_id = ? AND record_id = ? AND op = 'refund' AND status = 'ok'",
      [storeId, a.adjustmentId],
    );
    let left = -a.totalMinor - Number(done?.s ?? 0);
    let n = Number(done?.n ?? 0);
    for (const p of parents) {
      const room = Number(p.amount_minor) - Number(p.refunded ?? 0);
      const amount = Math.min(left, room);
      if (amount <= 0) continue;
      const failed = await move(ctx, storeId, a, r, 'refund', amount, p.provider_ref, n++);
      if (failed !== null) {
        payment = failed;
        break;
      }
      left -= amount;
    }
  }
  await ctx.db.run('UPDATE adjustments SET payment_status = ?, payment_reason = ? WHERE store_id = ? AND adjustment_id = ?', [
    payment.status,
    payment.reason ?? null,
    storeId,
    a.adjustmentId,
  ]);
  return payment;
}
