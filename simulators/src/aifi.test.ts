import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, type LoadCellWeight } from '@tebura/contract';
import { convertAifi, gtTimeMs, skuOf } from './aifi.js';
import { convertAifiBenchmark1 } from './aifi-bench1.js';
import { loadStore } from './load.js';
import { readRecording, type RecordedMessage } from './record.js';
import type { GroundTruth } from './truth.js';
import { SHARED_DATA } from './test/fixtures.js';

describe('convertAifi (cps-test-01)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'aifi-'));
  const r = convertAifi({ dataDir: join(SHARED_DATA, 'aifi'), outDir });

  it('writes a store that passes validation, with AiFi plates, products and planogram', () => {
    const store = loadStore(r.storePath);
    const plates = store.gondolas.flatMap((g) => g.shelves.flatMap((s) => s.plates));
    expect(plates).toHaveLength(348);
    expect(store.gondolas).toHaveLength(5);
    expect(store.products.find((p) => p.name === 'FIJI WATER .5 LTR')?.unitWeightG.mean).toBe(538);
    expect(store.planogram.find((e) => e.sku === 'Taco-Bell-Fire')?.plateIds).toEqual(['g2-s5-p4', 'g2-s5-p5', 'g2-s5-p6']);
  });

  it('writes a recording whose messages all pass the contract and keep the real weights', async () => {
    const msgs: RecordedMessage[] = [];
    for await (const l of readRecording(r.recordingPath)) if (!('format' in l)) msgs.push(l);
    const weights: LoadCellWeight[] = [];
    for (const m of msgs) {
      const d = decodeMessage(m.topic, m.payload);
      expect(d.ok, m.topic).toBe(true);
      if (d.ok && d.channel === 'loadcell/weight') weights.push(d.msg);
    }
    // 29 shelves x ~168 packets over 33.8 s.
    expect(weights.length).toBeGreaterThan(29 * 160);
    for (let i = 1; i < msgs.length; i++) expect(msgs[i]!.t).toBeGreaterThanOrEqual(msgs[i - 1]!.t);
    // The first raw row of G1/S1/P1 is carried unchanged.
    const first = weights.find((w) => w.deviceId === 'aifi-g1-s1')!;
    expect(first.readings.find((x) => x.plateId === 'g1-s1-p1')!.grams[0]).toBe(1398.281982421875);
    // GT event 2: FIJI WATER .5 LTR (538 g) leaves G1/S5/P10 at about 22:24:21.9 UTC.
    const series = weights.filter((w) => w.deviceId === 'aifi-g1-s5').flatMap((w) => w.readings.find((x) => x.plateId === 'g1-s5-p10')!.grams.map((g, k) => ({ t: w.ts + k * w.sampleIntervalMs, g })));
    const mean = (a: number, b: number) => {
      const v = series.filter((s) => s.t >= a && s.t < b && s.g !== null).map((s) => s.g!);
      return v.reduce((x, y) => x + y, 0) / v.length;
    };
    const at = Date.UTC(2020, 0, 28, 22, 24, 21, 930);
    expect(mean(at - 3000, at - 1000) - mean(at + 1000, at + 3000)).toBeGreaterThan(500);
  });

  it('keeps ground truth in its own file, in the simulator truth format', () => {
    const truth = JSON.parse(readFileSync(r.truthPath, 'utf8')) as GroundTruth;
    expect(r.events).toBe(2);
    expect(truth.events.map((e) => [e.kind, e.sku, e.plates.map((p) => p.plateId)])).toEqual([
      ['pick', 'Taco-Bell-Fire', ['g2-s5-p4', 'g2-s5-p5']],
      ['pick', 'FIJI-WATER-5-LTR', ['g1-s5-p10']],
    ]);
    expect(truth.sessions[0]!.basket).toEqual([{ sku: 'FIJI-WATER-5-LTR', quantity: 1 }, { sku: 'Taco-Bell-Fire', quantity: 1 }]);
    expect(readFileSync(r.recordingPath, 'utf8')).not.toContain('Taco');
  });

  it('parses GT times and makes valid SKUs', () => {
    expect(gtTimeMs('2020-01-28_22-24-15')).toBe(Date.UTC(2020, 0, 28, 22, 24, 15));
    expect(gtTimeMs('0:15 + 2020-01-28_22-24-15')).toBeNull();
    expect(skuOf('  FIJI WATER .5 LTR ')).toBe('FIJI-WATER-5-LTR');
  });
});

describe('convertAifiBenchmark1', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'aifi-b1-'));
  const r = convertAifiBenchmark1({ dataDir: join(SHARED_DATA, 'aifi'), outDir });

  it('writes a valid store, a contract-clean recording with the inferred 623 g event, and separate truth', async () => {
    const store = loadStore(r.storePath);
    expect(store.gondolas).toHaveLength(4);
    expect(store.planogram.find((e) => e.sku === '071142008582')?.plateIds).toContain('g1-s5-p11');
    const weights: LoadCellWeight[] = [];
    for await (const l of readRecording(r.recordingPath)) {
      if ('format' in l) continue;
      const d = decodeMessage(l.topic, l.payload);
      expect(d.ok, l.topic).toBe(true);
      if (d.ok && d.channel === 'loadcell/weight') weights.push(d.msg);
    }
    expect(weights.length).toBeGreaterThan(300);
    const series = weights.filter((w) => w.deviceId === 'aifi-g1-s5').flatMap((w) => w.readings.find((x) => x.plateId === 'g1-s5-p11')!.grams.map((g, k) => ({ t: w.ts + k * w.sampleIntervalMs, g })));
    const at = Date.UTC(2020, 3, 22, 5, 6, 49, 780);
    const mean = (a: number, b: number) => {
      const v = series.filter((s) => s.t >= a && s.t < b && s.g !== null).map((s) => s.g!);
      return v.reduce((x, y) => x + y, 0) / v.length;
    };
    expect(mean(at - 3000, at - 1000) - mean(at + 1000, at + 3000)).toBeGreaterThan(550);
    const truth = JSON.parse(readFileSync(r.truthPath, 'utf8')) as GroundTruth;
    expect(truth.sessions[0]!.tags).toContain('inferred-gt');
    expect(store.products.some((p) => p.sku === truth.events[0]!.sku)).toBe(true);
  });
});
