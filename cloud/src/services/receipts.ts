/**
 * Receipt ingest: verify arithmetic, book the sale, then settle payment against
 * the session's hold. Booking and payment are separate steps on purpose: a
 * crash between them leaves the receipt stored with payment 'pending', and the
 * next retry (or the start-up sweep) settles it with the same provider keys.
 */
import type { Receipt } from '@tebura/contract';
import { one } from '../db/sql.js';
import type { CloudCtx } from '../context.js';
import { verifyReceipt } from '../ledger/arithmetic.js';
import { Accounts, postEntry } from '../ledger/journal.js';
import { assertSameBody, bodyHash, logIngest, storeOf, type IngestResult, type Payment } from './common.js';
import { settleReceipt } from './settle.js';

export interface ReceiptRow {
  store_id: string;
  receipt_id: string;
  session_id: string;
  customer_id: string;
  currency: string;
  total_minor: number;
  body_hash: string;
  payment_status: string;
  payment_reason: string | null;
  paid_minor: number;
}

export const RECEIPT_COLUMNS = 'store_id, receipt_id, session_id, customer_id, currency, total_minor, body_hash, payment_status, payment_reason, paid_minor';

export function paymentOf(row: Pick<ReceiptRow, 'payment_status' | 'payment_reason'>): Payment {
  const status = row.payment_status as Payment['status'];
  return row.payment_reason === null ? { status } : { status, reason: row.payment_reason };
}

export function loadReceipt(ctx: CloudCtx, storeId: string, receiptId: string): Promise<ReceiptRow | undefined> {
  return one<ReceiptRow>(ctx.db, `SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE store_id = ? AND receipt_id = ?`, [storeId, receiptId]);
}

async function book(ctx: CloudCtx, storeId: string, r: Receipt, hash: string): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const ins = await q.run(
      `INSERT INTO receipts (store_id, receipt_id, session_id, customer_id, currency, total_minor, body_hash, body, payment_status, ingest_seq, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (store_id, receipt_id) DO NOTHING`,
      [storeId, r.receiptId, r.sessionId, r.customerId, r.currency, r.totalMinor, hash, JSON.stringify(r), now],
    );
    if (ins.changes === 0) return false;
    const seq = await logIngest(q, storeId, 'receipt', r.receiptId, r.sessionId, now);
    await q.run('UPDATE receipts SET ingest_seq = ? WHERE store_id = ? AND receipt_id = ?', [seq, storeId, r.receiptId]);
    if (r.totalMinor > 0) {
      await postEntry(q, {
        storeId,
        entryId: `${r.receiptId}:sale`,
        kind: 'sale',
        refId: r.receiptId,
        currency: r.currency,
        at: now,
        postings: [
          { account: Accounts.receivable, customerId: r.customerId, amountMinor: r.totalMinor },
          { account: Accounts.revenue, amountMinor: -r.subtotalMinor },
          ...r.taxes.map((t) => ({ account: Accounts.taxPayable(t.rateBp), amountMinor: -t.taxMinor })),
        ],
      });
    }
    return true;
  });
}

export async function ingestReceipt(ctx: CloudCtx, storeId: string, r: Receipt): Promise<IngestResult> {
  const hash = bodyHash(r);
  let row = await loadReceipt(ctx, storeId, r.receiptId);
  let created = false;
  if (row === undefined) {
    verifyReceipt(r, ctx.rates, storeOf(ctx, storeId).currency);
    created = await book(ctx, storeId, r, hash);
    row = await loadReceipt(ctx, storeId, r.receiptId);
    if (row === undefined) throw new Error(`receipt ${r.receiptId} vanished after insert`);
  }
  assertSameBody(row.body_hash, hash, r.receiptId);
  const payment = row.payment_status === 'pending' ? await settleReceipt(ctx, row) : paymentOf(row);
  return { created, answer: { status: created ? 'created' : 'exists', id: r.receiptId, payment } };
}
