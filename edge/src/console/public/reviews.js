// The review queue. Cards are keyed by review id and built once, so a live
// update elsewhere never wipes a form the operator is filling in.
import { el, svg, shortId, clockTime } from './util.js';

const TRACE_W = 240;
const TRACE_H = 36;
const TRACE_COLOURS = ['#0f766e', '#b45309', '#7c3aed', '#be123c'];

/** The evidence weight trace as a tiny chart, one line per plate: the step is the event. */
export function traceChart(trace) {
  if (!trace || trace.length < 2) return null;
  const t0 = Math.min(...trace.map((p) => p.ts));
  const t1 = Math.max(...trace.map((p) => p.ts));
  const g0 = Math.min(...trace.map((p) => p.grams));
  const g1 = Math.max(...trace.map((p) => p.grams));
  const x = (ts) => (t1 > t0 ? ((ts - t0) / (t1 - t0)) * (TRACE_W - 4) + 2 : TRACE_W / 2);
  const y = (g) => (g1 > g0 ? TRACE_H - 3 - ((g - g0) / (g1 - g0)) * (TRACE_H - 6) : TRACE_H / 2);
  const byPlate = new Map();
  for (const p of trace) byPlate.set(p.plateId, [...(byPlate.get(p.plateId) ?? []), p]);
  const chart = svg('svg', { class: 'trace', viewBox: `0 0 ${TRACE_W} ${TRACE_H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'weight trace' },
    svg('title', { text: `weight ${Math.round(g0)}–${Math.round(g1)} g over ${((t1 - t0) / 1000).toFixed(1)} s` }));
  [...byPlate.entries()].forEach(([plateId, points], i) => {
    const sorted = points.sort((a, b) => a.ts - b.ts);
    chart.append(svg('polyline', { 'data-trace-plate': plateId, fill: 'none', stroke: TRACE_COLOURS[i % TRACE_COLOURS.length], 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke',
      points: sorted.map((p) => `${x(p.ts).toFixed(1)},${y(p.grams).toFixed(1)}`).join(' ') }));
  });
  return chart;
}

const OPERATOR_KEY = 'tebura.console.operator';

export class ReviewQueue {
  /** onResolve(reviewId, resolution) -> Promise<review item>; throws with .code on refusal. */
  constructor(root, onResolve, onChange = () => {}) {
    this.root = root;
    this.onResolve = onResolve;
    this.onChange = onChange;
    this.cards = new Map();
    this.operator = el('input', { id: 'operator', value: localStorage.getItem(OPERATOR_KEY) || 'operator', maxlength: 64, 'aria-label': 'resolved by' });
    this.operator.addEventListener('change', () => localStorage.setItem(OPERATOR_KEY, this.operator.value));
    this.list = el('div', {});
    root.replaceChildren(el('div', { class: 'operator' }, 'Resolving as', this.operator), this.list);
    this.ctx = null;
  }

  get openCount() {
    return [...this.cards.values()].filter((c) => c.item.status === 'open').length;
  }

  setAll(items, ctx) {
    this.ctx = ctx;
    for (const c of this.cards.values()) c.node.remove();
    this.cards.clear();
    for (const item of items) this.upsert(item);
    this.renderEmpty();
  }

  /** A review event: new item, or a status change (resolved here or elsewhere). */
  upsert(item) {
    const old = this.cards.get(item.reviewId);
    if (old && old.item.status === item.status) return;
    if (item.status === 'resolved') {
      // Resolved items leave the queue after a moment, so the operator sees it happen.
      if (old) {
        old.item = item;
        old.node.classList.add('resolved');
        old.node.querySelectorAll('button, select, input').forEach((b) => { b.disabled = true; });
        this.onChange(this.openCount);
        setTimeout(() => { old.node.remove(); this.cards.delete(item.reviewId); this.renderEmpty(); }, 1500);
      }
      return;
    }
    const node = this.card(item);
    if (old) old.node.replaceWith(node);
    else this.list.append(node);
    this.cards.set(item.reviewId, { item, node });
    this.renderEmpty();
  }

  renderEmpty() {
    this.list.querySelector('.empty')?.remove();
    if (this.cards.size === 0) this.list.append(el('div', { class: 'empty', text: 'Nothing to review.' }));
    this.onChange(this.openCount);
  }

  card(item) {
    const c = item.candidate;
    const products = this.ctx?.products ?? new Map();
    const nameOf = (sku) => products.get(sku)?.name ?? sku;
    const shopper = el('select', { name: 'session', 'aria-label': 'shopper' },
      ...c.shopperCandidates.map((s) => el('option', { value: s.sessionId, text: `${shortId(s.sessionId)} (${Math.round(s.probability * 100)}%)` })),
      ...(this.ctx?.sessions ?? []).filter((id) => !c.shopperCandidates.some((s) => s.sessionId === id)).map((id) => el('option', { value: id, text: shortId(id) })),
      el('option', { value: '', text: 'nobody' }));
    const sku = el('select', { name: 'sku', 'aria-label': 'item' },
      ...c.skuCandidates.map((s) => el('option', { value: s.sku, 'data-qty': s.quantity, text: `${nameOf(s.sku)} ×${s.quantity} (${Math.round(s.probability * 100)}%)` })),
      ...[...products.values()].filter((p) => !c.skuCandidates.some((s) => s.sku === p.sku)).map((p) => el('option', { value: p.sku, 'data-qty': 1, text: p.name })));
    // Weight went down: the shopper took items (+); up: put back (−).
    const sign = c.deltaG > 0 ? -1 : 1;
    const qty = el('input', { name: 'qty', type: 'number', step: 1, min: -999, max: 999, value: sign * (c.skuCandidates[0]?.quantity ?? 1), 'aria-label': 'quantity' });
    sku.addEventListener('change', () => { qty.value = String(sign * Number(sku.selectedOptions[0]?.dataset.qty ?? 1)); });
    const error = el('div', { class: 'error', role: 'alert' });
    const submit = async (nothing) => {
      const q = Number(qty.value);
      if (!nothing && (!Number.isInteger(q) || q === 0)) { error.textContent = 'Quantity must be a whole number other than 0.'; return; }
      const resolution = {
        sessionId: shopper.value || null,
        lines: nothing || !sku.value ? [] : [{ sku: sku.value, quantityDelta: q }],
        resolvedBy: this.operator.value.trim() || 'operator',
      };
      form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      error.textContent = '';
      try {
        this.upsert((await this.onResolve(item.reviewId, resolution)).review);
      } catch (e) {
        error.textContent = `${e.code ?? 'error'}: ${e.message}`;
        form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      }
    };
    const form = el('form', { onsubmit: (ev) => { ev.preventDefault(); void submit(false); } },
      el('label', { text: 'shopper' }), shopper,
      el('label', { text: 'item' }), sku,
      el('label', { text: 'qty' }), el('div', { class: 'qty-row' }, qty, el('span', { class: 'muted', text: '+ taken / − returned' })),
      error,
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'nothing', onclick: () => void submit(true), text: 'Nothing taken' }),
        el('button', { type: 'submit', class: 'primary resolve', text: 'Resolve' })));
    return el('div', { class: 'card review', 'data-review': item.reviewId },
      el('div', { class: 'card-head' }, el('span', { class: 'reason', text: c.reason.replace(/_/g, ' ') }), el('span', { class: 'muted', text: clockTime(item.createdAt) })),
      el('div', { class: 'meta', text: `${c.deltaG > 0 ? '+' : ''}${Math.round(c.deltaG)} g on ${c.plateIds.join(', ')} · ${item.reviewId}` }),
      traceChart(c.evidence?.weightTrace),
      form);
  }
}
