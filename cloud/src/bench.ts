/**
 * `tebura bench ledger`: receipts ingested per second through the HTTP routes
 * (validation, idempotency, journal, sandbox capture), next to raw inserts of
 * the same rows into a plain table in the same database and run, one commit
 * per row in both. The ratio is the cost of the ledger's guarantees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, Prng, type Receipt } from '@tebura/contract';
import { CloudConfigSchema } from './config.js';
import { buildCloudApp } from './http/app.js';
import type { SqlDb } from './db/sql.js';
import { makeReceipt, randomSuffix } from './testing/fixtures.js';

export interface LedgerBenchResult {
  backend: 'sqlite' | 'pg';
  receipts: number;
  concurrency: number;
  ingestPerSec: number;
  rawInsertPerSec: number;
  /** ingest / raw: 1 would mean the ledger costs nothing over a bare insert. */
  ratio: number;
}

export interface LedgerBenchOptions {
  receipts?: number;
  concurrency?: number;
  /** PostgreSQL to bench as well (a throwaway schema is made and dropped); default DATABASE_URL. */
  databaseUrl?: string;
  seed?: number;
  log?: (line: string) => void;
}

const BENCH_KEY = 'bench-store-key-0123456789';
const BENCH_ADMIN = 'bench-admin-key-0123456789';

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function receiptsFor(n: number, seed: number, run: string): Receipt[] {
  const prng = new Prng(seed);
  return Array.from({ length: n }, (_, i) =>
    makeReceipt({
      storeId: 'bench',
      sessionId: `s-${run}-${i}`,
      receiptId: `r-${run}-${i}`,
      customerId: `c-${i % 100}`,
      items: Array.from({ length: prng.int(1, 5) }, (_, k) => ({ sku: `sku-${k}`, quantity: prng.int(1, 3), unitPriceMinor: prng.int(50, 3000), taxClass: prng.next() < 0.5 ? 'food' : 'standard' })),
    }),
  );
}

async function rawInserts(db: SqlDb, receipts: readonly Receipt[], concurrency: number): Promise<number> {
  await db.exec('CREATE TABLE IF NOT EXISTS bench_raw (store_id TEXT NOT NULL, receipt_id TEXT NOT NULL, body TEXT NOT NULL, total_minor BIGINT NOT NULL, PRIMARY KEY (store_id, receipt_id))');
  const t0 = performance.now();
  await pool(receipts, concurrency, async (r) => {
    await db.tx((q) => q.run('INSERT INTO bench_raw (store_id, receipt_id, body, total_minor) VALUES (?, ?, ?, ?)', [r.storeId, r.receiptId, JSON.stringify(r), r.totalMinor]));
  });
  return receipts.length / ((performance.now() - t0) / 1000);
}

async function benchOne(backend: 'sqlite' | 'pg', n: number, concurrency: number, seed: number, url?: string): Promise<LedgerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tebura-bench-'));
  const schema = `bench_${randomSuffix()}`;
  // loadConfig, not loadCloudConfig: DATABASE_URL must not turn the SQLite run into a PostgreSQL one.
  const cfg = loadConfig(
    CloudConfigSchema,
    {
      adminKey: BENCH_ADMIN,
      devMode: true,
      logLevel: 'silent',
      stores: [{ storeId: 'bench', apiKey: BENCH_KEY, holdMinor: 0 }],
      ...(backend === 'pg' ? { databaseUrl: url, databaseSchema: schema } : { dbPath: join(dir, 'bench.sqlite') }),
    },
    'bench',
  );
  const cloud = await buildCloudApp(cfg);
  try {
    const run = randomSuffix();
    const receipts = receiptsFor(n, seed, run);
    const t0 = performance.now();
    await pool(receipts, concurrency, async (r) => {
      const res = await cloud.app.inject({
        method: 'POST',
        url: `/v1/stores/bench/receipts`,
        headers: { authorization: `Bearer ${BENCH_KEY}`, 'idempotency-key': r.receiptId },
        payload: r,
      });
      if (res.statusCode !== 201) throw new Error(`bench receipt answered ${res.statusCode}: ${res.body}`);
    });
    const ingestPerSec = n / ((performance.now() - t0) / 1000);
    const rawInsertPerSec = await rawInserts(cloud.ctx.db, receiptsFor(n, seed, `${run}-raw`), concurrency);
    return { backend, receipts: n, concurrency, ingestPerSec, rawInsertPerSec, ratio: ingestPerSec / rawInsertPerSec };
  } finally {
    if (backend === 'pg') await cloud.ctx.db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Benches SQLite, and PostgreSQL when a URL is given (or DATABASE_URL is set). Prints one line per backend. */
export async function benchLedger(opts: LedgerBenchOptions = {}): Promise<LedgerBenchResult[]> {
  const n = opts.receipts ?? 2000;
  const concurrency = opts.concurrency ?? 16;
  const seed = opts.seed ?? 1;
  const log = opts.log ?? ((l: string) => console.log(l));
  const url = opts.databaseUrl ?? process.env['DATABASE_URL'];
  const out: LedgerBenchResult[] = [];
  for (const backend of url === undefined || url === '' ? (['sqlite'] as const) : (['sqlite', 'pg'] as const)) {
    const r = await benchOne(backend, n, concurrency, seed, url);
    out.push(r);
    log(
      `ledger ${r.backend}: ${r.ingestPerSec.toFixed(0)} receipts/s ingested vs ${r.rawInsertPerSec.toFixed(0)} raw inserts/s ` +
        `(ratio ${r.ratio.toFixed(3)}, ${r.receipts} receipts, concurrency ${r.concurrency})`,
    );
  }
  return out;
}
