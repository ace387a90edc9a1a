import { describe, expect, it } from 'vitest';
import { fixtureLayout } from './fixtures.js';
import { ProductInference } from './product-inference.js';
import { DEFAULT_TUNING } from './tuning.js';

// Shelf g1s1 plans: p1 sku-001 105 g, p2 sku-002 538 g, p3 sku-003 250 g,
// p4 sku-004 330 g, p5 sku-005 62 g, p6 sku-006 64 g and sku-twin 64.5 g (near-equal, same plate).
const layout = fixtureLayout();
const inf = new ProductInference(layout, DEFAULT_TUNING);
const noiseG = 0.5;

describe('ProductInference', () => {
  it('names the planned SKU and count, confidently', () => {
    const one = inf.infer({ deltaG: -104.2, plateIds: ['g1s1p1'], noiseG });
    expect(one[0]!.items).toEqual([{ sku: 'sku-001', count: 1 }]);
    expect(one[0]!.probability).toBeGreaterThan(0.95);
    const two = inf.infer({ deltaG: -211, plateIds: ['g1s1p1'], noiseG });
    expect(two[0]!.items).toEqual([{ sku: 'sku-001', count: 2 }]);
    expect(two[0]!.probability).toBeGreaterThan(0.9);
  });

  it('probabilities form a distribution, best first', () => {
    const h = inf.infer({ deltaG: -330, plateIds: ['g1s1p4'], noiseG });
    const ps = h.map((x) => x.probability);
    expect([...ps].sort((a, b) => b - a)).toEqual(ps);
    expect(ps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('lets the plate decide between near-equal SKUs on neighbouring plates', () => {
    const h = inf.infer({ deltaG: -63, plateIds: ['g1s1p5'], noiseG });
    expect(h[0]!.items).toEqual([{ sku: 'sku-005', count: 1 }]);
    expect(h[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('a wrong hint does not outweigh the plate a near-equal SKU was taken from', () => {
    // -63 g from p5 (sku-005, 62 g); sku-006 (64 g) is planned next door on p6. A hint camera
    // confusing 10 % of its hints names sku-006 (07-group-one-payer seed 101: an onigiri salmon
    // from its own plate went to review at 0.81 when a neighbour counted 0.05 of the plan).
    const hintFactor = (sku: string): number => (sku === 'sku-006' ? 0.9 : sku === 'sku-005' ? 0.1 : 0.05);
    const h = inf.infer({ deltaG: -63, plateIds: ['g1s1p5'], noiseG, hintFactor });
    expect(h[0]!.items).toEqual([{ sku: 'sku-005', count: 1 }]);
    expect(h[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('stays unsure between near-equal SKUs on one plate, and a camera hint decides', () => {
    const plain = inf.infer({ deltaG: -64.2, plateIds: ['g1s1p6'], noiseG });
    expect(plain[0]!.probability).toBeLessThan(DEFAULT_TUNING.confidenceMin);
    // A hint camera that is wrong 3 % of the time names sku-twin first.
    const hintFactor = (sku: string): number => (sku === 'sku-twin' ? 0.97 : sku === 'sku-006' ? 0.03 * 0.8 : 0.03 * 0.05);
    const hinted = inf.infer({ deltaG: -64.2, plateIds: ['g1s1p6'], noiseG, hintFactor });
    expect(hinted[0]!.items).toEqual([{ sku: 'sku-twin', count: 1 }]);
    expect(hinted[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('recognises a put-back on the wrong plate from the cart', () => {
    const h = inf.infer({ deltaG: 331, plateIds: ['g1s1p1'], noiseG, cart: new Map([['sku-004', 1]]) });
    expect(h[0]!.items).toEqual([{ sku: 'sku-004', count: 1 }]);
    expect(h[0]!.probability).toBeGreaterThan(0.9);
  });

  it('a put-back is what the shopper holds, even beside a plate planned with a near-equal SKU', () => {
    // +63.5 g on p4: sku-005 (62 g) is planned next door on p5, the shopper holds sku-006 (64 g).
    // Something not in the cart comes back only after a missed pick (11-busy-hour: tissues put
    // back beside the canned coffee went to review at 0.58 coffee).
    const h = inf.infer({ deltaG: 63.5, plateIds: ['g1s1p4'], noiseG, cart: new Map([['sku-006', 1]]) });
    expect(h[0]!.items).toEqual([{ sku: 'sku-006', count: 1 }]);
    expect(h[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('a put-back that brings the plate back to its level before the last pick returns that pick\'s units', () => {
    // +232 g on p3 (sku-003, 250 g): 18 g off the catalogue, no product fits. The last pick there
    // was one sku-003 and the plate is back within 0.4 g of its level before it: that very unit.
    const cart = new Map([['sku-003', 2]]);
    const input = { deltaG: 232, plateIds: ['g1s1p3'], noiseG, cart };
    expect(inf.infer(input)[0]!.items).toEqual([]);
    const same = inf.infer({ ...input, returnOf: { items: [{ sku: 'sku-003', count: 1 }], residualG: 0.4 } });
    expect(same[0]!.items).toEqual([{ sku: 'sku-003', count: 1 }]);
    expect(same[0]!.probability).toBeGreaterThan(0.99);
    // 15 g from that level: something else came back (or went); the catalogue decides, as before.
    const other = inf.infer({ ...input, returnOf: { items: [{ sku: 'sku-003', count: 1 }], residualG: 15 } });
    expect(other[0]!.items).toEqual([]);
  });

  it('a put-back on a plate it does not belong to is one of the shopper\'s own items, not any product', () => {
    // +100 g on p1 (sku-001, 105 g, planned there) by a shopper holding sku-012 (95 g, planned on
    // another gondola): as far from both by weight. Misplacing is the shopper's, so the off-plan mass
    // is theirs (11-busy-hour seed 101: a beer, 370 g, put back on the umbrella plate, 380 g).
    const h = inf.infer({ deltaG: 100, plateIds: ['g1s1p1'], noiseG, cart: new Map([['sku-012', 1]]) });
    expect(h[0]!.items).toEqual([{ sku: 'sku-012', count: 1 }]);
    expect(h[0]!.probability).toBeGreaterThan(DEFAULT_TUNING.confidenceMin);
  });

  it('remembers a unit put back on the wrong plate so a later pick there finds it', () => {
    const local = new ProductInference(layout, DEFAULT_TUNING);
    const before = local.infer({ deltaG: -330, plateIds: ['g1s1p1'], noiseG })[0]!;
    local.noteMisplaced('g1s1p1', 'sku-004', 1);
    expect(local.skusAt('g1s1p1')).toEqual(['sku-001', 'sku-004']);
    const after = local.infer({ deltaG: -330, plateIds: ['g1s1p1'], noiseG })[0]!;
    expect(after.items).toEqual([{ sku: 'sku-004', count: 1 }]);
    expect(after.probability).toBeGreaterThan(before.probability);
    local.noteMisplaced('g1s1p1', 'sku-004', -1);
    expect(local.skusAt('g1s1p1')).toEqual(['sku-001']);
  });

  it('explains two simultaneous adjacent picks as a pair', () => {
    const h = inf.infer({ deltaG: -(105 + 538), plateIds: ['g1s1p1', 'g1s1p2'], noiseG });
    expect(h[0]!.items).toEqual([{ sku: 'sku-001', count: 1 }, { sku: 'sku-002', count: 1 }]);
  });

  it('says unknown when no product fits', () => {
    const h = inf.infer({ deltaG: -1234, plateIds: ['g1s1p1'], noiseG });
    const best = h[0]!;
    expect(best.items.length === 0 || best.probability < DEFAULT_TUNING.confidenceMin).toBe(true);
  });
});
