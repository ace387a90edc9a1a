/**
 * A small but realistic store layout for perception tests and the micro-benchmark
 * (not the simulator's store: edge/ must not import simulators/).
 */
import type { LoadCellWeight, Product, Shelf, StoreLayout } from '@tebura/contract';

export interface FixtureOptions {
  gondolas?: number;
  shelvesPerGondola?: number;
  platesPerShelf?: number;
  sampleRateHz?: number;
  samplesPerMsg?: number;
  noiseSigmaG?: number;
  driftGPerMin?: number;
}

/** Unit weights chosen to include near-equal pairs (a real difficulty) and multiples. */
const WEIGHTS_G = [105, 538, 250, 330, 62, 64, 180, 420, 45, 760, 150, 95, 300, 210, 128, 500];

export function fixtureLayout(o: FixtureOptions = {}): StoreLayout {
  const gondolas = o.gondolas ?? 2;
  const shelvesPer = o.shelvesPerGondola ?? 2;
  const platesPer = o.platesPerShelf ?? 6;
  const products: Product[] = [];
  const planogram: StoreLayout['planogram'] = [];
  const layoutGondolas: StoreLayout['gondolas'] = [];
  let skuN = 0;
  for (let g = 0; g < gondolas; g++) {
    const gy = 3 + g * 2.4;
    const shelves: Shelf[] = [];
    for (let s = 0; s < shelvesPer; s++) {
      const plates: Shelf['plates'] = [];
      for (let p = 0; p < platesPer; p++) {
        const id = `g${g + 1}s${s + 1}p${p + 1}`;
        plates.push({ id, x: 2 + 0.3 + p * 0.6, y: gy + 0.3, widthM: 0.6, capacityG: 20_000 });
        const sku = `sku-${String(skuN + 1).padStart(3, '0')}`;
        const mean = WEIGHTS_G[skuN % WEIGHTS_G.length]! + Math.floor(skuN / WEIGHTS_G.length) * 7;
        products.push({ sku, name: `Product ${skuN + 1}`, unitWeightG: { mean, sigma: Math.max(1, mean * 0.01) }, priceMinor: 100 + skuN * 10, taxClass: 'food' });
        planogram.push({ sku, plateIds: [id], facings: 1, stock: 10 });
        skuN++;
      }
      shelves.push({
        id: `g${g + 1}s${s + 1}`,
        level: s,
        loadCell: {
          deviceId: `lc-g${g + 1}s${s + 1}`,
          sampleRateHz: o.sampleRateHz ?? 60,
          noiseSigmaG: o.noiseSigmaG ?? 1,
          driftGPerMin: o.driftGPerMin ?? 2,
          samplesPerMsg: o.samplesPerMsg ?? 12,
        },
        plates,
      });
    }
    layoutGondolas.push({ id: `g${g + 1}`, x: 2, y: gy, widthM: platesPer * 0.6, depthM: 0.6, shelves });
  }
  // A near-twin of the first shelf's last SKU shares its plate: only a hint can tell them apart.
  const twinOf = products[Math.min(5, products.length - 1)]!;
  const twinPlate = planogram[Math.min(5, planogram.length - 1)]!.plateIds[0]!;
  products.push({ sku: 'sku-twin', name: 'Near twin', unitWeightG: { mean: twinOf.unitWeightG.mean + 0.5, sigma: twinOf.unitWeightG.sigma }, priceMinor: 150, taxClass: 'food' });
  planogram.push({ sku: 'sku-twin', plateIds: [twinPlate], facings: 1, stock: 5 });
  return {
    id: 'fixture-store',
    name: 'Fixture store',
    currency: 'JPY',
    taxRates: [{ taxClass: 'food', rateBp: 800 }, { taxClass: 'standard', rateBp: 1000 }],
    floor: { widthM: 10, depthM: 3 + gondolas * 2.4 },
    reachM: 1.0,
    products,
    gondolas: layoutGondolas,
    planogram,
    cameras: [
      { id: 'cam-a', kind: 'overhead', x: 3, y: 4, coverageRadiusM: 6, fps: 10, positionNoiseM: 0.05, missRate: 0, idSwitchRate: 0 },
      { id: 'cam-b', kind: 'overhead', x: 7, y: 4, coverageRadiusM: 6, fps: 10, positionNoiseM: 0.05, missRate: 0, idSwitchRate: 0 },
      { id: 'cam-s', kind: 'shelf', x: 4, y: 2, coverageRadiusM: 3, fps: 5, positionNoiseM: 0, missRate: 0, idSwitchRate: 0, confusionRate: 0.03, plateIds: ['g1s1p5', 'g1s1p6'] },
    ],
    gates: [
      { id: 'gate-in', kind: 'entry', x: 1, y: 0.5, methods: ['app', 'face', 'palm'] },
      { id: 'gate-out', kind: 'exit', x: 8, y: 0.5, methods: [] },
    ],
  };
}

/** Packs per-plate sample arrays of one shelf into contract messages. */
export function weightMessages(shelf: Shelf, startTs: number, series: (number | null)[][], bootId = 'b0'): LoadCellWeight[] {
  const per = shelf.loadCell.samplesPerMsg;
  const dt = 1000 / shelf.loadCell.sampleRateHz;
  const n = Math.min(...series.map((s) => s.length));
  const out: LoadCellWeight[] = [];
  for (let k = 0, seq = 0; k + per <= n; k += per, seq++) {
    const deviceId = shelf.loadCell.deviceId;
    out.push({
      v: 1,
      msgId: `${deviceId}:${bootId}:${seq}`,
      deviceId,
      bootId,
      seq,
      ts: startTs + k * dt,
      sampleIntervalMs: dt,
      readings: shelf.plates.map((p, i) => ({ plateId: p.id, grams: series[i]!.slice(k, k + per) })),
    });
  }
  return out;
}
