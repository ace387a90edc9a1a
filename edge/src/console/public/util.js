// Small helpers shared by the console's scripts (no framework, no build step).

/** Creates an element: el('div', { class: 'x', text: 'hi' }, child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.className = v;
    // Through CSSOM, not the style attribute: the page's CSP forbids inline styles.
    else if (k === 'style') node.style.cssText = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

const formatters = new Map();
/** Integer minor units -> "¥1,234" (JPY has no minor unit; others divide by 10^digits). */
export function money(minor, currency = 'JPY') {
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 0;
  return f.format(minor / 10 ** digits);
}

export function clockTime(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

export function shortId(id) {
  if (!id) return '?';
  return id.length <= 8 ? id : id.slice(-6);
}

/** A stable colour per session, so a dot on the map matches its cart. */
export function sessionColour(sessionId) {
  if (!sessionId) return '#9ca3af';
  let h = 0;
  for (let i = 0; i < sessionId.length; i++) h = (h * 31 + sessionId.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 42%)`;
}

/**
 * Tax on a cart, as the receipt will compute it: per tax class, on the class
 * subtotal, rounded down (the usual Japanese invoice rule). Only an estimate:
 * the receipt made at exit is the truth.
 */
export function estimateTax(lines, products, taxRates) {
  const byClass = new Map();
  for (const l of lines) {
    const cls = products.get(l.sku)?.taxClass ?? 'standard';
    byClass.set(cls, (byClass.get(cls) ?? 0) + l.quantity * l.unitPriceMinor);
  }
  let tax = 0;
  for (const [cls, taxable] of byClass) {
    const rate = taxRates.find((r) => r.taxClass === cls)?.rateBp ?? 0;
    tax += Math.floor((taxable * rate) / 10000);
  }
  return tax;
}

export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

export async function postJson(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.message || `HTTP ${res.status}`);
    err.code = data.code;
    throw err;
  }
  return data;
}
