/**
 * Real data: AiFi Nanostore recordings (../shared/data/aifi, see its README).
 * cps-test-01 has 2 hand-labelled ground-truth events (cmu/ground_truth/v14.json);
 * BENCHMARK-1 has one clear event (G1/S5/P11 -623 g, ARRWHD SPRNG WTR by planogram;
 * an inferred label, not official GT). The whole store's weight series runs through
 * the whole perception path (no cameras, so events end as NO_SHOPPER reviews with
 * their SKU guesses); nothing else may come out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock, type LoadCellWeight, type StoreLayout } from '@tebura/contract';
import type { ReviewCandidate } from './api.js';
import { loadAifiBenchmark1 } from './aifi-benchmark.js';
import { loadAifiTest1, plateId } from './aifi-loader.js';
import { createPerceptionWith } from './perception.js';
import { ShelfEventDetector, type ShelfEvent } from './shelf-events.js';
import { DEFAULT_TUNING, type PerceptionTuning } from './tuning.js';

const dataDir = (rel: string): string => fileURLToPath(new URL(`../../../../shared/data/aifi/${rel}`, import.meta.url));

/** AiFi's plates read 3-4 % off the catalogue weights (561 g for a 538 g bottle): wider scale error. */
const tuning: PerceptionTuning = { ...DEFAULT_TUNING, scaleErrorFraction: 0.04 };

interface GtEvent {
  putback: 0 | 1;
  observation: { position: { gondola: number; shelf: number; plates: number[] }; products: { name: string; id: string }[]; time: string };
}

function gtEvents(dataset: string): GtEvent[] {
  const v14 = JSON.parse(readFileSync(dataDir('cmu/ground_truth/v14.json'), 'utf8')) as { lists: { dataset: string; events: GtEvent[] }[] };
  return v14.lists.find((l) => l.dataset === dataset)?.events ?? [];
}

/** "2020-01-28_22-24-15" (UTC) to epoch ms. */
const gtTime = (s: string): number => Date.parse(s.replace(/^(\d{4}-\d\d-\d\d)_(\d\d)-(\d\d)-(\d\d)$/, '$1T$2:$3:$4Z'));

/**
 * The full perception path (detector, split, noise filter, inference, fusion) with
 * no cameras: every surviving event is a NO_SHOPPER review carrying its SKU guesses.
 */
function perceive(layout: StoreLayout, messages: LoadCellWeight[]): { events: ShelfEvent[]; reviews: ReviewCandidate[] } {
  const reviews: ReviewCandidate[] = [];
  const sorted = [...messages].sort((a, b) => a.ts - b.ts);
  const clock = new ManualClock(sorted[0]!.ts);
  const p = createPerceptionWith(layout, clock, { cartDelta: () => {}, review: (r) => reviews.push(r) }, tuning);
  for (const m of sorted) p.onWeight(m);
  const events: ShelfEvent[] = [];
  for (const sh of layout.gondolas.flatMap((g) => g.shelves)) {
    const det = new ShelfEventDetector(sh, tuning);
    for (const m of sorted) if (m.deviceId === sh.loadCell.deviceId) det.ingest(m, events);
  }
  return { events, reviews };
}

describe('AiFi cps-test-01 (real 60 Hz plates, 2 ground-truth events)', () => {
  const { layout, shelves, skuByName } = loadAifiTest1(dataDir('yzthu/csv/test1'), dataDir('yzthu/csv/ground_truth/test1-all_product.csv'));
  const { events, reviews } = perceive(
    layout,
    shelves.flatMap((s) => s.messages),
  );
  const gt = gtEvents('cps-test-01');

  it('reads the recording: 29 shelves, 348 plates, 2 GT events', () => {
    expect(shelves).toHaveLength(29);
    expect(shelves.reduce((n, s) => n + s.shelf.plates.length, 0)).toBe(348);
    expect(gt).toHaveLength(2);
  });

  it('finds every GT event exactly once, with the right product and count, and nothing extra', () => {
    expect(reviews).toHaveLength(gt.length);
    for (const g of gt) {
      const pos = g.observation.position;
      const gtPlates = pos.plates.map((p) => plateId(pos.gondola, pos.shelf, p));
      const matches = reviews.filter((r) => r.plateIds.some((p) => gtPlates.includes(p)) && Math.abs(r.window.startTs - gtTime(g.observation.time)) < 2000);
      expect(matches).toHaveLength(1);
      const r = matches[0]!;
      expect(r.reason).toBe('NO_SHOPPER');
      expect(Math.sign(r.deltaG)).toBe(g.putback ? 1 : -1);
      expect(r.skuCandidates[0]).toMatchObject({ sku: skuByName.get(g.observation.products[0]!.name), quantity: 1 });
      expect(r.skuCandidates[0]!.probability).toBeGreaterThanOrEqual(tuning.confidenceMin);
    }
  });

  it('merges the bag lying across plates 3-5 into one event of about its weight', () => {
    const taco = events.find((e) => e.shelfId === 'g2s5')!;
    expect(taco.plateIds).toEqual(['g2s5p3', 'g2s5p4', 'g2s5p5']);
    expect(Math.abs(taco.deltaG + 105.53)).toBeLessThan(6);
  });
});

describe('AiFi BENCHMARK-1 (packets of float32 [12, shelf, plate])', () => {
  const { layout, messages, skuByUpc } = loadAifiBenchmark1(dataDir('team6_benchmark1/testcases/BENCHMARK-1'));
  const { reviews } = perceive(layout, messages);

  it('finds only the one clear event, the 623 g bottle on G1/S5/P11', () => {
    expect(reviews.map((r) => r.plateIds)).toEqual([['g1s5p11']]);
    const r = reviews[0]!;
    expect(Math.abs(r.deltaG + 623)).toBeLessThan(5);
    expect(Math.abs(r.window.startTs - Date.parse('2020-04-22T05:06:49.78Z'))).toBeLessThan(1000);
    expect(r.skuCandidates[0]).toMatchObject({ sku: skuByUpc.get('071142008582'), quantity: 1 });
    expect(r.skuCandidates[0]!.probability).toBeGreaterThanOrEqual(tuning.confidenceMin);
  });
});
