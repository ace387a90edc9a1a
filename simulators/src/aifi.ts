/**
 * Converts AiFi's CPS-IoT 2020 Nanostore data (../shared/data/aifi) into a Tebura
 * store file, a recording and a ground-truth file, so the edge can run on real
 * 60 Hz shelf weights.
 *
 * - Weights: yzthu/csv/test1/gondola_G_shelf_S_plate_P.csv (cps-test-01). Rows come
 *   in the controller's 12-sample packets (the first row of each packet carries the
 *   packet time); one `loadcell/weight` per shelf per packet, values untouched.
 * - Products and planogram: yzthu/csv/ground_truth/test1-all_product.csv; runs of
 *   adjacent plates holding one product become one planogram entry (<= 4 plates).
 * - Events: cmu/ground_truth/v14.json, list cps-test-01 (kept out of the recording).
 * - Geometry: synthetic. AiFi's store_meta predates this plate layout, so gondolas
 *   are laid out in a row, plates 0.1016 m wide as in AiFi's metadata. There is no
 *   camera or gate traffic; the store gets one app gate each way to be valid.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { type PlanogramEntry, type Product, type Shelf, type StoreLayout } from '@tebura/contract';
import { parseStore } from './load.js';
import { buildRecording } from './aifi-recording.js';
import { recordLine, RECORDING_FORMAT, RECORDING_VERSION } from './record.js';
import { basketOf, type GroundTruth, type TruthEvent } from './truth.js';

export const AIFI_STORE_ID = 'aifi-nanostore';
const TEST_CASE = 'cps-test-01';
const SAMPLES_PER_PACKET = 12;
const SAMPLE_RATE_HZ = 60;
/** AiFi plate width along the shelf (store_meta: 0.1016 x 0.4064 m). */
const PLATE_WIDTH_M = 0.1016;
const PLATE_DEPTH_M = 0.4064;
const GONDOLA_PITCH_M = 2.5;
/** Longest run of plates one planogram entry may name (contract limit). */
const PLATES_PER_ENTRY_MAX = 4;

interface PlateSeries {
  g: number;
  s: number;
  p: number;
  rows: { tText: string; t: number; grams: number }[];
}

export const plateId = (g: number, s: number, p: number): string => `g${g}-s${s}-p${p}`;
export const shelfDevice = (g: number, s: number): string => `aifi-g${g}-s${s}`;

/** An IdString from a product name: letters, digits and dashes. */
export function skuOf(name: string): string {
  const slug = name.trim().replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return slug === '' ? 'unnamed' : slug;
}

function readSeries(dir: string): PlateSeries[] {
  const out: PlateSeries[] = [];
  for (const f of readdirSync(dir).sort()) {
    const m = /^gondola_(\d+)_shelf_(\d+)_plate_(\d+)\.csv$/.exec(f);
    if (m === null) continue;
    const rows = readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
      const [tText, v] = l.split(',') as [string, string];
      return { tText, t: Number(tText), grams: Number(v) };
    });
    out.push({ g: Number(m[1]), s: Number(m[2]), p: Number(m[3]), rows });
  }
  return out;
}

function parseCsvLine(line: string): string[] {
  return line.split(',');
}

function productsAndPlanogram(csvPath: string, plateIds: ReadonlySet<string>): { products: Product[]; planogram: PlanogramEntry[]; byName: Map<string, string> } {
  const lines = readFileSync(csvPath, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
  const products = new Map<string, Product>();
  const byName = new Map<string, string>();
  const facings = new Map<string, { sku: string; g: number; s: number; plates: number[] }>();
  for (const line of lines) {
    const [name, g, s, p, weight, price] = parseCsvLine(line) as [string, string, string, string, string, string];
    const sku = skuOf(name);
    byName.set(name, sku);
    const w = Number(weight);
    if (!products.has(sku) && w > 0) {
      // AiFi gives one unit weight per product; 2 % is a typical packaged-goods spread.
      products.set(sku, { sku, name: name.slice(0, 120), unitWeightG: { mean: w, sigma: Math.max(0.5, w * 0.02) }, priceMinor: Math.max(0, Math.round(Number(price) * 100)), taxClass: 'food' });
    }
    if (Number(g) < 1 || !plateIds.has(plateId(Number(g), Number(s), Number(p))) || !products.has(sku)) continue;
    const key = `${sku}|${g}|${s}`;
    const f = facings.get(key) ?? { sku, g: Number(g), s: Number(s), plates: [] };
    f.plates.push(Number(p));
    facings.set(key, f);
  }
  const planogram: PlanogramEntry[] = [];
  for (const f of facings.values()) {
    const sorted = [...new Set(f.plates)].sort((a, b) => a - b);
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0) planogram.push({ sku: f.sku, plateIds: run.map((p) => plateId(f.g, f.s, p)), facings: 1, stock: 10 });
      run = [];
    };
    for (const p of sorted) {
      if (run.length > 0 && (p !== run[run.length - 1]! + 1 || run.length >= PLATES_PER_ENTRY_MAX)) flush();
      run.push(p);
    }
    flush();
  }
  return { products: [...products.values()], planogram, byName };
}

function noiseSigma(series: PlateSeries[]): number {
  const sds = series.map((ps) => {
    const v = ps.rows.slice(0, SAMPLE_RATE_HZ).map((r) => r.grams).filter((g) => Number.isFinite(g));
    const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length));
  }).sort((a, b) => a - b);
  return Math.round((sds[Math.floor(sds.length / 2)] ?? 1) * 100) / 100;
}

export function buildStore(series: PlateSeries[], products: Product[], planogram: PlanogramEntry[], meta: { id: string; name: string } = { id: AIFI_STORE_ID, name: 'AiFi Nanostore (CPS-IoT 2020, cps-test-01)' }): StoreLayout {
  const gondolaIds = [...new Set(series.map((s) => s.g))].sort((a, b) => a - b);
  const gondolas = gondolaIds.map((g, gi) => {
    const mine = series.filter((s) => s.g === g);
    const shelfIds = [...new Set(mine.map((s) => s.s))].sort((a, b) => a - b);
    const platesMax = Math.max(...mine.map((s) => s.p));
    const x0 = 1 + gi * GONDOLA_PITCH_M;
    const y0 = 2;
    const shelves: Shelf[] = shelfIds.map((s) => {
      const plates = mine.filter((x) => x.s === s).sort((a, b) => a.p - b.p);
      return {
        id: `g${g}-s${s}`, level: s - 1,
        loadCell: { deviceId: shelfDevice(g, s), sampleRateHz: SAMPLE_RATE_HZ, noiseSigmaG: noiseSigma(plates), driftGPerMin: 0, samplesPerMsg: SAMPLES_PER_PACKET },
        plates: plates.map((x) => ({ id: plateId(g, s, x.p), x: Math.round((x0 + (x.p - 0.5) * PLATE_WIDTH_M) * 1e4) / 1e4, y: y0, widthM: PLATE_WIDTH_M, capacityG: 70_000 })),
      };
    });
    return { id: `g${g}`, x: x0, y: y0, widthM: Math.round(platesMax * PLATE_WIDTH_M * 1e4) / 1e4, depthM: PLATE_DEPTH_M, shelves };
  });
  const width = 2 + gondolaIds.length * GONDOLA_PITCH_M;
  return {
    id: meta.id, name: meta.name, currency: 'USD',
    taxRates: [{ taxClass: 'food', rateBp: 0 }, { taxClass: 'standard', rateBp: 0 }],
    floor: { widthM: width, depthM: 5 }, reachM: 1.0, products, gondolas, planogram, cameras: [],
    gates: [
      { id: `${meta.id}-gate-in`, kind: 'entry', x: 0.5, y: 0.3, methods: ['app'] },
      { id: `${meta.id}-gate-out`, kind: 'exit', x: width - 0.5, y: 0.3, methods: [] },
    ],
  };
}


/** v14.json time "YYYY-MM-DD_HH-MM-SS" (UTC) to epoch ms; null for the other formats. */
export function gtTimeMs(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})$/.exec(s.trim());
  return m === null ? null : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

interface V14Event {
  putback: number;
  observation: { position: { gondola: number; shelf: number; plates: number[] }; products: { name: string; weight: number }[]; time: string; target_id: string };
}

function buildTruth(v14Path: string, byName: ReadonlyMap<string, string>, startMs: number, endMs: number): GroundTruth {
  const doc = JSON.parse(readFileSync(v14Path, 'utf8')) as { lists: { dataset: string; events: V14Event[] }[] };
  const list = doc.lists.find((l) => l.dataset === TEST_CASE)?.events ?? [];
  const events: TruthEvent[] = [];
  for (const e of list) {
    const o = e.observation;
    const ts = gtTimeMs(o.time);
    for (const p of o.products) {
      if (ts === null) continue;
      const sign = e.putback === 1 ? 1 : -1;
      events.push({
        ts, kind: e.putback === 1 ? 'put' : 'pick', personId: `aifi-target-${o.target_id}`, customerId: `aifi-${o.target_id}`.slice(0, 64),
        sku: byName.get(p.name) ?? skuOf(p.name), quantity: 1, itemIds: [],
        // v14 names the plates, not the split: the unit weight is spread evenly (approximate, ±1 s in time).
        plates: o.position.plates.map((pl) => ({ plateId: plateId(o.position.gondola, o.position.shelf, pl), deltaG: Math.round((sign * p.weight * 10) / o.position.plates.length) / 10 })),
      });
    }
  }
  const customers = [...new Set(events.map((e) => e.customerId))];
  const sessions = customers.map((customerId) => {
    const mine = events.filter((e) => e.customerId === customerId);
    const held = mine.flatMap((e) => (e.kind === 'pick' ? [e.sku] : []));
    for (const put of mine.filter((e) => e.kind === 'put')) held.splice(held.indexOf(put.sku), held.indexOf(put.sku) >= 0 ? 1 : 0);
    return {
      customerId, method: 'app' as const, entryGateId: `${AIFI_STORE_ID}-gate-in`, exitGateId: `${AIFI_STORE_ID}-gate-out`, guests: 0, personIds: [mine[0]!.personId], tags: ['aifi', 'no-gate-traffic'],
      arrivalTs: startMs, entryRequestTs: null, txId: null, decision: 'open' as const, reason: 'AIFI_GT', sessionId: null, entryTs: startMs, exitTs: endMs, basket: basketOf(held),
    };
  });
  return { version: 1, scenario: `aifi-${TEST_CASE}`, seed: 0, storeId: AIFI_STORE_ID, startMs, endMs, sessions, events };
}

export function convertAifi(opts: { dataDir: string; outDir: string }): { storePath: string; recordingPath: string; truthPath: string; events: number } {
  const series = readSeries(join(opts.dataDir, 'yzthu/csv/test1'));
  if (series.length === 0) throw new Error(`no gondola_*_shelf_*_plate_*.csv under ${join(opts.dataDir, 'yzthu/csv/test1')}`);
  const ids = new Set(series.map((s) => plateId(s.g, s.s, s.p)));
  const { products, planogram, byName } = productsAndPlanogram(join(opts.dataDir, 'yzthu/csv/ground_truth/test1-all_product.csv'), ids);
  const store = parseStore(buildStore(series, products, planogram), 'aifi converter');
  mkdirSync(opts.outDir, { recursive: true });
  const storePath = join(opts.outDir, 'aifi-store.yaml');
  writeFileSync(storePath, `# Generated by convertAifi from AiFi CPS-IoT 2020 data (${TEST_CASE}); geometry is synthetic.\n${toYaml(store)}`);
  const recordingPath = join(opts.outDir, 'aifi-recording.jsonl');
  const rec = buildRecording(series, store.id, `aifi-${TEST_CASE}`, shelfDevice);
  const header = { format: RECORDING_FORMAT, version: RECORDING_VERSION, storeId: store.id, source: 'aifi', startMs: rec.startMs, note: `AiFi ${TEST_CASE}, yzthu/csv/test1; no licence: test use only` };
  writeFileSync(recordingPath, `${JSON.stringify(header)}\n${rec.messages.map((m) => recordLine(m)).join('')}`);
  const truthPath = join(opts.outDir, 'aifi-truth.json');
  const truth = buildTruth(join(opts.dataDir, 'cmu/ground_truth/v14.json'), byName, rec.startMs, rec.endMs);
  writeFileSync(truthPath, `${JSON.stringify(truth, null, 1)}\n`);
  return { storePath, recordingPath, truthPath, events: truth.events.length };
}

export type { PlateSeries };
