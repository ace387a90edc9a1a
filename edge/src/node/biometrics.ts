/**
 * Biometric entry for one store: palm and face galleries, their gate matchers,
 * and the pull from the cloud that fills them and applies erasures. Galleries
 * hold vectors only; face images are embedded in memory and dropped.
 */
import type { Logger } from 'pino';
import { Gallery, loadFacePipeline, type FacePipeline } from '@tebura/models';
import type { EdgeConfig } from '../config.js';
import type { CredentialMatcher } from '../identity/api.js';
import { createFaceMatcher } from '../identity/face.js';
import { createPalmMatcher } from '../identity/palm.js';
import { GallerySync, type SyncDispute } from '../sync/gallery-sync.js';
import { StandingSync } from '../sync/standing-sync.js';

export interface Biometrics {
  matchers: CredentialMatcher[];
  galleries: { palm?: Gallery; face?: Gallery };
  /** Unpaid balances and open disputes from the cloud, when there is one and identity.standing.enabled. */
  standing?: StandingSync;
  /** Pulls now (e.g. right after enrolments); resolves when the pass is done. */
  syncNow(): Promise<void>;
  start(): void;
  close(): Promise<void>;
}

export async function setUpBiometrics(
  cfg: EdgeConfig, log: Logger, fetchImpl: typeof fetch, pipeline: FacePipeline | undefined,
  onDisputes: (d: readonly SyncDispute[]) => void,
  onCatalogVersion?: (version: number) => void,
): Promise<Biometrics> {
  const methods = new Set(cfg.layout.gates.flatMap((g) => g.methods));
  const galleries: { palm?: Gallery; face?: Gallery } = {};
  const matchers: CredentialMatcher[] = [];
  if (cfg.identity.palm.enabled && methods.has('palm')) {
    const gallery = new Gallery({ dim: cfg.identity.palm.dim, sizeMax: cfg.identity.palm.gallerySizeMax });
    galleries.palm = gallery;
    matchers.push(createPalmMatcher({ gallery, ...(cfg.identity.palm.threshold !== undefined ? { threshold: cfg.identity.palm.threshold } : {}) }));
  }
  let ownPipeline: FacePipeline | null = null;
  if ((cfg.identity.face.enabled || pipeline !== undefined) && methods.has('face')) {
    const p = pipeline ?? (ownPipeline = await loadFacePipeline());
    // fp32 whatever the length: template version 3 scores sit within 0.002 of 1 (Euclidean
    // lift, contract FACE_TEMPLATE), far below int8's 0.01 score error.
    const gallery = new Gallery({ dim: p.dim, sizeMax: cfg.identity.face.gallerySizeMax, precision: 'f32' });
    galleries.face = gallery;
    matchers.push(createFaceMatcher({ gallery, pipeline: p, ...(cfg.identity.face.threshold !== undefined ? { threshold: cfg.identity.face.threshold } : {}) }));
  }
  // The feed also carries disputes, so it is pulled whenever there is a cloud.
  const sync = cfg.cloud === undefined
    ? null
    : new GallerySync({
      storeId: cfg.storeId, cloud: cfg.cloud, galleries, intervalMs: cfg.identity.syncIntervalMs,
      timeoutMs: cfg.bounds.httpTimeoutMs, log, fetch: fetchImpl, onDisputes, ...(onCatalogVersion === undefined ? {} : { onCatalogVersion }),
    });
  const st = cfg.identity.standing;
  const standing = cfg.cloud === undefined || !st.enabled
    ? undefined
    : new StandingSync({
      storeId: cfg.storeId, cloud: cfg.cloud, intervalMs: st.syncIntervalMs, timeoutMs: cfg.bounds.httpTimeoutMs,
      denyOpenDispute: st.denyOpenDispute, log, fetch: fetchImpl,
    });
  return {
    matchers,
    galleries,
    ...(standing !== undefined ? { standing } : {}),
    syncNow: async () => {
      await Promise.all([sync?.pullNow(), standing?.pullNow()]);
    },
    start: () => {
      sync?.start();
      standing?.start();
    },
    close: async () => {
      await standing?.stop();
      await sync?.stop();
      await ownPipeline?.close();
    },
  };
}
