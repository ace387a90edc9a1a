/** CatalogSync with an injected fetch: applies newer versions only, refuses a catalog that does not fit the layout. */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { StoreCatalog, StoreLayout } from '@tebura/contract';
import { nodeHarness } from '../testing/node-harness.js';
import { CatalogSync, persistedCatalog } from './catalog-sync.js';

function setUp(answer: () => StoreCatalog | { status: number }) {
  const h = nodeHarness();
  const applied: number[] = [];
  let calls = 0;
  const fetchImpl = (async () => {
    calls++;
    const a = answer();
    return 'status' in a ? new Response('{}', { status: a.status }) : Response.json(a);
  }) as typeof fetch;
  const sync = new CatalogSync({
    storeId: 'st1', cloud: { url: 'http://cloud.invalid', apiKey: 'k' }, repo: h.repo, baseLayout: h.d.layout, timeoutMs: 1000, log: pino({ level: 'silent' }), fetch: fetchImpl,
    apply: (l: StoreLayout, v: number) => {
      h.d.layout = l;
      applied.push(v);
    },
  });
  return { h, sync, applied, calls: () => calls };
}

describe('CatalogSync', () => {
  it('pulls only when the announced version is newer, and persists what it applied', async () => {
    const base = nodeHarness().d.layout;
    let version = 1;
    const { h, sync, applied, calls } = setUp(() => ({ version, products: base.products.map((p) => ({ ...p, priceMinor: p.priceMinor + version })), planogram: base.planogram }));
    await sync.check(1);
    await sync.check(1);
    expect([applied, calls()]).toEqual([[1], 1]);
    version = 2;
    await sync.check(2);
    expect(applied).toEqual([1, 2]);
    expect(h.d.layout.products.find((p) => p.sku === 'tea')?.priceMinor).toBe(140);
    expect(persistedCatalog(h.repo, base)?.version).toBe(2);
  });

  it('keeps the current catalog when the new one names an unknown plate, or the cloud fails', async () => {
    const base = nodeHarness().d.layout;
    let bad = true;
    const { h, sync, applied } = setUp(() => (bad ? { version: 3, products: base.products, planogram: [{ sku: 'tea', plateIds: ['p-nowhere'], facings: 1, stock: 1 }] } : { status: 503 }));
    await sync.check(3);
    bad = false;
    await sync.check(3);
    expect([applied, sync.version, h.d.layout]).toEqual([[], 0, base]);
  });
});
