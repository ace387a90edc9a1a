/**
 * Keeps this store in step with the cloud's feed: pulls enrolments, deletions and
 * disputes newer than the last version it applied, page by page, applies them to
 * the palm and face galleries and hands disputes to the review queue. Erasure reaches the edge on the
 * next pull: a deleted customer's vectors are removed and can no longer match.
 * Galleries hold vectors only, never images.
 */
import type { Logger } from 'pino';
import { PeriodicPull } from './periodic-pull.js';
import { CloudPaths } from '@tebura/contract';
import { GalleryError, type Gallery } from '@tebura/models';

/** Pages applied in one pass before yielding to the next interval. */
export const SYNC_PAGES_PER_PASS_MAX = 50;

export interface SyncDispute {
  disputeId: string;
  receiptId: string;
  customerId: string;
  sku: string;
  reason: string;
  version: number;
}

export interface SyncFeedPage {
  version: number;
  more: boolean;
  enrolments: { customerId: string; kind: 'face' | 'palm'; vector: number[]; version: number }[];
  deletions: { customerId: string; version: number }[];
  /** A shopper disputed a line of one of this store's receipts: a human decides here. */
  disputes?: SyncDispute[];
  /** The store's current catalog version; the catalog itself is pulled when it changes. */
  catalogVersion?: number;
}

export interface GallerySyncOptions {
  storeId: string;
  cloud: { url: string; apiKey: string };
  galleries: { palm?: Gallery; face?: Gallery };
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
  fetch?: typeof fetch;
  /** Called with each page's disputes, in feed order (idempotent on the receiver's side). */
  onDisputes?: (disputes: readonly SyncDispute[]) => void;
  /** Called with each page's catalog version (the receiver pulls when it is newer). */
  onCatalogVersion?: (version: number) => void;
}

export class GallerySync extends PeriodicPull {
  private since = 0;
  private failures = 0;

  constructor(private readonly o: GallerySyncOptions) {
    super(o.intervalMs);
  }

  /** The version of the last applied change (sent as `since`). */
  get version(): number {
    return this.since;
  }

  /** A failure is logged once per streak; the last good state is kept and retried next interval. */
  protected async pass(): Promise<void> {
    try {
      for (let page = 0; page < SYNC_PAGES_PER_PASS_MAX; page++) {
        const p = await this.fetchPage();
        this.apply(p);
        if (!p.more) break;
      }
      if (this.failures > 0) this.o.log.info({ failures: this.failures }, 'gallery sync recovered');
      this.failures = 0;
    } catch (e) {
      if (this.failures++ === 0) this.o.log.warn({ err: (e as Error).message }, 'gallery sync failed; the store keeps its current galleries and retries');
    }
  }

  private async fetchPage(): Promise<SyncFeedPage> {
    const url = new URL(CloudPaths.sync(this.o.storeId), this.o.cloud.url);
    url.searchParams.set('since', String(this.since));
    const res = await (this.o.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${this.o.cloud.apiKey}` },
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    if (!res.ok) throw new Error(`sync answered ${res.status}`);
    const page = (await res.json()) as Partial<SyncFeedPage> | null;
    if (typeof page?.version !== 'number' || !Array.isArray(page.enrolments) || !Array.isArray(page.deletions)) {
      throw new Error('sync answer is not a feed page (version, enrolments, deletions)');
    }
    return page as SyncFeedPage;
  }

  private apply(p: SyncFeedPage): void {
    for (const e of p.enrolments) {
      const g = this.o.galleries[e.kind];
      if (g === undefined) continue;
      try {
        g.upsert(e.customerId, Float32Array.from(e.vector), e.version);
      } catch (err) {
        // E.g. E_GALLERY_DIM: a template of another layout (length) than the store's pipeline; it never enters the gallery.
        const code = err instanceof GalleryError ? err.code : undefined;
        this.o.log.warn({ customerId: e.customerId, kind: e.kind, code, err: (err as Error).message }, 'enrolment not applied');
      }
    }
    for (const d of p.deletions) {
      this.o.galleries.palm?.remove(d.customerId, d.version);
      this.o.galleries.face?.remove(d.customerId, d.version);
    }
    if (Array.isArray(p.disputes) && p.disputes.length > 0) this.o.onDisputes?.(p.disputes);
    if (typeof p.catalogVersion === 'number') this.o.onCatalogVersion?.(p.catalogVersion);
    this.since = Math.max(this.since, p.version);
  }
}
