/**
 * Pull from the cloud (catalog, planogram, enrolments, deletions). The node calls
 * a SyncPull periodically; implementations live with whoever owns the data
 * (identity galleries, catalog). Not wired to a default implementation yet.
 */
import type { StoreLayout } from '@tebura/contract';
import type { GalleryEntry } from '../identity/api.js';

export interface SyncPullResult {
  /** The version to send as `?since=` next time. */
  version: number;
  layout?: StoreLayout;
  enrolments?: GalleryEntry[];
  /** Customer ids whose biometrics must be erased here. */
  deletions?: string[];
}

export interface SyncPull {
  /** Fetches changes newer than `since`; rejects on network failure (the caller retries). */
  pull(since: number): Promise<SyncPullResult>;
}
