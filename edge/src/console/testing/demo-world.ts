/**
 * Fills a FakeConsoleSource with a believable little store and moves it along:
 * for the demo script and the browser test's screenshot. Seeded Prng, injected
 * time (the caller passes `nowMs`), no timers of its own.
 */
import type { Prng, Receipt } from '@tebura/contract';
import type { CartView, PersonView } from '../source.js';
import { sampleReview, type FakeConsoleSource } from './fake-source.js';

interface Walker {
  person: PersonView;
  tx: number;
  ty: number;
}

export class DemoWorld {
  private readonly walkers: Walker[] = [];
  private lastEmitMs = 0;
  private nextEventMs = 0;
  private receiptSeq = 0;

  constructor(
    private readonly source: FakeConsoleSource,
    private readonly prng: Prng,
  ) {}

  seed(nowMs: number): void {
    const s = this.source;
    const layout = s.layout();
    s.deviceList = layout.gondolas.flatMap((g) =>
      g.shelves.map((sh, i) => ({ deviceId: sh.loadCell.deviceId, kind: 'loadcell', state: 'online' as const, lastSeen: nowMs - 100, msgsPerS: 10, gaps: i === 1 && g.id === 'g2' ? 3 : 0, restarts: 0 })),
    );
    s.deviceList.push(
      ...layout.cameras.map((c) => ({ deviceId: c.id, kind: 'camera', state: 'online' as const, lastSeen: nowMs - 80, msgsPerS: c.fps, gaps: 0, restarts: 0 })),
      { deviceId: 'gate-in', kind: 'gate', state: 'online', lastSeen: nowMs - 2000, msgsPerS: 0.2, gaps: 0, restarts: 1 },
      { deviceId: 'palm-1', kind: 'palm', state: 'offline', lastSeen: nowMs - 95_000, msgsPerS: 0, gaps: 0, restarts: 2 },
    );
    for (const e of layout.planogram) {
      const unit = layout.products.find((p) => p.sku === e.sku)?.unitWeightG.mean ?? 100;
      for (const id of e.plateIds) s.grams[id] = 400 + unit * this.prng.int(0, e.stock);
    }
    const sessions = ['s-7f3a21', 's-c04e9b', 's-19d2e0'];
    sessions.forEach((sessionId, i) => {
      s.cartMap.set(sessionId, this.cart(sessionId, `cust-${100 + i}`, nowMs - (i + 1) * 90_000, i));
      this.walkers.push({ person: { trackId: `t${i + 1}`, sessionId, x: 1 + i * 3, y: 1.5 + i }, tx: 5, ty: 2 });
    });
    this.walkers.push({ person: { trackId: 't9', sessionId: null, x: 8, y: 5.8 }, tx: 6, ty: 6 });
    s.peopleList = this.walkers.map((w) => w.person);
    s.reviewMap.set('rv-1001', sampleReview('rv-1001', [sessions[0] ?? 's', sessions[1] ?? 's'], nowMs - 30_000));
    const second = sampleReview('rv-1002', [sessions[2] ?? 's'], nowMs - 12_000);
    second.candidate.reason = 'AMBIGUOUS_SKU';
    second.candidate.deltaG = -530;
    second.candidate.skuCandidates = [
      { sku: 'green-tea-500', quantity: 1, probability: 0.61 },
      { sku: 'umbrella', quantity: 1, probability: 0.3 },
    ];
    s.reviewMap.set(second.reviewId, second);
    for (let i = 0; i < 3; i++) s.receiptList.push(this.receipt(`s-old${i}`, nowMs - (i + 2) * 240_000));
    // Names as the node reports them (edge/src/node/stats.ts).
    s.statsRecord = { messages: 81234, rejected: 2, duplicates: 17, sessionsOpen: 3, receipts: 38, reviewItems: 4, outboxPending: 0, msgsPerS: 183.4, 'eventToCartMs.count': 120, 'eventToCartMs.p99': 41 };
    this.nextEventMs = nowMs + 3000;
  }

  /** Moves people every call; emits snapshots and, now and then, a cart change. */
  tick(nowMs: number): void {
    for (const w of this.walkers) {
      const dx = w.tx - w.person.x;
      const dy = w.ty - w.person.y;
      const d = Math.hypot(dx, dy);
      if (d < 0.1) {
        w.tx = 0.6 + this.prng.next() * 8.8;
        w.ty = 0.8 + this.prng.next() * 5.6;
        continue;
      }
      const step = Math.min(d, 0.08);
      w.person = { ...w.person, x: w.person.x + (dx / d) * step, y: w.person.y + (dy / d) * step };
    }
    this.source.peopleList = this.walkers.map((w) => w.person);
    this.source.emit({ type: 'people', people: this.source.peopleList, ts: nowMs });
    if (nowMs - this.lastEmitMs >= 1000) {
      this.lastEmitMs = nowMs;
      this.source.emit({ type: 'plates', grams: { ...this.source.grams }, ts: nowMs });
    }
    if (nowMs >= this.nextEventMs) {
      this.nextEventMs = nowMs + 4000;
      const carts = [...this.source.cartMap.values()];
      const cart = carts[this.prng.int(0, carts.length - 1)];
      if (cart) this.source.putCart(this.cart(cart.sessionId, cart.customerId, cart.openedAt, this.prng.int(0, 5)));
      this.source.emit({ type: 'gate', gateId: 'gate-in', decision: this.prng.next() < 0.8 ? 'open' : 'deny', reason: 'face match', ts: nowMs });
    }
  }

  cart(sessionId: string, customerId: string, openedAt: number, n: number): CartView {
    const products = this.source.layout().products;
    const lines = products.slice(0, Math.min(n + 1, products.length)).map((p, i) => ({ sku: p.sku, name: p.name, quantity: 1 + ((i + n) % 3), unitPriceMinor: p.priceMinor }));
    return { sessionId, customerId, guests: n === 1 ? 1 : 0, openedAt, lines: n === 0 ? [] : lines, pendingReviews: n === 0 ? 1 : 0 };
  }

  receipt(sessionId: string, closedAt: number): Receipt {
    const products = this.source.layout().products.slice(0, 3);
    const lines = products.map((p, i) => ({ sku: p.sku, name: p.name, quantity: i + 1, unitPriceMinor: p.priceMinor, taxClass: p.taxClass, lineTotalMinor: (i + 1) * p.priceMinor }));
    const subtotal = lines.reduce((s, l) => s + l.lineTotalMinor, 0);
    const tax = Math.floor((subtotal * 800) / 10000);
    return {
      receiptId: `r-${++this.receiptSeq}-${sessionId}`,
      sessionId,
      storeId: this.source.storeId,
      customerId: 'cust-9',
      currency: 'JPY',
      lines,
      taxes: [{ taxClass: 'food', rateBp: 800, taxableMinor: subtotal, taxMinor: tax }],
      subtotalMinor: subtotal,
      taxMinor: tax,
      totalMinor: subtotal + tax,
      openedAt: closedAt - 300_000,
      closedAt,
    };
  }
}
