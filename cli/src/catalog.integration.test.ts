/**
 * Catalog pull, edge to cloud: an operator changes a price at the cloud (admin
 * API), the feed announces the new version, the edge pulls and persists it,
 * and the next receipt uses the new price; the cloud books that receipt.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudPaths, Prng, type StoreLayout } from '@tebura/contract';
import { startCloud, type RunningCloud } from '@tebura/cloud';
import { ADMIN_KEY, storeKey, testConfig } from '@tebura/cloud/testing/fixtures';
import { EdgeMetrics } from '@tebura/edge/metrics';
import { CatalogSync, persistedCatalog } from '@tebura/edge/sync/catalog-sync';
import { GallerySync } from '@tebura/edge/sync/gallery-sync';
import { OutboxUploader } from '@tebura/edge/sync/outbox';
import { nodeHarness } from '@tebura/edge/testing/node-harness';

const STORE = 'store-a';
const log = pino({ level: 'silent' });

function catalogOf(layout: StoreLayout, teaPriceMinor: number) {
  return { products: layout.products.map((p) => (p.sku === 'tea' ? { ...p, priceMinor: teaPriceMinor, name: 'Green tea 500ml (new)' } : p)), planogram: layout.planogram };
}

describe('catalog pull', () => {
  let cloud: RunningCloud;
  beforeAll(async () => {
    cloud = await startCloud(testConfig('sqlite'));
  });
  afterAll(async () => {
    await cloud.close();
  });

  const put = (body: object, key = ADMIN_KEY) =>
    fetch(`${cloud.url}/v1/admin/stores/${STORE}/catalog`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('a price changed at the cloud is pulled by the edge and used by the next receipt', async () => {
    const h = nodeHarness(':memory:', STORE);
    const base = h.d.layout;
    const cloudCfg = { url: cloud.url, apiKey: storeKey(STORE) };
    const catalog = new CatalogSync({ storeId: STORE, cloud: cloudCfg, repo: h.repo, baseLayout: base, timeoutMs: 5000, log, fetch, apply: (l) => (h.d.layout = l) });
    let announced = 0;
    const feed = new GallerySync({ storeId: STORE, cloud: cloudCfg, galleries: {}, intervalMs: 60_000, timeoutMs: 5000, log, onCatalogVersion: (v) => void catalog.check((announced = v)) });
    const uploader = new OutboxUploader({
      repo: h.repo, storeId: STORE, cloud: cloudCfg, fetch, clock: h.clock, prng: new Prng(1), metrics: new EdgeMetrics(10), log,
      bounds: { outboxBatchMax: 100, batchRecordsMax: 50, uploadRequestsParallelMax: 2, retryAttemptsPerPassMax: 5, retryBackoffBaseMs: 100, retryBackoffMaxMs: 1000, httpTimeoutMs: 5000, outboxPollMs: 1000 },
    });
    const buyTea = async (tx: string) => {
      const s = h.admit(tx, 'cust-7');
      h.delta(`e-${tx}`, s, 'tea', 2);
      const receipt = h.sessions.close(s);
      expect(await uploader.drain()).toMatchObject({ failed: 0, retried: 0 });
      return receipt!.lines.find((l) => l.sku === 'tea')!;
    };

    expect((await buyTea('before')).unitPriceMinor).toBe(138); // the config's price: no catalog yet
    const v1 = await put(catalogOf(base, 200));
    expect([v1.status, await v1.json()]).toEqual([201, { version: 1 }]);
    await feed.pullNow();
    await catalog.check(announced);
    expect([announced, catalog.version]).toEqual([1, 1]);
    expect(await buyTea('after-1')).toMatchObject({ unitPriceMinor: 200, lineTotalMinor: 400, name: 'Green tea 500ml (new)' });

    // A stale writer is refused; a valid update moves to version 2 and the edge follows.
    const stale = await put({ ...catalogOf(base, 999), expectedVersion: 0 });
    expect([stale.status, ((await stale.json()) as { code: string }).code]).toEqual([409, 'E_CATALOG_VERSION']);
    expect((await put({ ...catalogOf(base, 210), expectedVersion: 1 })).status).toBe(201);
    await feed.pullNow();
    await catalog.check(announced);
    expect((await buyTea('after-2')).unitPriceMinor).toBe(210);
    expect(persistedCatalog(h.repo, base)?.version).toBe(2);

    const stats = (await (await fetch(`${cloud.url}/v1/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { receipts: number; chargedTotalMinor: number };
    // 2 x 138, 2 x 200, 2 x 210, food tax 8 % floored per receipt.
    expect(stats).toMatchObject({ receipts: 3, chargedTotalMinor: 276 + 22 + 400 + 32 + 420 + 33 });
    h.repo.db.close();
  });

  it('refuses a catalog that does not hold together, and another store cannot read this one', async () => {
    const base = nodeHarness(':memory:', STORE).d.layout;
    const bad = await put({ products: base.products, planogram: [{ sku: 'nope', plateIds: ['p1'], facings: 1, stock: 1 }] });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([422, 'E_CATALOG_INVALID']);
    const badPrice = await put({ products: [{ ...base.products[0], priceMinor: 1.5 }], planogram: [] });
    expect(badPrice.status).toBe(400);
    expect((await put(catalogOf(base, 1), storeKey(STORE))).status).toBe(403);
    const other = await fetch(new URL(CloudPaths.catalog(STORE), cloud.url), { headers: { authorization: `Bearer ${storeKey('store-b')}` } });
    expect([other.status, ((await other.json()) as { code: string }).code]).toEqual([403, 'E_FORBIDDEN']);
  });
});
