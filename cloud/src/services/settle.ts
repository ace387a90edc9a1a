/**
 * Settling a booked receipt with the provider. Every provider call's key is
 * derived from the receipt, so running this twice (retry, crash, sweep) moves
 * money once. A decline leaves the receipt 'failed': unpaid, visible in the
 * customer's standing, never dropped.
 */
import type { CloudCtx } from '../context.js';
import { one, type SqlRunner } from '../db/sql.js';
import { Accounts, postEntry } from '../ledger/journal.js';
import type { PaymentOp } from '../payments/provider.js';
import { failedPayment, providerCall, type Payment } from './common.js';
import type { ReceiptRow } from './receipts.js';

interface Step {
  op: PaymentOp;
  amountMinor: number;
  parentRef?: string;
}

async function plan(ctx: CloudCtx, r: ReceiptRow): Promise<{ steps: Step[]; hold?: { ref: string; amountMinor: number } }> {
  const s = await one<{ auth_status: string; auth_ref: string | null; hold_minor: number }>(
    ctx.db,
    'SELECT auth_status, auth_ref, hold_minor FROM sessions WHERE store_id = ? AND session_id = ?',
    [r.store_id, r.session_id],
  );
  const hold = s?.auth_status === 'authorized' && s.auth_ref !== null ? { ref: s.auth_ref, amountMinor: Number(s.hold_minor) } : undefined;
  const total = Number(r.total_minor);
  if (total === 0) return { steps: hold === undefined ? [] : [{ op: 'void', amountMinor: hold.amountMinor, parentRef: hold.ref }], hold };
  if (hold === undefined) return { steps: [{ op: 'charge', amountMinor: total }] };
  const captured = Math.min(total, hold.amountMinor);
  const steps: Step[] = [{ op: 'capture', amountMinor: captured, parentRef: hold.ref }];
  // The cart exceeded the hold: a second charge for the rest.
  if (total > captured) steps.push({ op: 'charge', amountMinor: total - captured });
  return { steps, hold };
}

function setStatus(q: SqlRunner, r: ReceiptRow, payment: Payment, paidMinor: number): Promise<unknown> {
  return q.run('UPDATE receipts SET payment_status = ?, payment_reason = ?, paid_minor = ? WHERE store_id = ? AND receipt_id = ?', [
    payment.status,
    payment.reason ?? null,
    paidMinor,
    r.store_id,
    r.receipt_id,
  ]);
}

export async function settleReceipt(ctx: CloudCtx, r: ReceiptRow): Promise<Payment> {
  const { steps } = await plan(ctx, r);
  const done: Payment = { status: Number(r.total_minor) === 0 ? 'voided' : 'captured' };
  // Replays of earlier successful steps answer ok again, so this sum is what was taken.
  let paidMinor = 0;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    const book = async (q: SqlRunner): Promise<void> => {
      if (step.op !== 'void') {
        paidMinor += step.amountMinor;
        await postEntry(q, {
          storeId: r.store_id,
          entryId: `${r.receipt_id}:${step.op}`,
          kind: step.op,
          refId: r.receipt_id,
          currency: r.currency,
          at: ctx.clock.now(),
          postings: [
            { account: Accounts.clearing, amountMinor: step.amountMinor },
            { account: Accounts.receivable, customerId: r.customer_id, amountMinor: -step.amountMinor },
          ],
        });
      }
      // The final status commits with the last step's entry: one transaction fewer per receipt.
      if (last) await setStatus(q, r, done, paidMinor);
    };
    const o = await providerCall(
      ctx,
      r.store_id,
      r.receipt_id,
      step.op,
      {
        idempotencyKey: `${r.store_id}:${r.receipt_id}:${step.op}`,
        customerId: r.customer_id,
        amountMinor: step.amountMinor,
        currency: r.currency,
        ...(step.parentRef === undefined ? {} : { parentRef: step.parentRef }),
      },
      book,
    );
    if (!o.ok) {
      // A void that fails only leaves a hold to expire at the network; the receipt itself owes nothing.
      const payment = step.op === 'void' ? done : failedPayment(o);
      await ctx.db.tx((q) => setStatus(q, r, payment, paidMinor));
      return payment;
    }
  }
  if (steps.length === 0) await ctx.db.tx((q) => setStatus(q, r, done, 0));
  return done;
}

/** Settles receipts left 'pending' by a crash or a provider timeout; bounded per call. */
export async function sweepPending(ctx: CloudCtx, rowsMax: number): Promise<number> {
  const rows = await ctx.db.all<ReceiptRow>(
    `SELECT store_id, receipt_id, session_id, customer_id, currency, total_minor, body_hash, payment_status, payment_reason, paid_minor
     FROM receipts WHERE payment_status = 'pending' ORDER BY ingest_seq LIMIT ?`,
    [rowsMax],
  );
  let settled = 0;
  for (const r of rows) {
    const p = await ctx.inFlight.run(`${r.store_id}:receipt:${r.receipt_id}`, () => settleReceipt(ctx, r));
    if (p.status !== 'pending') settled++;
  }
  return settled;
}
