/**
 * Customers not in good standing, for the gates: an unpaid balance (their
 * receivable account is above zero, the same rule as `standing()` in
 * customers.ts) or a dispute still open. Stores pull the whole list, not a
 * change feed, because a balance falls back to zero through payments and refunds
 * that the feed does not carry; the list is short next to the customer base.
 */
import type { CloudCtx } from '../context.js';
import { Accounts } from '../ledger/journal.js';

/** Entries per answer. Beyond it `truncated` says so and the edge logs it; bounds memory on both sides. */
export const STANDING_ENTRIES_MAX = 100_000;

export interface StandingEntry {
  customerId: string;
  /** Owes money: a declined or failed charge not yet paid. */
  unpaid: boolean;
  /** Has a dispute nobody has resolved yet. */
  openDispute: boolean;
}

export interface StandingList {
  /** Cloud clock when the list was read (ms). */
  asOf: number;
  truncated: boolean;
  customers: StandingEntry[];
}

export async function standingList(ctx: CloudCtx, entriesMax = STANDING_ENTRIES_MAX): Promise<StandingList> {
  // At scale this aggregate wants a maintained per-customer balance; the list's size is bounded either way.
  const unpaid = await ctx.db.all<{ customer_id: string }>(
    `SELECT customer_id FROM postings WHERE account = ? AND customer_id IS NOT NULL
     GROUP BY customer_id HAVING SUM(amount_minor) > 0 ORDER BY customer_id LIMIT ?`,
    [Accounts.receivable, entriesMax + 1],
  );
  const disputed = await ctx.db.all<{ customer_id: string }>(
    "SELECT DISTINCT customer_id FROM disputes WHERE status = 'open' ORDER BY customer_id LIMIT ?",
    [entriesMax + 1],
  );
  const byId = new Map<string, StandingEntry>();
  for (const r of unpaid) byId.set(r.customer_id, { customerId: r.customer_id, unpaid: true, openDispute: false });
  for (const r of disputed) {
    const e = byId.get(r.customer_id);
    if (e !== undefined) e.openDispute = true;
    else byId.set(r.customer_id, { customerId: r.customer_id, unpaid: false, openDispute: true });
  }
  const all = [...byId.values()].sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return { asOf: ctx.clock.now(), truncated: all.length > entriesMax, customers: all.slice(0, entriesMax) };
}
