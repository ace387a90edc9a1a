/**
 * Memory over a long busy day: the edge runs as its own process (real perception,
 * SQLite, a local cloud ledger) fed by the simulator through a broker; its RSS and
 * its heap after a full GC are sampled before the first shopper, every few
 * simulated minutes and at the end. Prints numbers, asserts nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, loadStore, population, runSimulation, type Scenario } from '@tebura/sim';
import { EdgeProcess } from '@tebura/edge/testing/edge-process';
import type { MemSample } from '@tebura/edge/testing/edge-child';
import { CloudAdminClient } from './cloud-client.js';
import { enrolInCloud, startStoreCloud } from './stack.js';
import { until } from './wait.js';

export interface SoakOptions {
  scenarioPath: string;
  brokerUrl: string;
  /** Simulated minutes of arrivals; the scenario is stretched or cut to this at its own rate. */
  minutes: number;
  speed: number;
  sampleEveryMin: number;
  seed?: number;
  log: (line: string) => void;
}

export interface SoakRow {
  sim_min: number;
  wall_s: number;
  rss_mb: number;
  heap_mb: number;
  messages: number;
  sessions_open: number;
  receipts: number;
}

export interface SoakResult {
  scenario: string;
  shoppers: number;
  sim_minutes: number;
  speed: number;
  messages: number;
  samples: SoakRow[];
  rss_end_over_start: number;
  heap_end_over_start: number;
  /** Against the first sample with traffic: start-up caches and JIT are then already there. */
  rss_end_over_first_busy: number;
  heap_end_over_first_busy: number;
}

/** After arrivals stop, the last shoppers still shop: the run is capped this much later. */
const TAIL_S = 900;
/** After the simulation, wait at most this long for the last sessions to close. */
const CLOSE_WAIT_MS = 60_000;
const MB = 2 ** 20;

/** Same arrival rate and behaviour, over `minutes` of arrivals. */
export function stretchScenario(s: Scenario, minutes: number): Scenario {
  const windowS = minutes * 60;
  const perS = s.shoppers / Math.max(1, s.arrivals.windowS);
  return { ...s, shoppers: Math.max(1, Math.round(perS * windowS)), arrivals: { ...s.arrivals, windowS }, durationS: windowS + TAIL_S };
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

export async function soak(o: SoakOptions): Promise<SoakResult> {
  const scenario = stretchScenario(loadScenario(o.scenarioPath), o.minutes);
  const store = loadStore(scenario.store);
  const seed = o.seed ?? scenario.seed;
  const dir = mkdtempSync(join(tmpdir(), 'tebura-soak-'));
  const { cloud, adminKey, apiKey } = await startStoreCloud(store.id, dir, 'silent');
  const edge = new EdgeProcess(join(dir, 'edge.json'), { perception: 'real', exposeGc: true });
  const t0 = Date.now();
  const samples: SoakRow[] = [];
  const row = (simMin: number, m: MemSample): SoakRow => ({
    sim_min: round(simMin, 1), wall_s: round((Date.now() - t0) / 1000, 1), rss_mb: round(m.rssBytes / MB, 1), heap_mb: round(m.heapUsedBytes / MB, 1),
    messages: m.messages, sessions_open: m.sessionsOpen, receipts: m.receipts,
  });
  const take = async (simMin: number): Promise<void> => {
    const r = row(simMin, await edge.mem());
    samples.push(r);
    o.log(`soak: ${JSON.stringify(r)}`);
  };
  try {
    const client = new CloudAdminClient(cloud.url, adminKey);
    const identities = population(scenario, store, seed);
    await enrolInCloud(client, identities);
    writeFileSync(join(dir, 'edge.json'), JSON.stringify({
      storeId: store.id, mqttUrl: o.brokerUrl, dbPath: join(dir, 'edge.sqlite'), layout: store,
      cloud: { url: cloud.url, apiKey }, console: { enabled: false },
    }));
    await edge.start();
    await take(0);
    let nextMin = o.sampleEveryMin;
    let pending: Promise<void> = Promise.resolve();
    const run = await runSimulation({
      scenario, store, seed, mqttUrl: o.brokerUrl, speed: o.speed, identities,
      hooks: { issueAppToken: (c, s) => client.issueEntryToken(c, s) },
      log: (l) => o.log(`sim: ${l}`),
      onProgress: (p) => {
        const min = p.simTimeMs / 60_000;
        if (min < nextMin) return;
        nextMin += o.sampleEveryMin;
        // One sample at a time; a slow GC must not queue up requests.
        pending = pending.then(() => take(min)).catch((e: unknown) => o.log(`soak: sample failed: ${String(e)}`));
      },
    });
    await pending;
    await until(async () => (await edge.mem()).sessionsOpen === 0, CLOSE_WAIT_MS);
    await take(run.simDurationMs / 60_000);
    const first = samples[0]!;
    const busy = samples[1] ?? first;
    const end = samples[samples.length - 1]!;
    return {
      scenario: scenario.name, shoppers: scenario.shoppers, sim_minutes: round(run.simDurationMs / 60_000, 1), speed: o.speed, messages: run.messages, samples,
      rss_end_over_start: round(end.rss_mb / first.rss_mb, 3), heap_end_over_start: round(end.heap_mb / first.heap_mb, 3),
      rss_end_over_first_busy: round(end.rss_mb / busy.rss_mb, 3), heap_end_over_first_busy: round(end.heap_mb / busy.heap_mb, 3),
    };
  } finally {
    await edge.kill('SIGTERM');
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
