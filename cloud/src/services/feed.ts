/**
 * What a store pulls: enrolments, deletions and disputes newer than its last
 * version, bounded per page; and the customer-facing views of receipts and
 * disputes.
 */
import { randomUUID } from 'node:crypto';
import type { Adjustment, Receipt } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { one } from '../db/sql.js';
import { CloudErrors, fail, notFound } from '../errors.js';
import { ingestAdjustment } from './adjustments.js';
import { decryptEnrolment } from './customers.js';
import { appendFeed } from './feed-append.js';
import type { Payment } from './common.js';
import { paymentOf } from './receipts.js';

export interface SyncAnswer {
  version: number;
  /** More rows wait beyond this page: call again with since=version. */
  more: boolean;
  enrolments: { customerId: string; kind: 'face' | 'palm'; vector: number[]; version: number }[];
  deletions: { customerId: string; version: number }[];
  disputes: { disputeId: string; receiptId: string; customerId: string; sku: string; reason: string; version: number }[];
  catalogVersion: number;
}

interface FeedRow {
  version: number;
  kind: string;
  customer_id: string;
  ref_id: string | null;
  vector_enc: string | null;
  enrol_kind: string | null;
  enrol_version: number | null;
  sku: string | null;
  reason: string | null;
  receipt_id: string | null;
}

export async function syncFor(ctx: CloudCtx, storeId: string, since: number): Promise<SyncAnswer> {
  const limit = ctx.cfg.syncPageRowsMax;
  // An enrolment row shows only at its latest version; a re-enrolment's older feed rows join nothing.
  const rows = await ctx.db.all<FeedRow>(
    `SELECT f.version, f.kind, f.customer_id, f.ref_id, e.vector_enc, e.kind AS enrol_kind, e.version AS enrol_version,
            d.sku, d.reason, d.receipt_id
     FROM feed f
     LEFT JOIN enrolments e ON f.kind = 'enrolment' AND e.customer_id = f.customer_id AND e.version = f.version
     LEFT JOIN disputes d ON f.kind = 'dispute' AND d.store_id = f.store_id AND d.dispute_id = f.ref_id
     WHERE f.version > ? AND (f.store_id IS NULL OR f.store_id = ?)
     ORDER BY f.version LIMIT ?`,
    [since, storeId, limit + 1],
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const out: SyncAnswer = { version: since, more, enrolments: [], deletions: [], disputes: [], catalogVersion: 0 };
  for (const r of page) {
    const version = Number(r.version);
    out.version = version;
    if (r.kind === 'enrolment' && r.vector_enc !== null && r.enrol_kind !== null) {
      const kind = r.enrol_kind as 'face' | 'palm';
      out.enrolments.push({ customerId: r.customer_id, kind, vector: decryptEnrolment(ctx, r.customer_id, kind, r.vector_enc), version });
    } else if (r.kind === 'deletion') {
      out.deletions.push({ customerId: r.customer_id, version });
    } else if (r.kind === 'dispute' && r.ref_id !== null) {
      out.disputes.push({ disputeId: r.ref_id, receiptId: r.receipt_id ?? '', customerId: r.customer_id, sku: r.sku ?? '', reason: r.reason ?? '', version });
    }
  }
  if (!more) {
    const top = await one<{ v: number | null }>(ctx.db, 'SELECT MAX(version) AS v FROM feed');
    out.version = Math.max(out.version, since, Number(top?.v ?? 0));
  }
  const cat = await one<{ catalog_version: number }>(ctx.db, 'SELECT catalog_version FROM stores WHERE store_id = ?', [storeId]);
  out.catalogVersion = Number(cat?.catalog_version ?? 0);
  return out;
}

export const RECEIPTS_PAGE_MAX = 200;

export async function receiptsOf(ctx: CloudCtx, customerId: string, limit: number): Promise<(Receipt & { payment: Payment; paidMinor: number })[]> {
  const rows = await ctx.db.all<{ body: string; payment_status: string; payment_reason: string | null; paid_minor: number }>(
    'SELECT body, payment_status, payment_reason, paid_minor FROM receipts WHERE customer_id = ? ORDER BY created_at DESC, ingest_seq DESC LIMIT ?',
    [customerId, Math.min(limit, RECEIPTS_PAGE_MAX)],
  );
  return rows.map((r) => ({ ...(JSON.parse(r.body) as Receipt), payment: paymentOf(r), paidMinor: Number(r.paid_minor) }));
}

/** `asCustomer`: the caller is that customer; another customer's receipt answers not found, as if it did not exist. */
export async function openDispute(
  ctx: CloudCtx,
  receiptId: string,
  body: { sku: string; reason: string; disputeId?: string },
  asCustomer?: string,
): Promise<{ disputeId: string; created: boolean }> {
  const r = await one<{ store_id: string; customer_id: string; body: string }>(ctx.db, 'SELECT store_id, customer_id, body FROM receipts WHERE receipt_id = ? LIMIT 1', [receiptId]);
  if (r === undefined || (asCustomer !== undefined && r.customer_id !== asCustomer)) return notFound(`receipt ${receiptId}`);
  const receipt = JSON.parse(r.body) as Receipt;
  if (!receipt.lines.some((l) => l.sku === body.sku)) fail(CloudErrors.NOT_FOUND, 'not_found', `receipt ${receiptId} has no line ${body.sku}`);
  const disputeId = body.disputeId ?? `d_${randomUUID()}`;
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const ins = await q.run(
      `INSERT INTO disputes (store_id, dispute_id, receipt_id, customer_id, sku, reason, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)
       ON CONFLICT (store_id, dispute_id) DO NOTHING`,
      [r.store_id, disputeId, receiptId, r.customer_id, body.sku, body.reason, now],
    );
    if (ins.changes > 0) {
      await appendFeed(q, ctx.db.dialect, { kind: 'dispute', customerId: r.customer_id, storeId: r.store_id, refId: disputeId, at: now });
    }
    return { disputeId, created: ins.changes > 0 };
  });
}

/** Resolves a dispute; a refund is a new negative adjustment for the disputed line. */
export async function resolveDispute(ctx: CloudCtx, disputeId: string, refund: boolean): Promise<{ status: string; refundMinor: number; payment?: Payment }> {
  const d = await one<{ store_id: string; receipt_id: string; sku: string; status: string; created_at: number }>(
    ctx.db,
    'SELECT store_id, receipt_id, sku, status, created_at FROM disputes WHERE dispute_id = ? LIMIT 1',
    [disputeId],
  );
  if (d === undefined) return notFound(`dispute ${disputeId}`);
  if (d.status !== 'open') fail(CloudErrors.DISPUTE_STATE, 'conflict', `dispute ${disputeId} is already ${d.status}`);
  let refundMinor = 0;
  let payment: Payment | undefined;
  if (refund) {
    const rb = await one<{ body: string }>(ctx.db, 'SELECT body FROM receipts WHERE store_id = ? AND receipt_id = ?', [d.store_id, d.receipt_id]);
    const receipt = JSON.parse(rb?.body ?? 'null') as Receipt;
    const line = receipt.lines.find((l) => l.sku === d.sku);
    if (line === undefined) return notFound(`line ${d.sku}`);
    const rate = ctx.rates.get(line.taxClass) ?? 0;
    refundMinor = line.lineTotalMinor + Math.floor((line.lineTotalMinor * rate) / 10_000);
    const adj: Adjustment = {
      adjustmentId: `${disputeId}:refund`,
      receiptId: receipt.receiptId,
      sessionId: receipt.sessionId,
      storeId: d.store_id,
      currency: receipt.currency,
      lines: [{ sku: line.sku, quantityDelta: -line.quantity, unitPriceMinor: line.unitPriceMinor, taxClass: line.taxClass }],
      totalMinor: -refundMinor,
      reason: `dispute ${disputeId}`,
      // Fixed by the dispute, so a retried resolution is the same adjustment.
      createdAt: Number(d.created_at),
    };
    payment = (await ingestAdjustment(ctx, d.store_id, adj)).answer.payment;
  }
  await ctx.db.run('UPDATE disputes SET status = ?, refund_minor = ?, resolved_at = ? WHERE store_id = ? AND dispute_id = ?', [
    refund ? 'refunded' : 'rejected',
    refundMinor,
    ctx.clock.now(),
    d.store_id,
    disputeId,
  ]);
  return { status: refund ? 'refunded' : 'rejected', refundMinor, ...(payment === undefined ? {} : { payment }) };
}
