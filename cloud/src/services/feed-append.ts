/**
 * Appends to the sync feed. Stores read "everything after version v", so a
 * version must never become visible after a higher one: on PostgreSQL,
 * sequence values can commit out of order, so feed writers take one
 * transaction-scoped advisory lock before drawing a version. SQLite has a
 * single writer already. Feed writes (enrolments, erasures, disputes) are rare
 * next to receipts, so the serialisation costs little.
 */
import type { SqlDb, SqlRunner } from '../db/sql.js';

const FEED_LOCK_KEY = 7_423_001;

export async function appendFeed(
  q: SqlRunner,
  dialect: SqlDb['dialect'],
  row: { kind: 'enrolment' | 'deletion' | 'dispute'; customerId: string; storeId?: string; refId?: string; at: number },
): Promise<number> {
  if (dialect === 'pg') await q.all('SELECT pg_advisory_xact_lock(?)', [FEED_LOCK_KEY]);
  const f = await q.all<{ version: number }>('INSERT INTO feed (kind, customer_id, store_id, ref_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING version', [
    row.kind,
    row.customerId,
    row.storeId ?? null,
    row.refId ?? null,
    row.at,
  ]);
  return Number(f[0]?.version);
}
