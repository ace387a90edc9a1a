/**
 * Nothing lost, nothing doubled, under faults, edge to cloud: the edge's own
 * OutboxUploader drains 10,000 receipts (a quarter after a session hold) from
 * the edge's SQLite outbox to the real cloud process (`cloud/src/serve.ts`),
 * which is SIGKILLed and restarted at random moments (about ten times) behind a
 * proxy that drops 10 % of the answers after the cloud processed them. The
 * uploader uses the batch route (50 records a request, 6 in parallel). Lives in
 * cli/ because it is the package that depends on both edge and cloud.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng, systemClock } from '@tebura/contract';
import { openDb as openCloudDb } from '@tebura/cloud/db/open';
import { trialBalance } from '@tebura/cloud/ledger/journal';
import { CloudChild, DroppingProxy } from '@tebura/cloud/testing/fault';
import { dropSchema, makeReceipt, makeSession, randomSuffix, storeKey, testConfig, type Backend } from '@tebura/cloud/testing/fixtures';
import { EdgeMetrics } from '@tebura/edge/metrics';
import { openDb as openEdgeDb } from '@tebura/edge/store/db';
import { Repo } from '@tebura/edge/store/repo';
import { OutboxUploader } from '@tebura/edge/sync/outbox';
import { until } from './wait.js';

const RECEIPTS = Number(process.env['TEBURA_FAULT_RECEIPTS'] ?? 10_000);
const SEED = 20261122;
const STORE = 'store-a';
/** The whole upload must finish in this time, kills included (about 40 s on SQLite on an idle 2-core machine; the bound leaves room for a loaded one). */
const UPLOAD_TIMEOUT_MS = 400_000;
const backends: Backend[] = ['sqlite', 'pg'];
const CHILD_STARTS_MAX = 3;

/** Fills the edge's outbox as the edge does: every record persisted before the first send. */
function fillOutbox(repo: Repo, run: string, prng: Prng): number {
  let expectedTotal = 0;
  repo.tx(() => {
    for (let i = 0; i < RECEIPTS; i++) {
      const sessionId = `s-${run}-${i}`;
      const customerId = `c-${i % 500}`;
      const items = Array.from({ length: prng.int(1, 4) }, (_, k) => ({
        sku: `sku-${k}`,
        quantity: prng.int(1, 3),
        unitPriceMinor: prng.int(50, 1500),
        taxClass: prng.next() < 0.7 ? ('food' as const) : ('standard' as const),
      }));
      const receipt = makeReceipt({ storeId: STORE, sessionId, receiptId: `r-${run}-${i}`, customerId, items });
      expectedTotal += receipt.totalMinor;
      if (i % 4 === 0) repo.enqueue(sessionId, 'session', sessionId, makeSession({ storeId: STORE, sessionId, customerId }), i);
      repo.enqueue(receipt.receiptId, 'receipt', sessionId, receipt, i);
    }
  });
  return expectedTotal;
}

/** A restart that fails (a slow start on a loaded machine) is tried again, a bounded number of times. */
async function startWithRetry(child: CloudChild): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await child.start();
    } catch (e) {
      await child.kill();
      if (attempt >= CHILD_STARTS_MAX) throw e;
    }
  }
}

describe.each(backends)('edge outbox to the cloud process under faults, on %s', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'tebura-sync-fault-'));
  const cfg = testConfig(backend, backend === 'sqlite' ? { dbPath: join(dir, 'ledger.sqlite') } : { dbPoolSizeMax: 16 });
  afterAll(async () => {
    await dropSchema(cfg);
    rmSync(dir, { recursive: true, force: true });
  });

  it('charges each of 10,000 receipts exactly once through kills, restarts and dropped answers', async () => {
    const cfgPath = join(dir, 'cloud.json');
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, logLevel: 'warn' }));
    const prng = new Prng(SEED);
    const repo = new Repo(openEdgeDb(join(dir, 'edge.sqlite')));
    const expectedTotal = fillOutbox(repo, randomSuffix(), prng.fork('outbox'));
    const rows = repo.outboxCount('pending');
    const child = new CloudChild(cfgPath);
    const proxy = new DroppingProxy(prng.fork('proxy'), 0.1);
    const proxyUrl = await proxy.listen();
    proxy.target = await child.start();
    const metrics = new EdgeMetrics(100);
    const uploader = new OutboxUploader({
      repo, storeId: STORE, cloud: { url: proxyUrl, apiKey: storeKey(STORE) }, fetch: globalThis.fetch, clock: systemClock, prng: prng.fork('uploader'), metrics,
      log: pino({ level: process.env['TEBURA_FAULT_LOG'] ?? 'silent' }),
      bounds: { outboxBatchMax: 1000, batchRecordsMax: 50, uploadRequestsParallelMax: 6, retryAttemptsPerPassMax: 50, retryBackoffBaseMs: 50, retryBackoffMaxMs: 1000, httpTimeoutMs: 10_000, outboxPollMs: 20 },
    });
    const chaos = prng.fork('chaos');
    let uploading = true;
    let kills = 0;
    let killerError: unknown = null;
    // Kills land at random points of the upload (every 600-1,500 rows sent), so
    // slow and fast backends see about the same number.
    let nextKillAt = chaos.int(600, 1500);
    const killer = (async () => {
      while (uploading) {
        await new Promise((r) => setTimeout(r, chaos.int(20, 200)));
        if (!uploading || repo.outboxCount('sent') < nextKillAt) continue;
        nextKillAt = repo.outboxCount('sent') + chaos.int(600, 1500);
        proxy.target = '';
        await child.kill();
        kills++;
        await new Promise((r) => setTimeout(r, chaos.int(50, 400)));
        proxy.target = await startWithRetry(child);
      }
    })().catch((e: unknown) => {
      killerError = e; // rethrown after the upload stops; never an unhandled rejection
    });
    const t0 = performance.now();
    uploader.start();
    try {
      await until(() => repo.outboxCount('pending') === 0 || killerError !== null, UPLOAD_TIMEOUT_MS);
    } finally {
      uploading = false;
      await uploader.stop();
      await killer;
    }
    if (killerError !== null) throw killerError instanceof Error ? killerError : new Error(String(killerError));
    const seconds = (performance.now() - t0) / 1000;
    await child.stop();
    await proxy.close();
    expect(repo.outboxCount('failed')).toBe(0);
    expect(repo.outboxCount('sent')).toBe(rows);
    repo.db.close();

    const db = await openCloudDb(cfg, 0);
    try {
      const one = async (sql: string): Promise<{ n: number; s: number }> => {
        const r = (await db.all<{ n: number; s: number }>(sql))[0];
        return { n: Number(r?.n), s: Number(r?.s) };
      };
      const receipts = await one("SELECT COUNT(*) AS n, SUM(CASE WHEN payment_status = 'captured' THEN paid_minor ELSE 0 END) AS s FROM receipts");
      const charged = await one("SELECT COUNT(DISTINCT record_id) AS n, SUM(amount_minor) AS s FROM payments WHERE status = 'ok' AND op IN ('capture', 'charge')");
      const provider = await one("SELECT COUNT(*) AS n, SUM(amount_minor) AS s FROM sandbox_ops WHERE outcome = 'ok' AND op IN ('capture', 'charge')");
      const dupes = await one('SELECT COUNT(*) AS n, 0 AS s FROM (SELECT idempotency_key FROM sandbox_ops GROUP BY idempotency_key HAVING COUNT(*) > 1) d');
      const wrong = await one(
        `SELECT COUNT(*) AS n, 0 AS s FROM receipts r LEFT JOIN (
           SELECT store_id, record_id, SUM(amount_minor) AS s FROM payments WHERE status = 'ok' AND op IN ('capture', 'charge') GROUP BY store_id, record_id
         ) p ON p.store_id = r.store_id AND p.record_id = r.receipt_id
         WHERE r.total_minor <> COALESCE(p.s, 0)`,
      );
      const balance = Object.values(await trialBalance(db)).reduce((a, b) => a + b, 0);
      const c = metrics.counts;
      console.log(
        `sync fault ${backend}: ${RECEIPTS} receipts (${rows} rows) in ${seconds.toFixed(1)} s, ${kills} kills, ${child.starts} starts, ` +
          `${proxy.dropped} answers dropped of ${proxy.forwarded}, ${c.outboxRetries} row retries; charged receipts ${charged.n}, ` +
          `receipts off their total ${wrong.n}, duplicate provider keys ${dupes.n}, balance sum ${balance}`,
      );
      expect(kills).toBeGreaterThan(0);
      expect(proxy.dropped).toBeGreaterThan(0);
      expect(receipts).toEqual({ n: RECEIPTS, s: expectedTotal });
      expect(charged).toEqual({ n: RECEIPTS, s: expectedTotal });
      expect(provider.s).toBe(expectedTotal);
      expect(dupes.n).toBe(0);
      expect(wrong.n).toBe(0);
      for (const v of Object.values(await trialBalance(db))) expect(v).toBe(0);
    } finally {
      await db.close();
    }
  }, UPLOAD_TIMEOUT_MS + 60_000);
});
