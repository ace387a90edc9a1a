import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@tebura/contract';
import { loadScenario, loadStore } from './load.js';
import { SCENARIOS_DIR, SMALL_STORE } from './test/fixtures.js';
import { schemaDrift } from './schema.js';

describe('loadStore', () => {
  it('loads the small store, frozen', () => {
    const s = loadStore(SMALL_STORE);
    expect(s.gondolas).toHaveLength(2);
    expect(s.gondolas.flatMap((g) => g.shelves)).toHaveLength(6);
    expect(s.gondolas.flatMap((g) => g.shelves.flatMap((sh) => sh.plates))).toHaveLength(24);
    expect(s.products.length).toBeGreaterThanOrEqual(15);
    expect(new Set(s.products.map((p) => p.taxClass))).toEqual(new Set(['food', 'standard']));
    expect(s.planogram.some((e) => e.plateIds.length === 2)).toBe(true);
    expect(Object.isFrozen(s.products[0])).toBe(true);
  });

  it('reports every problem with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-load-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ id: 'x', name: 'x', taxRates: [{ taxClass: 'food', rateBp: 800 }], floor: { widthM: 1, depthM: 1 }, products: [{ sku: 'a', name: 'a', unitWeightG: { mean: -1, sigma: 0 }, priceMinor: 1.5, taxClass: 'food' }], gondolas: [], planogram: [], cameras: [], gates: [] }));
    try {
      loadStore(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).details.map((d) => d.path);
      expect(paths).toContain('/products/0/unitWeightG/mean');
      expect(paths).toContain('/products/0/priceMinor');
      expect(paths).toContain('/gondolas');
    }
  });

  it('reports cross-reference problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-load-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `id: x\nname: x\ntaxRates: [{taxClass: food, rateBp: 800}]\nfloor: {widthM: 2, depthM: 2}\nproducts: [{sku: a, name: a, unitWeightG: {mean: 1, sigma: 0}, priceMinor: 1, taxClass: standard}]\ngondolas: [{id: g, x: 0, y: 0, widthM: 1, depthM: 1, shelves: [{id: s, level: 0, loadCell: {deviceId: d, sampleRateHz: 10, noiseSigmaG: 1, driftGPerMin: 0, samplesPerMsg: 1}, plates: [{id: p, x: 0, y: 0, widthM: 1, capacityG: 10}]}]}]\nplanogram: [{sku: b, plateIds: [q], facings: 1, stock: 1}]\ncameras: []\ngates: [{id: e, kind: entry, x: 0, y: 0, methods: [app]}]\n`);
    expect(() => loadStore(bad)).toThrow(/\/planogram\/0\/sku[\s\S]*\/planogram\/0\/plateIds\/0[\s\S]*\/products\/0\/taxClass[\s\S]*no exit gate/);
  });
});

describe('loadScenario', () => {
  it('applies defaults and resolves the store path', () => {
    const s = loadScenario(join(SCENARIOS_DIR, '01-one-shopper.yaml'));
    expect(s.store).toBe(SMALL_STORE);
    expect(s.faults.dropoutRate).toBeGreaterThanOrEqual(0);
    expect(s.behaviour.dwellS.max).toBeGreaterThan(0);
    expect(s.gateResponseMs).toBe(1500);
  });

  it('rejects a bad scenario with paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-scn-'));
    const bad = join(dir, 's.yaml');
    writeFileSync(bad, 'name: "bad name!"\nstore: x.yaml\nshoppers: 0\nbehaviour: {putBackRate: 2, stops: {min: 3, max: 1}}\n');
    try {
      loadScenario(bad);
      expect.unreachable();
    } catch (e) {
      const paths = (e as ConfigError).details.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['/name', '/shoppers', '/behaviour/putBackRate']));
    }
  });
});

describe('published JSON Schemas', () => {
  it('match the schemas the loaders use (regenerate: npx tsx simulators/src/schema.ts --write)', () => {
    expect(schemaDrift()).toEqual([]);
  });
});
