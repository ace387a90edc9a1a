/**
 * Receipt and adjustment arithmetic checks. The edge computes tax per tax class
 * on the class's taxable sum; rounding is the edge's choice, so the check
 * accepts floor or ceil of the exact amount and nothing further away.
 */
import type { Adjustment, Receipt } from '@tebura/contract';
import { CloudErrors, fail } from '../errors.js';

export type TaxRates = ReadonlyMap<string, number>;

function taxBounds(taxableMinor: number, rateBp: number): [number, number] {
  const exact = (taxableMinor * rateBp) / 10_000;
  return [Math.floor(exact), Math.ceil(exact)];
}

/** Throws 422 with a stable code on the first inconsistency. */
export function verifyReceipt(r: Receipt, rates: TaxRates, storeCurrency: string): void {
  if (r.currency !== storeCurrency) fail(CloudErrors.RECEIPT_CURRENCY, 'unprocessable', `currency ${r.currency} is not the store's ${storeCurrency}`);
  const taxableByClass = new Map<string, number>();
  r.lines.forEach((l, i) => {
    if (l.lineTotalMinor !== l.quantity * l.unitPriceMinor) {
      fail(CloudErrors.RECEIPT_LINE_TOTAL, 'unprocessable', `line ${i}: ${l.quantity} x ${l.unitPriceMinor} is not ${l.lineTotalMinor}`, [
        { path: `/lines/${i}/lineTotalMinor`, message: 'must be quantity * unitPriceMinor' },
      ]);
    }
    taxableByClass.set(l.taxClass, (taxableByClass.get(l.taxClass) ?? 0) + l.lineTotalMinor);
  });
  const subtotal = r.lines.reduce((s, l) => s + l.lineTotalMinor, 0);
  if (subtotal !== r.subtotalMinor) fail(CloudErrors.RECEIPT_SUBTOTAL, 'unprocessable', `lines sum to ${subtotal}, subtotal says ${r.subtotalMinor}`);
  const seen = new Set<string>();
  r.taxes.forEach((t, i) => {
    const path = `/taxes/${i}`;
    if (seen.has(t.taxClass)) fail(CloudErrors.RECEIPT_TAX, 'unprocessable', `tax class ${t.taxClass} appears twice`, [{ path, message: 'duplicate' }]);
    seen.add(t.taxClass);
    const rate = rates.get(t.taxClass);
    if (rate !== t.rateBp) fail(CloudErrors.RECEIPT_TAX, 'unprocessable', `tax class ${t.taxClass} at ${t.rateBp} bp, store rate is ${rate ?? 'none'}`, [{ path, message: 'rate' }]);
    if (t.taxableMinor !== (taxableByClass.get(t.taxClass) ?? 0)) {
      fail(CloudErrors.RECEIPT_TAX, 'unprocessable', `taxable ${t.taxableMinor} for ${t.taxClass} differs from its lines`, [{ path, message: 'taxableMinor' }]);
    }
    const [lo, hi] = taxBounds(t.taxableMinor, t.rateBp);
    if (t.taxMinor < lo || t.taxMinor > hi) fail(CloudErrors.RECEIPT_TAX, 'unprocessable', `tax ${t.taxMinor} outside [${lo}, ${hi}]`, [{ path, message: 'taxMinor' }]);
  });
  for (const [cls, taxable] of taxableByClass) {
    if (taxable > 0 && !seen.has(cls)) fail(CloudErrors.RECEIPT_TAX, 'unprocessable', `no tax line for class ${cls}`);
  }
  const tax = r.taxes.reduce((s, t) => s + t.taxMinor, 0);
  if (tax !== r.taxMinor) fail(CloudErrors.RECEIPT_TAX, 'unprocessable', `tax lines sum to ${tax}, taxMinor says ${r.taxMinor}`);
  if (r.totalMinor !== r.subtotalMinor + r.taxMinor) fail(CloudErrors.RECEIPT_TOTAL, 'unprocessable', `total ${r.totalMinor} is not subtotal + tax`);
}

export interface AdjustmentSplit {
  netMinor: number;
  /** Tax per rate (bp -> signed minor units), summing to total - net. */
  taxByRate: Map<number, number>;
}

/** Checks the signed total against the lines and splits its tax by rate. */
export function splitAdjustment(a: Adjustment, rates: TaxRates, storeCurrency: string): AdjustmentSplit {
  if (a.currency !== storeCurrency) fail(CloudErrors.RECEIPT_CURRENCY, 'unprocessable', `currency ${a.currency} is not the store's ${storeCurrency}`);
  const netByRate = new Map<number, number>();
  a.lines.forEach((l, i) => {
    const rate = rates.get(l.taxClass);
    if (rate === undefined) fail(CloudErrors.ADJUSTMENT_TOTAL, 'unprocessable', `no tax rate for ${l.taxClass}`, [{ path: `/lines/${i}/taxClass`, message: 'unknown' }]);
    netByRate.set(rate, (netByRate.get(rate) ?? 0) + l.quantityDelta * l.unitPriceMinor);
  });
  const net = [...netByRate.values()].reduce((s, v) => s + v, 0);
  let lo = net;
  let hi = net;
  const exactTax = new Map<number, number>();
  for (const [rate, n] of netByRate) {
    const exact = (n * rate) / 10_000;
    exactTax.set(rate, exact);
    lo += Math.floor(exact);
    hi += Math.ceil(exact);
  }
  if (a.totalMinor < lo || a.totalMinor > hi) {
    fail(CloudErrors.ADJUSTMENT_TOTAL, 'unprocessable', `total ${a.totalMinor} outside [${lo}, ${hi}] computed from the lines`);
  }
  // Round each rate's tax toward zero, then give the remainder to the largest one.
  const taxByRate = new Map<number, number>();
  let assigned = 0;
  for (const [rate, exact] of exactTax) {
    const t = Math.trunc(exact);
    taxByRate.set(rate, t);
    assigned += t;
  }
  const rest = a.totalMinor - net - assigned;
  if (rest !== 0) {
    const biggest = [...exactTax.entries()].sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))[0];
    const rate = biggest === undefined ? 0 : biggest[0];
    taxByRate.set(rate, (taxByRate.get(rate) ?? 0) + rest);
  }
  return { netMinor: net, taxByRate };
}
