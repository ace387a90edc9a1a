/**
 * The whole store on one machine: an MQTT broker (embedded aedes unless a URL is
 * given), the cloud ledger and one edge node, both on SQLite in `dataDir`. Used by
 * `tebura demo`, `tebura eval` and the end-to-end tests, so all three run the same
 * wiring. Shoppers are enrolled through the cloud's public API, as an app would.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import type { StoreLayout } from '@tebura/contract';
import { DEV_ENCRYPTION_KEY, loadCloudConfig, startCloud, type RunningCloud } from '@tebura/cloud';
import { startEdge, type CredentialMatcher, type EdgeNode } from '@tebura/edge';
import { createPalmMatcher } from '@tebura/edge/identity/palm';
import { GallerySync } from '@tebura/edge/sync/gallery-sync';
import { Gallery } from '@tebura/models';
import { PALM_TEMPLATE_DIM } from '@tebura/sim';
import type { ShopperIdentity } from '@tebura/sim';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { CloudAdminClient } from './cloud-client.js';

export interface StackOptions {
  store: StoreLayout;
  dataDir: string;
  /** External broker (e.g. Mosquitto); default: embedded aedes on loopback. */
  brokerUrl?: string;
  consolePort?: number;
  consoleEnabled?: boolean;
  logLevel?: 'silent' | 'error' | 'warn' | 'info';
  /** Extra gate matchers (face) for the edge; palm is always wired to the synced gallery. */
  matchers?: CredentialMatcher[];
}

/** Palm templates one demo store keeps; a real store sizes this to its customers. */
const PALM_GALLERY_SIZE_MAX = 100_000;
/** How often the edge pulls enrolments and deletions from the cloud. */
const GALLERY_SYNC_INTERVAL_MS = 5_000;

export interface Stack {
  mqttUrl: string;
  cloud: RunningCloud;
  cloudClient: CloudAdminClient;
  edge: EdgeNode;
  storeId: string;
  /** Enrols simulated shoppers in the cloud (customer, consent, palm template). */
  enrol(identities: readonly ShopperIdentity[]): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const storeId = opts.store.id;
  const level = opts.logLevel ?? 'warn';
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
  };
  try {
    let broker: EmbeddedBroker | null = null;
    if (opts.brokerUrl === undefined) {
      broker = await startEmbeddedBroker();
      const b = broker;
      closers.push(() => b.close());
    }
    const mqttUrl = opts.brokerUrl ?? (broker as EmbeddedBroker).url;
    const adminKey = randomBytes(24).toString('hex');
    const apiKey = randomBytes(24).toString('hex');
    const cloudCfg = loadCloudConfig(
      {
        host: '127.0.0.1', port: 0, dbPath: join(opts.dataDir, 'cloud.sqlite'), adminKey,
        // The demo's biometric templates are synthetic; a real cloud sets encryptionKey.
        devMode: true, encryptionKey: DEV_ENCRYPTION_KEY,
        stores: [{ storeId, apiKey, holdMinor: 5000 }], logLevel: level === 'info' ? 'info' : 'warn',
      },
      'stack',
    );
    const cloud = await startCloud(cloudCfg);
    closers.push(() => cloud.close());
    const palmGallery = new Gallery({ dim: PALM_TEMPLATE_DIM, sizeMax: PALM_GALLERY_SIZE_MAX });
    const matchers = [createPalmMatcher({ gallery: palmGallery }), ...(opts.matchers ?? [])];
    const edge = await startEdge(
      {
        storeId, mqttUrl, dbPath: join(opts.dataDir, 'edge.sqlite'), layout: opts.store,
        cloud: { url: cloud.url, apiKey },
        console: { enabled: opts.consoleEnabled ?? true, host: '127.0.0.1', port: opts.consolePort ?? 0 },
      },
      { logger: pino({ name: 'tebura-edge', level }), matchers },
    );
    closers.push(() => edge.close());
    const sync = new GallerySync({
      storeId, cloud: { url: cloud.url, apiKey }, galleries: { palm: palmGallery },
      intervalMs: GALLERY_SYNC_INTERVAL_MS, timeoutMs: 5_000, log: pino({ name: 'tebura-sync', level }),
    });
    sync.start();
    closers.push(() => sync.stop());
    const cloudClient = new CloudAdminClient(cloud.url, adminKey);
    return {
      mqttUrl, cloud, cloudClient, edge, storeId,
      async enrol(identities) {
        for (const s of identities) {
          await cloudClient.createCustomer(s.customerId, Date.now());
          if (s.palmTemplate !== undefined) await cloudClient.enrolPalm(s.customerId, s.palmTemplate);
          if (s.faceEnrolPhoto !== undefined) await cloudClient.enrolFacePhoto(s.customerId, s.faceEnrolPhoto);
        }
        // The shoppers were just enrolled: the store should know them before they arrive.
        await sync.pullNow();
      },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
