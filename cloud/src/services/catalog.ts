/**
 * Store catalogs: names, unit prices, tax classes and the planogram, versioned
 * per store. Every version is kept (a receipt can be explained by the prices it
 * was priced with); `stores.catalog_version` points at the current one and is
 * what the sync feed announces, so an edge pulls only when it changed.
 */
import type { StoreCatalog } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { one } from '../db/sql.js';
import { CloudErrors, fail, notFound } from '../errors.js';

export type CatalogBody = Omit<StoreCatalog, 'version'> & { expectedVersion?: number };

/** Checks what the schema cannot: unique SKUs, planogram SKUs sold here, tax classes the cloud has a rate for. */
function problems(ctx: CloudCtx, c: CatalogBody): string[] {
  const out: string[] = [];
  const skus = new Set<string>();
  for (const p of c.products) {
    if (skus.has(p.sku)) out.push(`/products: sku '${p.sku}' twice`);
    skus.add(p.sku);
    if (!ctx.cfg.taxRates.some((r) => r.taxClass === p.taxClass)) out.push(`/products/${p.sku}: no tax rate for class '${p.taxClass}'`);
  }
  for (const e of c.planogram) if (!skus.has(e.sku)) out.push(`/planogram: sku '${e.sku}' is not in products`);
  return out;
}

/** Stores a new version; with `expectedVersion`, refuses (409) when another update came first. */
export async function putCatalog(ctx: CloudCtx, storeId: string, body: CatalogBody): Promise<{ version: number }> {
  const bad = problems(ctx, body);
  if (bad.length > 0) fail(CloudErrors.CATALOG_INVALID, 'unprocessable', `catalog refused: ${bad.slice(0, 5).join('; ')}`, bad.slice(0, 50).map((m) => ({ path: m.split(':')[0] ?? '', message: m })));
  return ctx.db.tx(async (q) => {
    // The UPDATE takes the store row's lock on PostgreSQL, so concurrent updates get distinct versions.
    const guard = body.expectedVersion === undefined ? '' : ' AND catalog_version = ?';
    const params = body.expectedVersion === undefined ? [storeId] : [storeId, body.expectedVersion];
    const upd = await q.run(`UPDATE stores SET catalog_version = catalog_version + 1 WHERE store_id = ?${guard}`, params);
    if (upd.changes === 0) {
      const s = await one<{ v: number }>(q, 'SELECT catalog_version AS v FROM stores WHERE store_id = ?', [storeId]);
      if (s === undefined) notFound(`store ${storeId}`);
      fail(CloudErrors.CATALOG_VERSION, 'conflict', `catalog of ${storeId} is at version ${Number(s.v)}, not ${String(body.expectedVersion)}`);
    }
    const v = Number((await one<{ v: number }>(q, 'SELECT catalog_version AS v FROM stores WHERE store_id = ?', [storeId]))?.v);
    const doc: StoreCatalog = { version: v, products: body.products, planogram: body.planogram };
    await q.run('INSERT INTO catalogs (store_id, version, document, created_at) VALUES (?, ?, ?, ?)', [storeId, v, JSON.stringify(doc), ctx.clock.now()]);
    return { version: v };
  });
}

export async function currentCatalog(ctx: CloudCtx, storeId: string): Promise<StoreCatalog> {
  const row = await one<{ document: string }>(ctx.db, 'SELECT document FROM catalogs WHERE store_id = ? ORDER BY version DESC LIMIT 1', [storeId]);
  if (row === undefined) notFound(`catalog of store ${storeId}`);
  return JSON.parse(row.document) as StoreCatalog;
}
