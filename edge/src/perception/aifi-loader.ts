/**
 * Test-only reader of the AiFi Nanostore recordings in ../shared/data/aifi (see
 * its README): builds a StoreLayout for cps-test-01 from the product csv and the
 * per-plate files, and packs the 60 Hz series into LoadCellWeight packets. The
 * official converter lives in simulators/; edge/ must not import it, and this
 * reader stays small on purpose.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadCellWeight, Product, Shelf, StoreLayout } from '@tebura/contract';

export const AIFI_RATE_HZ = 60;
export const AIFI_SAMPLES_PER_MSG = 12;

export const plateId = (g: number, s: number, p: number): string => `g${g}s${s}p${p}`;

/** Products keyed by name in the csv; SKU ids are made from the first row index. */
export function readAifiProducts(csvPath: string): { products: Product[]; planogram: StoreLayout['planogram']; skuByName: Map<string, string> } {
  const lines = readFileSync(csvPath, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
  const skuByName = new Map<string, string>();
  const products: Product[] = [];
  const plates = new Map<string, string[]>();
  for (const line of lines) {
    const cols = splitCsvLine(line);
    const name = cols[0]!;
    const [g, s, p, w] = [Number(cols[1]), Number(cols[2]), Number(cols[3]), Number(cols[4])];
    // Zero-weight rows (bags, services) cannot be seen by a scale.
    if (!(w > 0)) continue;
    let sku = skuByName.get(name);
    if (sku === undefined) {
      sku = `aifi-${products.length + 1}`;
      skuByName.set(name, sku);
      // The csv gives no spread: assume 1 % of the unit weight and at least 1 g.
      products.push({ sku, name: name.slice(0, 120) || sku, unitWeightG: { mean: w, sigma: Math.max(1, 0.01 * w) }, priceMinor: 100, taxClass: 'food' });
    }
    if (g > 0) {
      const list = plates.get(sku) ?? [];
      list.push(plateId(g, s, p));
      plates.set(sku, list);
    }
  }
  const planogram: StoreLayout['planogram'] = [];
  for (const [sku, ids] of plates) for (const id of ids) planogram.push({ sku, plateIds: [id], facings: 1, stock: 10 });
  return { products, planogram, skuByName };
}

/** One plate's series: sorted by time, duplicate timestamps dropped. */
export function readPlateSeries(path: string): { ts: number[]; grams: number[] } {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(',').map(Number) as [number, number]);
  rows.sort((a, b) => a[0] - b[0]);
  const ts: number[] = [];
  const grams: number[] = [];
  for (const [t, g] of rows) {
    if (ts.length > 0 && t - ts[ts.length - 1]! / 1000 < 1e-4) continue;
    ts.push(t * 1000);
    grams.push(g);
  }
  return { ts, grams };
}

export interface AifiShelfData {
  shelf: Shelf;
  messages: LoadCellWeight[];
}

/**
 * Layout and packets for the test1 folder. Noise per shelf is estimated from its
 * quiet spread (a commissioning step: the datasheet value is not in the data).
 */
export function loadAifiTest1(dir: string, productsCsv: string): { layout: StoreLayout; shelves: AifiShelfData[]; skuByName: Map<string, string> } {
  const files = readdirSync(dir).filter((f) => /^gondola_\d+_shelf_\d+_plate_\d+\.csv$/.test(f));
  const byShelf = new Map<string, { g: number; s: number; p: number; file: string }[]>();
  for (const f of files) {
    const [g, s, p] = f.match(/\d+/g)!.map(Number) as [number, number, number];
    const key = `${g}/${s}`;
    const list = byShelf.get(key) ?? [];
    list.push({ g, s, p, file: join(dir, f) });
    byShelf.set(key, list);
  }
  const shelves: AifiShelfData[] = [];
  const gondolas = new Map<number, Shelf[]>();
  for (const list of byShelf.values()) {
    list.sort((a, b) => a.p - b.p);
    const { g, s } = list[0]!;
    const series = list.map((x) => readPlateSeries(x.file));
    const n = Math.min(...series.map((x) => x.ts.length));
    const shelf: Shelf = {
      id: `g${g}s${s}`,
      level: s,
      loadCell: { deviceId: `aifi-g${g}s${s}`, sampleRateHz: AIFI_RATE_HZ, noiseSigmaG: quietNoise(series.map((x) => x.grams)), driftGPerMin: 1, samplesPerMsg: AIFI_SAMPLES_PER_MSG },
      // Plate x along the gondola, gondolas 1.5 m apart: positions matter only for tracking.
      plates: list.map((x) => ({ id: plateId(g, x.s, x.p), x: 0.1016 * x.p, y: 1.5 * g, widthM: 0.1016, capacityG: 100_000 })),
    };
    const messages: LoadCellWeight[] = [];
    for (let k = 0, seq = 0; k + AIFI_SAMPLES_PER_MSG <= n; k += AIFI_SAMPLES_PER_MSG, seq++) {
      messages.push({
        v: 1,
        msgId: `${shelf.loadCell.deviceId}:a:${seq}`,
        deviceId: shelf.loadCell.deviceId,
        bootId: 'a',
        seq,
        ts: series[0]!.ts[k]!,
        sampleIntervalMs: 1000 / AIFI_RATE_HZ,
        readings: series.map((x, i) => ({ plateId: shelf.plates[i]!.id, grams: x.grams.slice(k, k + AIFI_SAMPLES_PER_MSG) })),
      });
    }
    shelves.push({ shelf, messages });
    gondolas.set(g, [...(gondolas.get(g) ?? []), shelf]);
  }
  const { products, planogram, skuByName } = readAifiProducts(productsCsv);
  const known = new Set(shelves.flatMap((x) => x.shelf.plates.map((p) => p.id)));
  const layout = aifiLayout('aifi-nanostore', 'AiFi Nanostore cps-test-01', products, gondolas, planogram.filter((e) => e.plateIds.every((p) => known.has(p))));
  return { layout, shelves, skuByName };
}

/** Median over plates and 0.25 s windows of the window standard deviation. */
/**
 * A store layout around AiFi's real shelves: their gondolas in a row, one entry and
 * one exit gate and no cameras (the weight data has none), prices in USD, no tax.
 */
export function aifiLayout(
  id: string, name: string, products: Product[], gondolas: ReadonlyMap<number, Shelf[]>, planogram: StoreLayout['planogram'],
): StoreLayout {
  return {
    id,
    name,
    currency: 'USD',
    taxRates: [{ taxClass: 'food', rateBp: 0 }],
    floor: { widthM: 10, depthM: 10 },
    reachM: 1,
    products,
    gondolas: [...gondolas].map(([g, sh]) => ({ id: `g${g}`, x: 0, y: 1.5 * g, widthM: 1.5, depthM: 0.5, shelves: [...sh].sort((a, b) => a.level - b.level) })),
    planogram,
    cameras: [],
    gates: [
      { id: 'in', kind: 'entry', x: 0, y: 0, methods: ['app'] },
      { id: 'out', kind: 'exit', x: 1, y: 0, methods: [] },
    ],
  };
}

export function quietNoise(plates: number[][]): number {
  const stds: number[] = [];
  const w = 15;
  for (const g of plates) {
    for (let k = 0; k + w <= g.length; k += w) {
      let s = 0;
      let s2 = 0;
      for (let j = k; j < k + w; j++) {
        s += g[j]!;
        s2 += g[j]! * g[j]!;
      }
      const m = s / w;
      stds.push(Math.sqrt(Math.max(0, s2 / w - m * m)));
    }
  }
  stds.sort((a, b) => a - b);
  return stds[Math.floor(stds.length / 2)] ?? 1;
}

/** RFC 4180 fields: names like "Kettle Brand Potato Chips, Sea Salt" are quoted. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
