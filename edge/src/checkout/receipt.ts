/**
 * Receipts and adjustments. Prices are tax-exclusive integer minor units. Tax is
 * computed once per receipt per rate, on the sum of that rate's lines, and rounded
 * down (Japan's qualified-invoice rule: one rounding per rate per invoice). See
 * docs/receipts.md.
 */
import type { Adjustment, Receipt, ReceiptLine, StoreLayout, TaxClass, TaxLine } from '@tebura/contract';

const BP_PER_UNIT = 10_000n;

/** floor(a * rateBp / 10000) for any sign, exact for any safe integer. */
export function taxFloor(taxableMinor: number, rateBp: number): number {
  const num = BigInt(taxableMinor) * BigInt(rateBp);
  let q = num / BP_PER_UNIT;
  if (num % BP_PER_UNIT !== 0n && num < 0n) q -= 1n;
  return Number(q);
}

export interface QuantityLine {
  sku: string;
  quantity: number;
}

export interface SessionForReceipt {
  sessionId: string;
  customerId: string;
  openedAt: number;
}

export class UnknownSkuError extends Error {
  constructor(readonly sku: string) {
    super(`sku '${sku}' is not in the catalog`);
  }
}

function rateOf(layout: StoreLayout, taxClass: TaxClass): number {
  const r = layout.taxRates.find((t) => t.taxClass === taxClass);
  // storeLayoutProblems rejects a layout whose products lack a rate; this is a bug guard.
  if (r === undefined) throw new Error(`no tax rate for class '${taxClass}'`);
  return r.rateBp;
}

/** Tax lines for per-class taxable sums, in the layout's tax-rate order. */
export function taxLines(layout: StoreLayout, taxableByClass: ReadonlyMap<TaxClass, number>): TaxLine[] {
  const out: TaxLine[] = [];
  for (const r of layout.taxRates) {
    const taxable = taxableByClass.get(r.taxClass);
    if (taxable === undefined) continue;
    out.push({ taxClass: r.taxClass, rateBp: r.rateBp, taxableMinor: taxable, taxMinor: taxFloor(taxable, r.rateBp) });
  }
  return out;
}

/**
 * Builds a receipt from cart quantities. Lines with quantity 0 are left out; lines
 * are sorted by sku so the same cart always gives the same receipt.
 * Throws UnknownSkuError for a sku missing from the catalog.
 */
export function buildReceipt(
  layout: StoreLayout,
  storeId: string,
  session: SessionForReceipt,
  cart: readonly QuantityLine[],
  closedAt: number,
): Receipt {
  const products = new Map(layout.products.map((p) => [p.sku, p]));
  const lines: ReceiptLine[] = [];
  for (const l of [...cart].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))) {
    if (l.quantity <= 0) continue;
    const p = products.get(l.sku);
    if (p === undefined) throw new UnknownSkuError(l.sku);
    lines.push({ sku: p.sku, name: p.name, quantity: l.quantity, unitPriceMinor: p.priceMinor, taxClass: p.taxClass, lineTotalMinor: l.quantity * p.priceMinor });
  }
  const taxable = new Map<TaxClass, number>();
  for (const l of lines) taxable.set(l.taxClass, (taxable.get(l.taxClass) ?? 0) + l.lineTotalMinor);
  const taxes = taxLines(layout, taxable);
  const subtotalMinor = lines.reduce((s, l) => s + l.lineTotalMinor, 0);
  const taxMinor = taxes.reduce((s, t) => s + t.taxMinor, 0);
  return {
    receiptId: `r-${session.sessionId}`,
    sessionId: session.sessionId,
    storeId,
    customerId: session.customerId,
    currency: layout.currency,
    lines,
    taxes,
    subtotalMinor,
    taxMinor,
    totalMinor: subtotalMinor + taxMinor,
    openedAt: session.openedAt,
    closedAt,
  };
}

/**
 * An adjustment to a charged receipt. Its total is what the invoice total moves by:
 * the line delta plus (tax on the new per-rate sum) minus (tax already charged), so
 * the receipt and its adjustments together still round once per rate.
 * `prior` are earlier adjustments of the same receipt.
 */
export function buildAdjustment(
  layout: StoreLayout,
  receipt: Receipt,
  prior: readonly Adjustment[],
  deltas: readonly QuantityLine[],
  meta: { adjustmentId: string; reason: string; createdAt: number },
): Adjustment {
  const products = new Map(layout.products.map((p) => [p.sku, p]));
  // A SKU on the receipt moves at the price it was charged, even if the catalog
  // changed since; only a SKU the receipt missed takes today's price.
  const charged = new Map(receipt.lines.map((l) => [l.sku, { sku: l.sku, priceMinor: l.unitPriceMinor, taxClass: l.taxClass }]));
  const lines: Adjustment['lines'] = [];
  for (const d of deltas) {
    if (d.quantity === 0) continue;
    const p = charged.get(d.sku) ?? products.get(d.sku);
    if (p === undefined) throw new UnknownSkuError(d.sku);
    lines.push({ sku: p.sku, quantityDelta: d.quantity, unitPriceMinor: p.priceMinor, taxClass: p.taxClass });
  }
  const before = new Map<TaxClass, number>();
  for (const l of receipt.lines) before.set(l.taxClass, (before.get(l.taxClass) ?? 0) + l.lineTotalMinor);
  for (const a of prior) {
    for (const l of a.lines) before.set(l.taxClass, (before.get(l.taxClass) ?? 0) + l.quantityDelta * l.unitPriceMinor);
  }
  const change = new Map<TaxClass, number>();
  for (const l of lines) change.set(l.taxClass, (change.get(l.taxClass) ?? 0) + l.quantityDelta * l.unitPriceMinor);
  let totalMinor = 0;
  for (const [cls, delta] of change) {
    const rate = rateOf(layout, cls);
    const old = before.get(cls) ?? 0;
    totalMinor += delta + taxFloor(old + delta, rate) - taxFloor(old, rate);
  }
  return {
    adjustmentId: meta.adjustmentId,
    receiptId: receipt.receiptId,
    sessionId: receipt.sessionId,
    storeId: receipt.storeId,
    currency: receipt.currency,
    lines,
    totalMinor,
    reason: meta.reason.slice(0, 200),
    createdAt: meta.createdAt,
  };
}
