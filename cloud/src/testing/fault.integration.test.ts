/**
 * Nothing lost, nothing doubled, under faults: 10,000 receipts (a quarter after
 * a session hold) are uploaded while the cloud child process is SIGKILLed and
 * restarted at random moments (about ten times) and the proxy drops 10 % of responses after the
 * cloud processed them. The uploader drains its outbox through the batch
 * route (50 records a request, 6 in parallel), as an edge does after an outage. Runs on SQLite (a file) and on PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudPaths, Prng } from '@tebura/contract';
import { openDb } from '../db/open.js';
import { trialBalance } from '../ledger/journal.js';
import { CloudChild, DroppingProxy, upload, type OutboxItem } from './fault.js';
import { dropSchema, makeReceipt, makeSession, randomSuffix, storeKey, testConfig, type Backend } from './fixtures.js';

const RECEIPTS = Number(process.env['TEBURA_FAULT_RECEIPTS'] ?? 10_000);
const SEED = 20261122;
const backends: Backend[] = ['sqlite', 'pg'];

function outbox(storeId: string, run: string, prng: Prng): { chains: OutboxItem[][]; expectedTotal: number } {
  const chains: OutboxItem[][] = [];
  let expectedTotal = 0;
  for (let i = 0; i < RECEIPTS; i++) {
    const sessionId = `s-${run}-${i}`;
    const customerId = `c-${i % 500}`;
    const items = Array.from({ length: prng.int(1, 4) }, (_, k) => ({
      sku: `sku-${k}`,
      quantity: prng.int(1, 3),
      unitPriceMinor: prng.int(50, 1500),
      taxClass: prng.next() < 0.7 ? ('food' as const) : ('standard' as const),
    }));
    const receipt = makeReceipt({ storeId, sessionId, receiptId: `r-${run}-${i}`, customerId, items });
    expectedTotal += receipt.totalMinor;
    const chain: OutboxItem[] = [];
    if (i % 4 === 0) chain.push({ kind: 'session', path: CloudPaths.sessions(storeId), id: sessionId, body: makeSession({ storeId, sessionId, customerId }) });
    chain.push({ kind: 'receipt', path: CloudPaths.receipts(storeId), id: receipt.receiptId, body: receipt });
    chains.push(chain);
  }
  return { chains, expectedTotal };
}

describe.each(backends)('fault test on %s', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'tebura-fault-'));
  const cfg = testConfig(backend, backend === 'sqlite' ? { dbPath: join(dir, 'ledger.sqlite') } : { dbPoolSizeMax: 16 });
  afterAll(async () => {
    await dropSchema(cfg);
    rmSync(dir, { recursive: true, force: true });
  });

  it('charges each of 10,000 receipts exactly once through kills, restarts and dropped responses', async () => {
    const cfgPath = join(dir, 'cloud.json');
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, logLevel: 'warn' }));
    const prng = new Prng(SEED);
    const { chains, expectedTotal } = outbox('store-a', randomSuffix(), prng.fork('outbox'));
    // The uploader's outbox is persisted before the first send, as the edge's is.
    writeFileSync(join(dir, 'outbox.json'), JSON.stringify(chains.map((c) => c.map((i) => i.id))));
    const child = new CloudChild(cfgPath);
    const proxy = new DroppingProxy(prng.fork('proxy'), 0.1);
    const proxyUrl = await proxy.listen();
    proxy.target = await child.start();
    const chaos = prng.fork('chaos');
    let uploading = true;
    let kills = 0;
    // Kills land at random points of the upload (every 12-30 accepted requests,
    // about ten per run), so slow and fast backends see the same number.
    let done = 0;
    let nextKillAt = chaos.int(12, 30);
    const killer = (async () => {
      while (uploading) {
        await new Promise((r) => setTimeout(r, chaos.int(20, 200)));
        if (!uploading || done < nextKillAt) continue;
        nextKillAt = done + chaos.int(12, 30);
        proxy.target = '';
        await child.kill();
        kills++;
        await new Promise((r) => setTimeout(r, chaos.int(50, 400)));
        proxy.target = await child.start().catch((e: unknown) => {
          console.log(`restart failed: ${String(e)}`);
          throw e;
        });
      }
    })();
    const t0 = performance.now();
    const report = await upload(proxyUrl, 'store-a', storeKey('store-a'), chains, { concurrency: 6, attemptsMax: 400, requestTimeoutMs: 10_000, backoffMs: 50, batchRecordsMax: 50, onProgress: (n) => (done = n) }).finally(() => {
      uploading = false;
    });
    await killer;
    const seconds = (performance.now() - t0) / 1000;
    await child.stop();
    await proxy.close();

    const db = await openDb(cfg, 0);
    try {
      const receipts = await db.all<{ n: number; paid: number; captured: number }>(
        "SELECT COUNT(*) AS n, SUM(paid_minor) AS paid, SUM(CASE WHEN payment_status = 'captured' THEN 1 ELSE 0 END) AS captured FROM receipts",
      );
      const charged = await db.all<{ n: number; s: number }>(
        "SELECT COUNT(DISTINCT record_id) AS n, SUM(amount_minor) AS s FROM payments WHERE status = 'ok' AND op IN ('capture', 'charge')",
      );
      const provider = await db.all<{ n: number; s: number }>("SELECT COUNT(*) AS n, SUM(amount_minor) AS s FROM sandbox_ops WHERE outcome = 'ok' AND op IN ('capture', 'charge')");
      const perReceipt = await db.all<{ n: number }>(
        `SELECT COUNT(*) AS n FROM receipts r LEFT JOIN (
           SELECT store_id, record_id, SUM(amount_minor) AS s FROM payments WHERE status = 'ok' AND op IN ('capture', 'charge') GROUP BY store_id, record_id
         ) p ON p.store_id = r.store_id AND p.record_id = r.receipt_id
         WHERE r.total_minor <> COALESCE(p.s, 0)`,
      );
      console.log(
        `fault ${backend}: ${RECEIPTS} receipts in ${seconds.toFixed(1)} s, ${kills} kills, ${child.starts} starts, ` +
          `${proxy.dropped} responses dropped, ${report.requests} requests, ${report.attempts} attempts (${report.exists} records answered exists), max retries ${report.retriesMax}`,
      );
      expect(report.created + report.exists).toBeGreaterThanOrEqual(chains.reduce((s, c) => s + c.length, 0));
      expect(kills).toBeGreaterThan(0);
      expect(proxy.dropped).toBeGreaterThan(0);
      expect(Number(receipts[0]?.n)).toBe(RECEIPTS);
      expect(Number(receipts[0]?.captured)).toBe(RECEIPTS);
      expect(Number(receipts[0]?.paid)).toBe(expectedTotal);
      expect(Number(charged[0]?.n)).toBe(RECEIPTS);
      expect(Number(charged[0]?.s)).toBe(expectedTotal);
      expect(Number(provider[0]?.s)).toBe(expectedTotal);
      expect(Number(perReceipt[0]?.n)).toBe(0);
      for (const v of Object.values(await trialBalance(db))) expect(v).toBe(0);
    } finally {
      await db.close();
    }
  }, 240_000);
});
