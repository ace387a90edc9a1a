import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '@tebura/contract';
import { buildCloudApp, type CloudApp } from '../http/app.js';
import { ingestAdjustment } from '../services/adjustments.js';
import { ingestReceipt } from '../services/receipts.js';
import { ingestSession } from '../services/sessions.js';
import { dropSchema, makeAdjustment, makeReceipt, makeSession, randomSuffix, testConfig, type Backend, type Item } from '../testing/fixtures.js';
import { balances, postEntry, trialBalance } from './journal.js';


export function ledgerSuite(backend: Backend): void {
describe(`journal rules in the ${backend} database`, () => {
  const cfg = testConfig(backend);
  let cloud: CloudApp;
  beforeAll(async () => {
    cloud = await buildCloudApp(cfg, { clock: new ManualClock(1) });
  });
  afterAll(async () => {
    await cloud.close();
    await dropSchema(cfg);
  });

  const insertRaw = (entryId: string, amounts: number[], currencies: string[] = amounts.map(() => 'JPY')) =>
    cloud.ctx.db.tx(async (q) => {
      for (const [i, a] of amounts.entries()) {
        await q.run('INSERT INTO postings (store_id, entry_id, line_no, account, customer_id, amount_minor, currency) VALUES (?, ?, ?, ?, NULL, ?, ?)', [
          'store-a',
          entryId,
          i,
          `acct-${i}`,
          a,
          currencies[i] ?? 'JPY',
        ]);
      }
      await q.run("INSERT INTO journal_entries (store_id, entry_id, kind, ref_id, currency, created_at) VALUES ('store-a', ?, 'test', 'x', 'JPY', 1)", [entryId]);
    });

  it('accepts a balanced entry and rejects unbalanced, one-sided and mixed-currency ones', async () => {
    await insertRaw('ok', [100, -60, -40]);
    await expect(insertRaw('bad', [100, -99])).rejects.toThrow(/E_LEDGER_UNBALANCED/);
    await expect(insertRaw('one', [0])).rejects.toThrow(/E_LEDGER_UNBALANCED/);
    await expect(insertRaw('fx', [100, -100], ['JPY', 'USD'])).rejects.toThrow(/E_LEDGER_UNBALANCED/);
    const entries = await cloud.ctx.db.all<{ entry_id: string }>('SELECT entry_id FROM journal_entries ORDER BY entry_id');
    expect(entries.map((e) => e.entry_id)).toEqual(['ok']);
    expect(await trialBalance(cloud.ctx.db)).toEqual({ JPY: 0 });
  });

  it('rejects postings without a header at commit and postings added to a sealed entry', async () => {
    await expect(
      cloud.ctx.db.tx((q) => q.run("INSERT INTO postings (store_id, entry_id, line_no, account, amount_minor, currency) VALUES ('store-a', 'orphan', 0, 'a', 5, 'JPY')")),
    ).rejects.toThrow();
    await expect(
      cloud.ctx.db.tx((q) => q.run("INSERT INTO postings (store_id, entry_id, line_no, account, amount_minor, currency) VALUES ('store-a', 'ok', 9, 'a', 5, 'JPY')")),
    ).rejects.toThrow(/E_LEDGER_ENTRY_SEALED/);
  });

  it('is append-only: updates and deletes are refused', async () => {
    await expect(cloud.ctx.db.run("UPDATE postings SET amount_minor = 0 WHERE entry_id = 'ok'")).rejects.toThrow(/E_LEDGER_APPEND_ONLY/);
    await expect(cloud.ctx.db.run("DELETE FROM journal_entries WHERE entry_id = 'ok'")).rejects.toThrow(/E_LEDGER_APPEND_ONLY/);
  });

  it('asserts balance in the application before the database sees it', async () => {
    await expect(
      cloud.ctx.db.tx((q) =>
        postEntry(q, { storeId: 'store-a', entryId: 'app-bad', kind: 't', refId: 'x', currency: 'JPY', at: 1, postings: [{ account: 'a', amountMinor: 1 }, { account: 'b', amountMinor: 0 }] }),
      ),
    ).rejects.toThrow(/does not balance/);
  });
});

const item = fc.record({
  sku: fc.constantFrom('tea', 'rice', 'soap', 'pen'),
  quantity: fc.integer({ min: 1, max: 5 }),
  unitPriceMinor: fc.integer({ min: 0, max: 5000 }),
  taxClass: fc.constantFrom('food' as const, 'standard' as const),
});
const shopping = fc.record({
  customer: fc.constantFrom('good', 'cust-decline', 'other'),
  withSession: fc.boolean(),
  items: fc.array(item, { maxLength: 6 }),
  // Adjustments after the charge: returns (negative) or missed items (positive).
  fixes: fc.array(fc.record({ pick: fc.nat(), delta: fc.integer({ min: -3, max: 2 }).filter((d) => d !== 0) }), { maxLength: 3 }),
});

describe(`ledger property on ${backend}`, () => {
  const cfg = testConfig(backend);
  let cloud: CloudApp;
  beforeAll(async () => {
    cloud = await buildCloudApp(cfg, {
      clock: new ManualClock(1),
      sandboxScript: (op, req) => (op === 'refund' && req.customerId.startsWith('other') ? 'decline' : undefined),
    });
  });
  afterAll(async () => {
    await cloud.close();
    await dropSchema(cfg);
  });

  it('any sequence of sessions, receipts, adjustments and refunds keeps every balance summing to zero', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(shopping, { minLength: 1, maxLength: 6 }), async (visits) => {
        const run = randomSuffix();
        for (const [i, v] of visits.entries()) {
          const sessionId = `s-${run}-${i}`;
          const customerId = `${v.customer}-${run}`;
          if (v.withSession) await ingestSession(cloud.ctx, 'store-a', makeSession({ storeId: 'store-a', sessionId, customerId }));
          const receipt = makeReceipt({ storeId: 'store-a', sessionId, receiptId: `r-${run}-${i}`, customerId, items: v.items });
          await ingestReceipt(cloud.ctx, 'store-a', receipt);
          for (const [j, f] of v.fixes.entries()) {
            const base: Item | undefined = v.items[f.pick % Math.max(1, v.items.length)];
            if (base === undefined) continue;
            const adj = makeAdjustment({ adjustmentId: `a-${run}-${i}-${j}`, receipt, deltas: [{ ...base, quantity: f.delta }] });
            await ingestAdjustment(cloud.ctx, 'store-a', adj);
          }
        }
        const tb = await trialBalance(cloud.ctx.db);
        for (const v of Object.values(tb)) expect(v).toBe(0);
        // Each customer's receivable equals what their receipts and adjustments asked minus money moved.
        const recv = (await balances(cloud.ctx.db, 'store-a')).filter((b) => b.account === 'customer_receivable' && b.customerId?.endsWith(run));
        const asked = await cloud.ctx.db.all<{ customer_id: string; t: number }>(
          `SELECT customer_id, SUM(total_minor) AS t FROM (
             SELECT customer_id, total_minor FROM receipts WHERE store_id = 'store-a'
             UNION ALL SELECT r.customer_id, a.total_minor FROM adjustments a JOIN receipts r ON r.store_id = a.store_id AND r.receipt_id = a.receipt_id
           ) x GROUP BY customer_id`,
        );
        const moved = await cloud.ctx.db.all<{ customer_id: string; t: number }>(
          `SELECT r.customer_id, SUM(CASE WHEN p.op = 'refund' THEN -p.amount_minor ELSE p.amount_minor END) AS t
           FROM payments p
           LEFT JOIN adjustments a ON a.store_id = p.store_id AND a.adjustment_id = p.record_id
           JOIN receipts r ON r.store_id = p.store_id AND r.receipt_id = COALESCE(a.receipt_id, p.record_id)
           WHERE p.status = 'ok' AND p.op IN ('capture', 'charge', 'refund') GROUP BY r.customer_id`,
        );
        for (const b of recv) {
          const a = Number(asked.find((x) => x.customer_id === b.customerId)?.t ?? 0);
          const m = Number(moved.find((x) => x.customer_id === b.customerId)?.t ?? 0);
          expect(b.balanceMinor).toBe(a - m);
        }
      }),
      { numRuns: backend === 'pg' ? 15 : 60 },
    );
  });
});
}
