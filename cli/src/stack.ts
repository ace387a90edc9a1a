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
import type { ShopperIdentity } from '@tebura/sim';
import { loadFacePipeline, type FacePipeline } from '@tebura/models';
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
  /** Extra gate matchers for the edge. */
  matchers?: CredentialMatcher[];
  /** Face entry: load the ONNX face pipeline in the edge and let the cloud embed enrolment photos. */
  face?: boolean;
}

/** Palm templates one demo store keeps; a real store sizes this to its customers. */
const PALM_GALLERY_SIZE_MAX = 100_000;

export interface Stack {
  mqttUrl: string;
  /** The store's key at the cloud (to start another edge for the same store). */
  storeApiKey: string;
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
    // One face pipeline serves both sides here: the cloud embeds enrolment photos,
    // the edge embeds gate photos. Separate processes in a real deployment.
    const pipeline = opts.face === true ? await loadFacePipeline() : undefined;
    if (pipeline) closers.push(() => pipeline.close());
    const { cloud, adminKey, apiKey } = await startStoreCloud(storeId, opts.dataDir, level, pipeline);
    closers.push(() => cloud.close());
    const edge = await startEdge(
      {
        storeId, mqttUrl, dbPath: join(opts.dataDir, 'edge.sqlite'), layout: opts.store,
        cloud: { url: cloud.url, apiKey },
        identity: { palm: { gallerySizeMax: PALM_GALLERY_SIZE_MAX } },
        console: { enabled: opts.consoleEnabled ?? true, host: '127.0.0.1', port: opts.consolePort ?? 0 },
      },
      { logger: pino({ name: 'tebura-edge', level }), ...(opts.matchers ? { matchers: opts.matchers } : {}), ...(pipeline ? { facePipeline: pipeline } : {}) },
    );
    closers.push(() => edge.close());
    const cloudClient = new CloudAdminClient(cloud.url, adminKey);
    return {
      mqttUrl, cloud, cloudClient, edge, storeId, storeApiKey: apiKey,
      async enrol(identities) {
        await enrolInCloud(cloudClient, identities);
        // The shoppers were just enrolled: the store should know them before they arrive.
        await edge.syncIdentity();
      },
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** Enrols simulated shoppers through the cloud's public API (customer, palm template, face photo). */
export async function enrolInCloud(client: CloudAdminClient, identities: readonly ShopperIdentity[]): Promise<void> {
  for (const s of identities) {
    await client.createCustomer(s.customerId, Date.now());
    if (s.palmTemplate !== undefined) await client.enrolPalm(s.customerId, s.palmTemplate);
    if (s.faceEnrolPhoto !== undefined) await client.enrolFacePhoto(s.customerId, s.faceEnrolPhoto);
  }
}

/** A cloud ledger on SQLite in `dataDir` that knows one store; fresh random keys. */
export async function startStoreCloud(
  storeId: string, dataDir: string, level: StackOptions['logLevel'], pipeline?: FacePipeline,
): Promise<{ cloud: RunningCloud; adminKey: string; apiKey: string }> {
  const adminKey = randomBytes(24).toString('hex');
  const apiKey = randomBytes(24).toString('hex');
  const cloudCfg = loadCloudConfig(
    {
      host: '127.0.0.1', port: 0, dbPath: join(dataDir, 'cloud.sqlite'), adminKey,
      // The demo's biometric templates are synthetic; a real cloud sets encryptionKey.
      devMode: true, encryptionKey: DEV_ENCRYPTION_KEY,
      stores: [{ storeId, apiKey, holdMinor: 5000 }], logLevel: level === 'info' ? 'info' : 'warn',
    },
    'stack',
  );
  const cloud = await startCloud(cloudCfg, pipeline ? { faceEmbedder: faceEmbedderOf(pipeline) } : {});
  return { cloud, adminKey, apiKey };
}

/** The cloud's enrolment embedder: the pipeline's embedding, or a clear error with its reason. */
function faceEmbedderOf(p: FacePipeline): (img: Buffer) => Promise<Float32Array> {
  return async (img) => {
    const r = await p.embed(img);
    if (!r.ok) throw new Error(`enrolment photo refused: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`);
    return r.embedding;
  };
}
