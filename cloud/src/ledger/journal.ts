/**
 * Double-entry journal. Amounts are signed integer minor units: debit positive,
 * credit negative; every entry sums to zero (asserted here, enforced by the
 * database). Entries are never edited: corrections are new entries.
 */
import { TeburaError } from '@tebura/contract';
import { CloudErrors } from '../errors.js';
import { one, type SqlRunner } from '../db/sql.js';

export const Accounts = {
  /** What a customer owes the store (per customer). */
  receivable: 'customer_receivable',
  revenue: 'store_revenue',
  /** Contra-revenue: goods returned or charged in error. */
  refunds: 'refunds',
  /** Money the provider has captured for us and not yet settled. */
  clearing: 'payment_clearing',
  taxPayable: (rateBp: number) => `tax_payable:${rateBp}`,
} as const;

export interface Posting {
  account: string;
  customerId?: string | null;
  amountMinor: number;
}

export interface JournalEntry {
  storeId: string;
  /** Deterministic from the record it books (e.g. `<receiptId>:sale`), so a retry finds it. */
  entryId: string;
  kind: string;
  refId: string;
  currency: string;
  at: number;
  postings: readonly Posting[];
}

/** Books an entry inside the caller's transaction; false when it was already booked. */
export async function postEntry(q: SqlRunner, e: JournalEntry): Promise<boolean> {
  const exists = await one(q, 'SELECT 1 AS x FROM journal_entries WHERE store_id = ? AND entry_id = ?', [e.storeId, e.entryId]);
  if (exists !== undefined) return false;
  const postings = e.postings.filter((p) => p.amountMinor !== 0);
  // A zero-value record (free items, a correction that nets out) moves no money.
  if (postings.length === 0) return false;
  const sum = postings.reduce((s, p) => s + p.amountMinor, 0);
  if (postings.length < 2 || sum !== 0 || postings.some((p) => !Number.isSafeInteger(p.amountMinor))) {
    throw new TeburaError(CloudErrors.UNBALANCED, 'internal', `entry ${e.entryId} does not balance (sum ${sum})`);
  }
  // One multi-row insert: fewer round trips, and the header trigger sees them all.
  const values = postings.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
  const params = postings.flatMap((p, lineNo) => [e.storeId, e.entryId, lineNo, p.account, p.customerId ?? null, p.amountMinor, e.currency]);
  await q.run(`INSERT INTO postings (store_id, entry_id, line_no, account, customer_id, amount_minor, currency) VALUES ${values}`, params);
  await q.run('INSERT INTO journal_entries (store_id, entry_id, kind, ref_id, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    e.storeId,
    e.entryId,
    e.kind,
    e.refId,
    e.currency,
    e.at,
  ]);
  return true;
}

export interface Balance {
  storeId: string;
  account: string;
  customerId: string | null;
  currency: string;
  balanceMinor: number;
}

export async function balances(q: SqlRunner, storeId?: string): Promise<Balance[]> {
  const where = storeId === undefined ? '' : 'WHERE store_id = ?';
  const rows = await q.all<{ store_id: string; account: string; customer_id: string | null; currency: string; total: number }>(
    `SELECT store_id, account, customer_id, currency, SUM(amount_minor) AS total FROM postings ${where}
     GROUP BY store_id, account, customer_id, currency ORDER BY store_id, account, customer_id`,
    storeId === undefined ? [] : [storeId],
  );
  return rows.map((r) => ({ storeId: r.store_id, account: r.account, customerId: r.customer_id, currency: r.currency, balanceMinor: Number(r.total) }));
}

/** Sum of every posting per currency: zero in a healthy ledger. */
export async function trialBalance(q: SqlRunner): Promise<Record<string, number>> {
  const rows = await q.all<{ currency: string; total: number }>('SELECT currency, SUM(amount_minor) AS total FROM postings GROUP BY currency');
  return Object.fromEntries(rows.map((r) => [r.currency, Number(r.total)]));
}
