/** Builders for tests, the fault harness and the bench: arithmetic done the edge's way (tax floored per class). */
import { randomBytes } from 'node:crypto';
import type { Adjustment, Receipt, SessionRecord } from '@tebura/contract';
import { loadConfig } from '@tebura/contract';
import { CloudConfigSchema, type CloudConfig } from '../config.js';

export const TEST_RATES: Readonly<Record<'food' | 'standard', number>> = { food: 800, standard: 1000 };

export interface Item {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  taxClass: 'food' | 'standard';
}

export function makeReceipt(p: { storeId: string; sessionId: string; receiptId: string; customerId: string; items: readonly Item[]; at?: number }): Receipt {
  const lines = p.items.map((i) => ({ sku: i.sku, name: i.sku, quantity: i.quantity, unitPriceMinor: i.unitPriceMinor, taxClass: i.taxClass, lineTotalMinor: i.quantity * i.unitPriceMinor }));
  const classes = [...new Set(lines.map((l) => l.taxClass))].sort();
  const taxes = classes.map((c) => {
    const taxable = lines.filter((l) => l.taxClass === c).reduce((s, l) => s + l.lineTotalMinor, 0);
    return { taxClass: c, rateBp: TEST_RATES[c], taxableMinor: taxable, taxMinor: Math.floor((taxable * TEST_RATES[c]) / 10_000) };
  });
  const subtotal = lines.reduce((s, l) => s + l.lineTotalMinor, 0);
  const tax = taxes.reduce((s, t) => s + t.taxMinor, 0);
  const at = p.at ?? 1_700_000_000_000;
  return {
    receiptId: p.receiptId,
    sessionId: p.sessionId,
    storeId: p.storeId,
    customerId: p.customerId,
    currency: 'JPY',
    lines,
    taxes,
    subtotalMinor: subtotal,
    taxMinor: tax,
    totalMinor: subtotal + tax,
    openedAt: at - 60_000,
    closedAt: at,
  };
}

export function makeSession(p: { storeId: string; sessionId: string; customerId: string; at?: number }): SessionRecord {
  return { sessionId: p.sessionId, storeId: p.storeId, customerId: p.customerId, entryMethod: 'app', guests: 0, openedAt: p.at ?? 1_700_000_000_000 };
}

/** A correction of `deltas` against a receipt; total = net + tax floored toward zero per class. */
export function makeAdjustment(p: { adjustmentId: string; receipt: Receipt; deltas: readonly Item[]; at?: number }): Adjustment {
  const netBy = new Map<'food' | 'standard', number>();
  for (const d of p.deltas) netBy.set(d.taxClass, (netBy.get(d.taxClass) ?? 0) + d.quantity * d.unitPriceMinor);
  let total = 0;
  for (const [c, n] of netBy) total += n + Math.trunc((n * TEST_RATES[c]) / 10_000);
  return {
    adjustmentId: p.adjustmentId,
    receiptId: p.receipt.receiptId,
    sessionId: p.receipt.sessionId,
    storeId: p.receipt.storeId,
    currency: 'JPY',
    lines: p.deltas.map((d) => ({ sku: d.sku, quantityDelta: d.quantity, unitPriceMinor: d.unitPriceMinor, taxClass: d.taxClass })),
    totalMinor: total,
    reason: 'test correction',
    createdAt: p.at ?? 1_700_000_000_000,
  };
}

export const ADMIN_KEY = 'admin-key-0123456789abcdef';
export const storeKey = (storeId: string): string => `store-key-${storeId}-0123456789`;

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

export type Backend = 'sqlite' | 'pg';
export const PG_URL = process.env['TEBURA_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A config for one test: SQLite in memory, or PostgreSQL in a fresh schema.
 * Validated without loadCloudConfig's DATABASE_URL override, so a SQLite test
 * stays on SQLite whatever the environment says.
 */
export function testConfig(backend: Backend, extra: Partial<CloudConfig> & { schema?: string } = {}): Readonly<CloudConfig> {
  const { schema, ...rest } = extra;
  return loadConfig(
    CloudConfigSchema,
    {
      adminKey: ADMIN_KEY,
      devMode: true,
      logLevel: 'silent',
      stores: [
        { storeId: 'store-a', apiKey: storeKey('store-a'), holdMinor: 3000, trustedHoldMinor: 10_000 },
        { storeId: 'store-b', apiKey: storeKey('store-b'), holdMinor: 3000 },
      ],
      ...(backend === 'pg' ? { databaseUrl: PG_URL, databaseSchema: schema ?? `t_${randomSuffix()}` } : { dbPath: ':memory:' }),
      ...rest,
    },
    'test',
  );
}

/** Drops a test schema (PostgreSQL only). */
export async function dropSchema(cfg: Readonly<CloudConfig>): Promise<void> {
  if (cfg.databaseUrl === undefined || !cfg.databaseSchema.startsWith('t_')) return;
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: cfg.databaseUrl });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${cfg.databaseSchema}" CASCADE`);
  } finally {
    await c.end();
  }
}
