/** Session ingest: store the record, then place the entry hold. */
import type { SessionRecord } from '@tebura/contract';
import { one } from '../db/sql.js';
import type { CloudCtx } from '../context.js';
import { assertSameBody, bodyHash, callProvider, failedPayment, logIngest, recordPayment, storeOf, type IngestResult, type Payment } from './common.js';

interface SessionRow {
  body_hash: string;
  auth_status: string;
  auth_reason: string | null;
  hold_minor: number;
}

function answerOf(row: { auth_status: string; auth_reason: string | null }): Payment {
  if (row.auth_status === 'authorized') return { status: 'pending' };
  if (row.auth_status === 'declined') return { status: 'failed', reason: row.auth_reason ?? 'declined' };
  if (row.auth_status === 'expired') return { status: 'voided', reason: 'hold expired' };
  return { status: 'pending', reason: row.auth_reason ?? 'authorization pending' };
}

async function holdFor(ctx: CloudCtx, storeId: string, customerId: string): Promise<number> {
  const store = storeOf(ctx, storeId);
  const c = await one<{ trust: string }>(ctx.db, 'SELECT trust FROM customers WHERE customer_id = ?', [customerId]);
  return c?.trust === 'trusted' && store.trustedHoldMinor !== undefined ? store.trustedHoldMinor : store.holdMinor;
}

export async function ingestSession(ctx: CloudCtx, storeId: string, s: SessionRecord): Promise<IngestResult> {
  const hash = bodyHash(s);
  const select = 'SELECT body_hash, auth_status, auth_reason, hold_minor FROM sessions WHERE store_id = ? AND session_id = ?';
  let row = await one<SessionRow>(ctx.db, select, [storeId, s.sessionId]);
  let created = false;
  if (row === undefined) {
    const holdMinor = await holdFor(ctx, storeId, s.customerId);
    const now = ctx.clock.now();
    created = await ctx.db.tx(async (q) => {
      const ins = await q.run(
        `INSERT INTO sessions (store_id, session_id, customer_id, body_hash, body, hold_minor, auth_status, ingest_seq, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (store_id, session_id) DO NOTHING`,
        [storeId, s.sessionId, s.customerId, hash, JSON.stringify(s), holdMinor, now],
      );
      if (ins.changes === 0) return false;
      const seq = await logIngest(q, storeId, 'session', s.sessionId, s.sessionId, now);
      await q.run('UPDATE sessions SET ingest_seq = ? WHERE store_id = ? AND session_id = ?', [seq, storeId, s.sessionId]);
      return true;
    });
    row = await one<SessionRow>(ctx.db, select, [storeId, s.sessionId]);
    if (row === undefined) throw new Error(`session ${s.sessionId} vanished after insert`);
  }
  assertSameBody(row.body_hash, hash, s.sessionId);
  if (row.auth_status === 'pending') row = await authorize(ctx, storeId, s, row);
  return { created, answer: { status: created ? 'created' : 'exists', id: s.sessionId, payment: answerOf(row) } };
}

async function authorize(ctx: CloudCtx, storeId: string, s: SessionRecord, row: SessionRow): Promise<SessionRow> {
  const store = storeOf(ctx, storeId);
  // The receipt got here first (records reordered by a retry): it was charged
  // without a hold, and a hold placed now would never be captured or voided.
  const receipt = await one(ctx.db, 'SELECT 1 AS x FROM receipts WHERE store_id = ? AND session_id = ? LIMIT 1', [storeId, s.sessionId]);
  const skip = row.hold_minor === 0 ? 'no hold configured' : receipt !== undefined ? 'receipt already settled' : null;
  if (skip !== null) {
    await ctx.db.run("UPDATE sessions SET auth_status = 'none', auth_reason = ? WHERE store_id = ? AND session_id = ?", [skip, storeId, s.sessionId]);
    return { ...row, auth_status: 'none', auth_reason: skip };
  }
  const req = {
    idempotencyKey: `${storeId}:${s.sessionId}:authorize`,
    customerId: s.customerId,
    amountMinor: Number(row.hold_minor),
    currency: store.currency,
  };
  const o = await callProvider(ctx, 'authorize', req);
  const status = o.ok ? 'authorized' : o.kind === 'declined' ? 'declined' : 'pending';
  const reason = o.ok ? null : o.reason;
  const ref = o.ok ? o.ref : null;
  await ctx.db.tx(async (q) => {
    await recordPayment(q, ctx, storeId, s.sessionId, 'authorize', req, o);
    await q.run('UPDATE sessions SET auth_status = ?, auth_reason = ?, auth_ref = ? WHERE store_id = ? AND session_id = ?', [status, reason, ref, storeId, s.sessionId]);
  });
  if (!o.ok && status === 'pending') return { ...row, auth_status: 'pending', auth_reason: failedPayment(o).reason ?? null };
  return { ...row, auth_status: status, auth_reason: reason };
}
