// Side panels: carts, receipts, devices. Plain DOM, re-rendered on change;
// these lists are small (a store holds tens of shoppers, not thousands).
import { el, money, clockTime, shortId, sessionColour, estimateTax } from './util.js';

function linesTable(lines, currency) {
  return el('table', { class: 'lines' }, ...lines.map((l) =>
    el('tr', {},
      el('td', { class: 'qty', text: `${l.quantity} ×` }),
      el('td', { text: l.name }),
      el('td', { class: 'num muted', text: money(l.unitPriceMinor, currency) }),
      el('td', { class: 'num', text: money(l.quantity * l.unitPriceMinor, currency) }))));
}

export function renderCarts(root, carts, ctx) {
  const list = [...carts].sort((a, b) => a.openedAt - b.openedAt);
  if (list.length === 0) {
    root.replaceChildren(el('div', { class: 'empty', text: 'No shoppers in the store.' }));
    return;
  }
  root.replaceChildren(...list.map((c) => {
    const subtotal = c.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
    const tax = estimateTax(c.lines, ctx.products, ctx.taxRates);
    const items = c.lines.reduce((s, l) => s + l.quantity, 0);
    const table = linesTable(c.lines, ctx.currency);
    const row = (rowClass, amountClass, label, amount) =>
      el('tr', { class: rowClass }, el('td'), el('td', { text: label }), el('td'), el('td', { class: `num ${amountClass}`, text: money(amount, ctx.currency) }));
    table.append(
      row('total', 'cart-subtotal', 'Subtotal (excl. tax)', subtotal),
      row('sub', 'cart-tax', 'est. tax', tax),
      row('sub', 'cart-total', 'est. total incl. tax', subtotal + tax));
    return el('div', { class: 'card cart', 'data-session': c.sessionId },
      el('div', { class: 'card-head' },
        el('span', {}, el('span', { class: 'chip', style: `background:${sessionColour(c.sessionId)}` }), el('span', { class: 'sid', text: shortId(c.sessionId), title: c.sessionId })),
        el('span', { class: 'muted', text: `${c.customerId}${c.guests ? ` +${c.guests}` : ''} · ${items} item${items === 1 ? '' : 's'} · in ${clockTime(c.openedAt)}` })),
      c.lines.length ? table : el('div', { class: 'empty', text: 'Nothing taken yet.' }),
      c.pendingReviews ? el('div', { class: 'pending', text: `${c.pendingReviews} event(s) awaiting review` }) : null);
  }));
}

export function renderReceipts(root, receipts) {
  if (receipts.length === 0) {
    root.replaceChildren(el('div', { class: 'empty', text: 'No receipts yet.' }));
    return;
  }
  root.replaceChildren(...receipts.map((r) => {
    const taxes = r.taxes.map((t) => `${t.rateBp / 100}% ${money(t.taxMinor, r.currency)}`).join(', ');
    const body = linesTable(r.lines, r.currency);
    body.append(
      el('tr', { class: 'sub' }, el('td'), el('td', { text: `subtotal · tax ${taxes || '—'}` }), el('td'), el('td', { class: 'num', text: money(r.subtotalMinor, r.currency) })));
    return el('div', { class: 'card receipt', 'data-receipt': r.receiptId },
      el('details', {},
        el('summary', {}, el('div', { class: 'card-head' },
          el('span', {}, el('span', { class: 'chip', style: `background:${sessionColour(r.sessionId)}` }), el('span', { class: 'sid', text: shortId(r.sessionId), title: r.receiptId })),
          el('span', { class: 'muted', text: `${clockTime(r.closedAt)} · ${r.lines.length} line${r.lines.length === 1 ? '' : 's'}` }),
          el('span', { class: 'total', text: money(r.totalMinor, r.currency) }))),
        body));
  }));
}

export function renderDevices(root, devices, nowMs) {
  const list = [...devices].sort((a, b) => (a.state === b.state ? a.deviceId.localeCompare(b.deviceId) : a.state === 'offline' ? -1 : b.state === 'offline' ? 1 : 0));
  if (list.length === 0) {
    root.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'empty', text: 'No devices reported yet.' })));
    return;
  }
  root.replaceChildren(...list.map((d) =>
    el('tr', { 'data-device': d.deviceId },
      el('td', { text: d.deviceId }),
      el('td', { class: 'muted', text: d.kind }),
      el('td', {}, el('span', { class: `state state-${d.state}`, text: d.state })),
      el('td', { class: 'num', text: d.msgsPerS.toFixed(1) }),
      el('td', { class: `num${d.gaps > 0 ? ' gaps-bad' : ''}`, text: String(d.gaps) }),
      el('td', { class: 'num', text: String(d.restarts) }),
      el('td', { class: 'muted', text: d.lastSeen === null ? '—' : `${Math.max(0, Math.round((nowMs - d.lastSeen) / 1000))} s ago` }))));
}

// The node's most telling numbers first (names from edge/src/node/stats.ts);
// any others follow until the bar is full. Console internals stay in the tooltip.
const PREFERRED_STATS = ['sessionsOpen', 'receipts', 'reviewItems', 'msgsPerS', 'eventToCartMs.p99', 'rejected', 'duplicates', 'outboxPending', 'gateDeny'];
const COUNTERS_SHOWN_MAX = 8;

function statLabel(key) {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[._]/g, ' ').toLowerCase();
}

export function renderCounters(root, stats) {
  const keys = Object.keys(stats).filter((k) => !k.startsWith('console.') && !k.endsWith('.count'));
  const ordered = [...PREFERRED_STATS.filter((k) => k in stats), ...keys.filter((k) => !PREFERRED_STATS.includes(k))];
  const shown = ordered.slice(0, COUNTERS_SHOWN_MAX);
  root.title = Object.entries(stats).map(([k, v]) => `${k}: ${v}`).join('\n');
  root.replaceChildren(...shown.map((k) => {
    const v = stats[k];
    return el('span', { 'data-stat': k }, statLabel(k), el('b', { text: Number.isInteger(v) ? String(v) : v.toFixed(1) }));
  }));
}
