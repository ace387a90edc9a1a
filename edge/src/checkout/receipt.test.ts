import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Adjustment } from '@tebura/contract';
import { buildAdjustment, buildReceipt, taxFloor } from './receipt.js';
import { testLayout } from '../testing/layout.js';

const layout = testLayout();
const session = { sessionId: 's-1', customerId: 'c-1', openedAt: 1000 };
const skus = layout.products.map((p) => p.sku);
const cartArb = fc.array(fc.record({ sku: fc.constantFrom(...skus), quantity: fc.integer({ min: 0, max: 40 }) }), { maxLength: 8 });

/** Merges duplicate sku lines as a cart would hold them. */
function merge(lines: { sku: string; quantity: number }[]): { sku: string; quantity: number }[] {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.sku, (m.get(l.sku) ?? 0) + l.quantity);
  return [...m].map(([sku, quantity]) => ({ sku, quantity }));
}

describe('taxFloor', () => {
  it('rounds down for positive and negative amounts', () => {
    expect(taxFloor(148, 800)).toBe(11); // 11.84
    expect(taxFloor(-148, 800)).toBe(-12);
    expect(taxFloor(0, 1000)).toBe(0);
    expect(taxFloor(125, 800)).toBe(10);
  });
  it('is exact beyond 2^53 / 10000', () => {
    expect(taxFloor(9_000_000_000_000, 1000)).toBe(900_000_000_000);
  });
});

describe('buildReceipt', () => {
  it('taxes once per rate on the rate sum, not per line', () => {
    // Two lines of 148 at 8 %: per line 11.84 -> 11 + 11 = 22; per invoice 23.68 -> 23.
    const r = buildReceipt(layout, 'st', session, [{ sku: 'onigiri', quantity: 2 }], 2000);
    expect(r.taxes).toEqual([{ taxClass: 'food', rateBp: 800, taxableMinor: 296, taxMinor: 23 }]);
    expect(r.totalMinor).toBe(319);
  });

  it('totals = sum of lines + per-rate floor tax (property)', () => {
    fc.assert(
      fc.property(cartArb, (raw) => {
        const cart = merge(raw);
        const r = buildReceipt(layout, 'st', session, cart, 2000);
        const prices = new Map(layout.products.map((p) => [p.sku, p]));
        let subtotal = 0;
        const byClass = new Map<string, number>();
        for (const l of cart) {
          const p = prices.get(l.sku)!;
          subtotal += l.quantity * p.priceMinor;
          if (l.quantity > 0) byClass.set(p.taxClass, (byClass.get(p.taxClass) ?? 0) + l.quantity * p.priceMinor);
        }
        let tax = 0;
        for (const [cls, taxable] of byClass) {
          const rate = layout.taxRates.find((t) => t.taxClass === cls)!.rateBp;
          tax += Math.floor((taxable * rate) / 10000);
        }
        expect(r.subtotalMinor).toBe(subtotal);
        expect(r.taxMinor).toBe(tax);
        expect(r.totalMinor).toBe(subtotal + tax);
        expect(r.lines.reduce((s, l) => s + l.lineTotalMinor, 0)).toBe(r.subtotalMinor);
        expect(r.lines.every((l) => l.quantity > 0 && l.lineTotalMinor === l.quantity * l.unitPriceMinor)).toBe(true);
        expect(r.taxes.map((t) => t.taxClass)).toEqual([...new Set(r.taxes.map((t) => t.taxClass))]);
      }),
    );
  });

  it('does not depend on the order of cart lines', () => {
    fc.assert(
      fc.property(cartArb, (raw) => {
        const cart = merge(raw);
        expect(buildReceipt(layout, 'st', session, [...cart].reverse(), 1)).toEqual(buildReceipt(layout, 'st', session, cart, 1));
      }),
    );
  });

  it('refuses a sku missing from the catalog', () => {
    expect(() => buildReceipt(layout, 'st', session, [{ sku: 'nope', quantity: 1 }], 1)).toThrow(/not in the catalog/);
  });
});

describe('buildAdjustment', () => {
  it('moves the invoice total exactly as re-issuing the receipt would (property)', () => {
    fc.assert(
      fc.property(cartArb, fc.array(cartArb, { maxLength: 3 }), (raw, adjRaws) => {
        const cart = merge(raw);
        const receipt = buildReceipt(layout, 'st', session, cart, 2000);
        const prior: Adjustment[] = [];
        const running = new Map(cart.map((l) => [l.sku, l.quantity]));
        for (const [i, a] of adjRaws.entries()) {
          // Signed deltas that keep every quantity >= 0.
          const deltas = merge(a).map((l) => ({ sku: l.sku, quantity: (l.quantity % 3) - Math.min(1, running.get(l.sku) ?? 0) }));
          if (deltas.every((d) => d.quantity === 0)) continue;
          const adj = buildAdjustment(layout, receipt, prior, deltas, { adjustmentId: `a${i}`, reason: 'test', createdAt: 3 });
          const before = buildReceipt(layout, 'st', session, [...running].map(([sku, quantity]) => ({ sku, quantity })), 1).totalMinor;
          for (const d of deltas) running.set(d.sku, (running.get(d.sku) ?? 0) + d.quantity);
          const after = buildReceipt(layout, 'st', session, [...running].map(([sku, quantity]) => ({ sku, quantity })), 1).totalMinor;
          expect(adj.totalMinor).toBe(after - before);
          prior.push(adj);
        }
      }),
    );
  });

  it('moves a charged line at the price on the receipt after a price change; a missed SKU at today\'s price', () => {
    const receipt = buildReceipt(layout, 'st', session, [{ sku: 'tea', quantity: 2 }], 2000);
    const newer = { ...layout, products: layout.products.map((p) => ({ ...p, priceMinor: p.priceMinor + 100 })) };
    const adj = buildAdjustment(newer, receipt, [], [{ sku: 'tea', quantity: -1 }, { sku: 'battery', quantity: 1 }], { adjustmentId: 'a', reason: 'r', createdAt: 3 });
    expect(adj.lines).toEqual([
      { sku: 'tea', quantityDelta: -1, unitPriceMinor: 138, taxClass: 'food' },
      { sku: 'battery', quantityDelta: 1, unitPriceMinor: 698, taxClass: 'standard' },
    ]);
  });
});
