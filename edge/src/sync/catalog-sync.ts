/**
 * Catalog pull: the sync feed announces the store's catalog version; when it is
 * newer than the one applied here, the edge fetches the catalog (names, unit
 * prices, tax classes, planogram), checks it against its own layout (plates,
 * tax rates), persists it, and swaps the layout the checkout prices with. A
 * receipt is priced at session close, so sessions still open pay the prices in
 * force when they leave (docs/receipts.md). Perception keeps the planogram it
 * started with until the next start, which applies the persisted catalog.
 * A refused or unreachable catalog leaves the current one in force.
 */
import type { Logger } from 'pino';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CloudPaths, StoreCatalog, storeLayoutProblems, type StoreLayout } from '@tebura/contract';
import type { Repo } from '../store/repo.js';

const META_KEY = 'catalog';
const checkCatalog = TypeCompiler.Compile(StoreCatalog);

/** The layout with the catalog's products and planogram in place of its own. */
export function overlayCatalog(layout: StoreLayout, catalog: StoreCatalog): StoreLayout {
  return { ...layout, products: catalog.products, planogram: catalog.planogram };
}

/** The catalog persisted by an earlier pull, if any and still valid for this layout. */
export function persistedCatalog(repo: Repo, layout: StoreLayout): StoreCatalog | null {
  const raw = repo.meta(META_KEY);
  if (raw === undefined) return null;
  const c = JSON.parse(raw) as unknown;
  if (!checkCatalog.Check(c) || storeLayoutProblems(overlayCatalog(layout, c)).length > 0) return null;
  return c;
}

export interface CatalogSyncOptions {
  storeId: string;
  cloud: { url: string; apiKey: string };
  repo: Repo;
  /** The layout from the config: a catalog replaces its products and planogram. */
  baseLayout: StoreLayout;
  timeoutMs: number;
  log: Logger;
  fetch: typeof fetch;
  /** Called with the new layout after the catalog is persisted. */
  apply(layout: StoreLayout, version: number): void;
}

export class CatalogSync {
  private running: Promise<void> | null = null;
  /** Read from the database once, then kept: every feed page asks, and a catalog can be 10,000 SKUs. */
  private applied: number | null = null;

  constructor(private readonly o: CatalogSyncOptions) {}

  /** The version applied here (0 = the config's own products and prices). */
  get version(): number {
    this.applied ??= persistedCatalog(this.o.repo, this.o.baseLayout)?.version ?? 0;
    return this.applied;
  }

  /** The feed announced `announced`: pull if it is newer. One pull at a time; never rejects. */
  check(announced: number): Promise<void> {
    if (announced <= this.version) return Promise.resolve();
    this.running ??= this.pull().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pull(): Promise<void> {
    const { o } = this;
    try {
      const res = await o.fetch(new URL(CloudPaths.catalog(o.storeId), o.cloud.url), {
        headers: { authorization: `Bearer ${o.cloud.apiKey}` },
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      if (!res.ok) throw new Error(`catalog answered ${res.status}`);
      const c = (await res.json()) as unknown;
      if (!checkCatalog.Check(c)) throw new Error(`catalog answer invalid at ${checkCatalog.Errors(c).First()?.path ?? '/'}`);
      if (c.version <= this.version) return;
      const layout = overlayCatalog(o.baseLayout, c);
      const problems = storeLayoutProblems(layout);
      if (problems.length > 0) {
        o.log.error({ version: c.version, problems: problems.slice(0, 10) }, 'catalog does not fit this store layout; keeping the current one');
        return;
      }
      o.repo.setMeta(META_KEY, JSON.stringify(c));
      this.applied = c.version;
      o.apply(layout, c.version);
      o.log.info({ version: c.version, products: c.products.length }, 'catalog applied');
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'catalog pull failed; the current catalog stays in force and the next feed pass retries');
    }
  }
}
