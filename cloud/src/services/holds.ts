/**
 * Hold expiry: an entry hold whose session never produced a receipt (the shopper
 * walked out through a broken gate, the edge lost the session) is voided after
 * `holdTtlMs`, counted from when the hold reached the cloud. Claiming the
 * session ('expiring') happens before the provider call and only while no
 * receipt exists, so a receipt that arrives later is charged in full (its plan
 * sees no live hold) instead of capturing against a voided one. A hold moves no
 * money, so the void books no journal entry: it is a payments row, with its own
 * idempotency key, retried by the next sweep if the provider fails.
 */
import type { CloudCtx } from '../context.js';
import { callProvider, recordPayment, storeOf } from './common.js';

/** Sessions whose holds are voided per sweep call; the next sweep takes the rest. */
export const HOLD_EXPIRY_ROWS_MAX = 200;

interface HoldRow {
  store_id: string;
  session_id: string;
  customer_id: string;
  hold_minor: number;
  auth_ref: string;
}

export async function expireHolds(ctx: CloudCtx, rowsMax = HOLD_EXPIRY_ROWS_MAX): Promise<number> {
  const cutoff = ctx.clock.now() - ctx.cfg.holdTtlMs;
  // 'expiring' = claimed earlier but the void failed: retried whatever came in since.
  const rows = await ctx.db.all<HoldRow & { auth_status: string }>(
    `SELECT s.store_id, s.session_id, s.customer_id, s.hold_minor, s.auth_ref, s.auth_status FROM sessions s
     WHERE s.auth_ref IS NOT NULL AND (s.auth_status = 'expiring' OR (s.auth_status = 'authorized' AND s.created_at <= ?
       AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.store_id = s.store_id AND r.session_id = s.session_id)))
     ORDER BY s.created_at LIMIT ?`,
    [cutoff, rowsMax],
  );
  let voided = 0;
  for (const h of rows) {
    const claimed = h.auth_status === 'expiring' || (await ctx.db.run(
      `UPDATE sessions SET auth_status = 'expiring', auth_reason = 'hold expired' WHERE store_id = ? AND session_id = ? AND auth_status = 'authorized'
       AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.store_id = ? AND r.session_id = ?)`,
      [h.store_id, h.session_id, h.store_id, h.session_id],
    )).changes > 0;
    if (!claimed) continue; // a receipt came in first: it captures or voids the hold itself
    const req = {
      idempotencyKey: `${h.store_id}:${h.session_id}:expire`,
      customerId: h.customer_id,
      amountMinor: Number(h.hold_minor),
      currency: storeOf(ctx, h.store_id).currency,
      parentRef: h.auth_ref,
    };
    const o = await callProvider(ctx, 'void', req);
    await ctx.db.tx(async (q) => {
      await recordPayment(q, ctx, h.store_id, h.session_id, 'void', req, o);
      // A failed void stays 'expiring': the next sweep calls again with the same key.
      if (o.ok) await q.run("UPDATE sessions SET auth_status = 'expired' WHERE store_id = ? AND session_id = ?", [h.store_id, h.session_id]);
    });
    if (o.ok) voided++;
  }
  return voided;
}
