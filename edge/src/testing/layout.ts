/** A tiny store for the node's own tests: two shelves, mixed tax classes, one entry and one exit gate. */
import type { StoreLayout } from '@tebura/contract';

export function testLayout(id = 'test-store'): StoreLayout {
  const plate = (pid: string, x: number) => ({ id: pid, x, y: 2.3, widthM: 0.5, capacityG: 20_000 });
  return {
    id,
    name: 'Node test store',
    currency: 'JPY',
    taxRates: [{ taxClass: 'food', rateBp: 800 }, { taxClass: 'standard', rateBp: 1000 }],
    floor: { widthM: 8, depthM: 6 },
    reachM: 1,
    products: [
      { sku: 'onigiri', name: 'Onigiri salmon', unitWeightG: { mean: 110, sigma: 2 }, priceMinor: 148, taxClass: 'food' },
      { sku: 'tea', name: 'Green tea 500ml', unitWeightG: { mean: 530, sigma: 3 }, priceMinor: 138, taxClass: 'food' },
      { sku: 'battery', name: 'AA batteries x4', unitWeightG: { mean: 95, sigma: 1 }, priceMinor: 598, taxClass: 'standard' },
      { sku: 'umbrella', name: 'Umbrella', unitWeightG: { mean: 420, sigma: 5 }, priceMinor: 777, taxClass: 'standard' },
    ],
    gondolas: [
      {
        id: 'g1', x: 2, y: 2, widthM: 2, depthM: 0.6,
        shelves: [
          { id: 'g1s1', level: 0, loadCell: { deviceId: 'lc-1', sampleRateHz: 60, noiseSigmaG: 1, driftGPerMin: 0, samplesPerMsg: 12 }, plates: [plate('p1', 2.25), plate('p2', 2.75)] },
          { id: 'g1s2', level: 1, loadCell: { deviceId: 'lc-2', sampleRateHz: 60, noiseSigmaG: 1, driftGPerMin: 0, samplesPerMsg: 12 }, plates: [plate('p3', 2.25), plate('p4', 2.75)] },
        ],
      },
    ],
    planogram: [
      { sku: 'onigiri', plateIds: ['p1'], facings: 1, stock: 20 },
      { sku: 'tea', plateIds: ['p2'], facings: 1, stock: 20 },
      { sku: 'battery', plateIds: ['p3'], facings: 1, stock: 20 },
      { sku: 'umbrella', plateIds: ['p4'], facings: 1, stock: 20 },
    ],
    cameras: [{ id: 'cam-1', kind: 'overhead', x: 4, y: 3, coverageRadiusM: 6, fps: 10, positionNoiseM: 0.05, missRate: 0, idSwitchRate: 0 }],
    gates: [
      { id: 'gate-in', kind: 'entry', x: 1, y: 0.5, methods: ['app', 'face', 'palm'] },
      { id: 'gate-out', kind: 'exit', x: 6, y: 0.5, methods: [] },
    ],
  };
}
