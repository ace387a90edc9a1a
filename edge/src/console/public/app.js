// Entry point of the console page: load the state over REST, then follow
// /api/events. On every (re)connect the server says "hello" and we reload,
// because events sent while we were away are not replayed.
import { el, getJson, postJson, clockTime, shortId } from './util.js';
import { FloorMap } from './map.js';
import { renderCarts, renderReceipts, renderDevices, renderCounters } from './panels.js';
import { ReviewQueue } from './reviews.js';

const RECEIPTS_SHOWN_MAX = 20;
const GATE_LOG_MAX = 5;
// Stats and device rates are not pushed as events; poll them gently.
const POLL_MS = 5000;

const $ = (id) => document.getElementById(id);
const state = { store: null, ctx: null, carts: new Map(), receipts: [], devices: new Map(), gateLog: [] };
const map = new FloorMap($('floor'));
const reviews = new ReviewQueue(
  $('reviews'),
  (id, resolution) => postJson(`/api/reviews/${encodeURIComponent(id)}/resolve`, resolution),
  (open) => { $('reviews-count').textContent = String(open); },
);

function context() {
  const s = state.store;
  return {
    currency: s.currency,
    taxRates: s.taxRates,
    products: new Map(s.products.map((p) => [p.sku, p])),
    sessions: [...state.carts.keys()],
  };
}

function showCarts() {
  state.ctx = context();
  renderCarts($('carts'), state.carts.values(), state.ctx);
  $('carts-count').textContent = String(state.carts.size);
}
function showReceipts() { renderReceipts($('receipts'), state.receipts); }
function showDevices() {
  renderDevices($('devices'), state.devices.values(), Date.now());
  const offline = [...state.devices.values()].filter((d) => d.state === 'offline').length;
  $('devices-count').textContent = offline ? `${offline} offline / ${state.devices.size}` : String(state.devices.size);
}
function showPeople(people) {
  map.setPeople(people);
  const unbound = people.filter((p) => !p.sessionId).length;
  $('people-count').textContent = `${people.length} ${people.length === 1 ? 'person' : 'people'}${unbound ? ` · ${unbound} unidentified` : ''}`;
}
function showGateLog() {
  $('gate-log').replaceChildren(...state.gateLog.map((g) =>
    el('span', {}, `${clockTime(g.ts)} ${g.gateId} `, el('span', { class: g.decision, text: g.decision }), ` ${g.reason}   `)));
}

function taxNote(store) {
  const rates = store.taxRates.map((r) => `${r.rateBp / 100}% ${r.taxClass}`).join(', ');
  return `Prices exclude tax. Tax (${rates}) is computed per receipt at exit; cart tax is an estimate.`;
}

async function loadAll() {
  const [store, carts, receipts, open, devices, people, plates] = await Promise.all([
    getJson('/api/store'), getJson('/api/carts'), getJson(`/api/receipts?limit=${RECEIPTS_SHOWN_MAX}`),
    getJson('/api/reviews?status=open'), getJson('/api/devices'), getJson('/api/people'), getJson('/api/plates'),
  ]);
  if (state.store?.id !== store.id || JSON.stringify(state.store) !== JSON.stringify(store)) {
    state.store = store;
    map.setStore(store);
    $('store-name').textContent = store.name;
    $('store-id').textContent = store.id;
    $('tax-note').textContent = taxNote(store);
    document.title = `${store.name} · Tebura console`;
  }
  state.carts = new Map(carts.carts.map((c) => [c.sessionId, c]));
  state.receipts = receipts.receipts.slice(0, RECEIPTS_SHOWN_MAX);
  state.devices = new Map(devices.devices.map((d) => [d.deviceId, d]));
  showCarts();
  showReceipts();
  showDevices();
  reviews.setAll(open.reviews, state.ctx);
  showPeople(people.people);
  map.setPlates(plates.grams);
  await pollStats();
}

async function pollStats() {
  try {
    renderCounters($('counters'), (await getJson('/api/stats')).stats);
  } catch (e) {
    console.warn('stats', e);
  }
}

const handlers = {
  people: (e) => showPeople(e.people),
  plates: (e) => map.setPlates(e.grams),
  cart: (e) => { state.carts.set(e.cart.sessionId, e.cart); showCarts(); },
  session_closed: (e) => {
    state.carts.delete(e.sessionId);
    state.receipts = [e.receipt, ...state.receipts.filter((r) => r.receiptId !== e.receipt.receiptId)].slice(0, RECEIPTS_SHOWN_MAX);
    showCarts();
    showReceipts();
  },
  review: (e) => { reviews.ctx = state.ctx; reviews.upsert(e.item); },
  gate: (e) => {
    state.gateLog = [e, ...state.gateLog].slice(0, GATE_LOG_MAX);
    map.flashGate(e.gateId);
    showGateLog();
  },
  device: (e) => { state.devices.set(e.device.deviceId, e.device); showDevices(); },
};

function connect() {
  const es = new EventSource('/api/events');
  const setConn = (on, text) => {
    $('conn-dot').className = `dot ${on ? 'dot-on' : 'dot-off'}`;
    $('conn-text').textContent = text;
  };
  es.addEventListener('hello', () => {
    setConn(true, 'live');
    loadAll().catch((e) => { console.error(e); setConn(false, 'load failed'); });
  });
  for (const [type, handle] of Object.entries(handlers)) {
    es.addEventListener(type, (m) => {
      try {
        handle(JSON.parse(m.data));
      } catch (e) {
        console.error(`bad ${type} event`, e);
      }
    });
  }
  // EventSource reconnects by itself (retry: from the server); just say so.
  es.onerror = () => setConn(false, es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…');
}

setInterval(() => {
  void pollStats();
  getJson('/api/devices').then((d) => { state.devices = new Map(d.devices.map((x) => [x.deviceId, x])); showDevices(); }).catch((e) => console.warn('devices', e));
}, POLL_MS);
connect();
window.teburaConsole = { state, shortId };
