/**
 * Test-only reader of AiFi BENCHMARK-1 (team6_benchmark1 in ../shared/data/aifi):
 * mongoexport lines, one packet per gondola every ~0.2 s holding base64 float32
 * [12 samples, shelf, plate] (index 0 and absent plates are NaN). Builds a layout
 * from products.json and planogram.json and one LoadCellWeight per shelf per packet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadCellWeight, Product, Shelf, StoreLayout } from '@tebura/contract';
import { AIFI_RATE_HZ, aifiLayout, plateId, quietNoise } from './aifi-loader.js';

interface PacketDoc {
  timestamp: number;
  document: { plate_data: { plate_id: { shelf_id: { gondola_id: { id: number } } }; values: { shape: number[]; data: string } } };
}
interface ProductDoc {
  product_id: { id: string };
  metadata: { name: string; weight: number };
}
interface PlanDoc {
  plate_ids: { shelf_id: { gondola_id: { id: number }; shelf_index: number }; plate_index: number }[];
  planogram_product_id: { id: string };
}

const jsonLines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

export function loadAifiBenchmark1(dir: string): { layout: StoreLayout; messages: LoadCellWeight[]; skuByUpc: Map<string, string> } {
  const packets = jsonLines<PacketDoc>(join(dir, 'plate_data.json')).sort((a, b) => a.timestamp - b.timestamp);
  const shelves = new Map<string, Shelf>();
  const messages: LoadCellWeight[] = [];
  const seqs = new Map<string, number>();
  for (const pk of packets) {
    const g = pk.document.plate_data.plate_id.shelf_id.gondola_id.id;
    const [n, S, P] = pk.document.plate_data.values.shape as [number, number, number];
    const buf = Buffer.from(pk.document.plate_data.values.data, 'base64');
    const f = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    for (let s = 1; s < S; s++) {
      const plates: { id: string; grams: number[] }[] = [];
      for (let p = 1; p < P; p++) {
        const grams: number[] = [];
        for (let k = 0; k < n; k++) grams.push(f[(k * S + s) * P + p]!);
        if (grams.some((x) => !Number.isNaN(x))) plates.push({ id: plateId(g, s, p), grams });
      }
      if (plates.length === 0) continue;
      const deviceId = `aifi-g${g}s${s}`;
      if (!shelves.has(deviceId)) {
        shelves.set(deviceId, {
          id: `g${g}s${s}`,
          level: s,
          // noiseSigmaG is estimated below from the recording itself.
          loadCell: { deviceId, sampleRateHz: AIFI_RATE_HZ, noiseSigmaG: 1, driftGPerMin: 1, samplesPerMsg: n },
          plates: plates.map((x, i) => ({ id: x.id, x: 0.1016 * (i + 1), y: 1.5 * g, widthM: 0.1016, capacityG: 100_000 })),
        });
      }
      const seq = seqs.get(deviceId) ?? 0;
      seqs.set(deviceId, seq + 1);
      messages.push({
        v: 1,
        msgId: `${deviceId}:b1:${seq}`,
        deviceId,
        bootId: 'b1',
        seq,
        ts: pk.timestamp * 1000,
        sampleIntervalMs: 1000 / AIFI_RATE_HZ,
        readings: plates.map((x) => ({ plateId: x.id, grams: x.grams.map((v) => (Number.isNaN(v) ? null : v)) })),
      });
    }
  }
  for (const sh of shelves.values()) {
    const mine = messages.filter((m) => m.deviceId === sh.loadCell.deviceId);
    sh.loadCell.noiseSigmaG = quietNoise(sh.plates.map((p, i) => mine.flatMap((m) => m.readings[i]?.plateId === p.id ? m.readings[i].grams : []).filter((g): g is number => g !== null)));
  }
  const skuByUpc = new Map<string, string>();
  const products: Product[] = [];
  for (const d of jsonLines<ProductDoc>(join(dir, 'products.json'))) {
    if (!(d.metadata.weight > 0) || skuByUpc.has(d.product_id.id)) continue;
    const sku = `upc-${d.product_id.id}`;
    skuByUpc.set(d.product_id.id, sku);
    const w = d.metadata.weight;
    products.push({ sku, name: d.metadata.name.slice(0, 120) || sku, unitWeightG: { mean: w, sigma: Math.max(1, 0.01 * w) }, priceMinor: 100, taxClass: 'food' });
  }
  const known = new Set([...shelves.values()].flatMap((s) => s.plates.map((p) => p.id)));
  const planogram: StoreLayout['planogram'] = [];
  for (const d of jsonLines<PlanDoc>(join(dir, 'planogram.json'))) {
    const sku = skuByUpc.get(d.planogram_product_id.id);
    const ids = d.plate_ids.map((x) => plateId(x.shelf_id.gondola_id.id, x.shelf_id.shelf_index, x.plate_index)).filter((id) => known.has(id));
    if (sku && ids.length > 0) planogram.push({ sku, plateIds: ids.slice(0, 4), facings: 1, stock: 10 });
  }
  const byGondola = new Map<number, Shelf[]>();
  for (const sh of shelves.values()) {
    const g = Number(/^g(\d+)/.exec(sh.id)![1]);
    byGondola.set(g, [...(byGondola.get(g) ?? []), sh]);
  }
  const layout = aifiLayout('aifi-benchmark-1', 'AiFi Nanostore BENCHMARK-1', products, byGondola, planogram);
  return { layout, messages, skuByUpc };
}
