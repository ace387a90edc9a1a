/**
 * A fake ConsoleSource for the console's tests and demo. The real one is the
 * edge node, which another part of the project builds; the console only needs
 * the interface, so its tests drive this fake and record what the console asks.
 */
import { TeburaError, ErrorCodes, type Receipt, type StoreLayout } from '@tebura/contract';
import type { CartView, ConsoleSource, DeviceView, LiveEvent, PersonView, ReviewItemView, ReviewResolution } from '../source.js';

export function demoLayout(storeId = 'demo-store'): StoreLayout {
  const products = [
    { sku: 'onigiri-salmon', name: 'Onigiri salmon', g: 110, price: 160, tax: 'food' as const },
    { sku: 'green-tea-500', name: 'Green tea 500 ml', g: 530, price: 140, tax: 'food' as const },
    { sku: 'sando-egg', name: 'Egg sandwich', g: 150, price: 280, tax: 'food' as const },
    { sku: 'choco-bar', name: 'Chocolate bar', g: 55, price: 120, tax: 'food' as const },
    { sku: 'umbrella', name: 'Clear umbrella', g: 350, price: 700, tax: 'standard' as const },
    { sku: 'batteries-aa', name: 'AA batteries x4', g: 100, price: 450, tax: 'standard' as const },
  ];
  const gondolas = [0, 1, 2].map((gi) => ({
    id: `g${gi + 1}`,
    x: 2 + gi * 3,
    y: 3,
    widthM: 2,
    depthM: 0.6,
    shelves: [0, 1].map((level) => ({
      id: `g${gi + 1}-s${level}`,
      level,
      loadCell: { deviceId: `shelf-g${gi + 1}-${level}`, sampleRateHz: 60, noiseSigmaG: 2, driftGPerMin: 0.1, samplesPerMsg: 6 },
      plates: [0, 1, 2, 3].map((pi) => ({ id: `p${gi + 1}${level}${pi}`, x: 2.25 + gi * 3 + pi * 0.5, y: 3.3, widthM: 0.5, capacityG: 8000 })),
    })),
  }));
  const plateIds = gondolas.flatMap((g) => g.shelves.flatMap((s) => s.plates.map((p) => p.id)));
  return {
    id: storeId,
    name: 'Tebura Demo Shinjuku',
    currency: 'JPY',
    taxRates: [
      { taxClass: 'food', rateBp: 800 },
      { taxClass: 'standard', rateBp: 1000 },
    ],
    floor: { widthM: 10, depthM: 7 },
    reachM: 1,
    products: products.map((p) => ({ sku: p.sku, name: p.name, unitWeightG: { mean: p.g, sigma: 2 }, priceMinor: p.price, taxClass: p.tax })),
    gondolas,
    planogram: plateIds.map((id, i) => ({ sku: (products[i % products.length] as (typeof products)[number]).sku, plateIds: [id], facings: 2, stock: 8 })),
    cameras: [
      { id: 'cam-1', kind: 'overhead', x: 2.5, y: 1.8, coverageRadiusM: 3, fps: 10, positionNoiseM: 0.1, missRate: 0.02, idSwitchRate: 0.01 },
      { id: 'cam-2', kind: 'overhead', x: 7.5, y: 1.8, coverageRadiusM: 3, fps: 10, positionNoiseM: 0.1, missRate: 0.02, idSwitchRate: 0.01 },
      { id: 'cam-3', kind: 'overhead', x: 5, y: 5.2, coverageRadiusM: 3, fps: 10, positionNoiseM: 0.1, missRate: 0.02, idSwitchRate: 0.01 },
    ],
    gates: [
      { id: 'gate-in', kind: 'entry', x: 1, y: 0.2, methods: ['face', 'palm', 'app'] },
      { id: 'gate-out', kind: 'exit', x: 9, y: 0.2, methods: [] },
    ],
  };
}

export class FakeConsoleSource implements ConsoleSource {
  readonly storeId: string;
  layoutDoc: StoreLayout;
  cartMap = new Map<string, CartView>();
  receiptList: Receipt[] = [];
  reviewMap = new Map<string, ReviewItemView>();
  deviceList: DeviceView[] = [];
  peopleList: PersonView[] = [];
  grams: Record<string, number> = {};
  statsRecord: Record<string, number> = {};
  /** Every resolveReview call the console made, in order. */
  readonly resolveCalls: { reviewId: string; resolution: ReviewResolution }[] = [];
  /** Every limit / status the console asked for. */
  readonly receiptLimits: number[] = [];
  readonly reviewFilters: string[] = [];
  readonly listeners = new Set<(e: LiveEvent) => void>();
  /** Set to make a read throw a plain Error, to test the 5xx path. */
  failWith: Error | null = null;

  constructor(storeId = 'demo-store') {
    this.storeId = storeId;
    this.layoutDoc = demoLayout(storeId);
  }

  layout(): StoreLayout {
    return this.layoutDoc;
  }
  carts(): CartView[] {
    if (this.failWith) throw this.failWith;
    return [...this.cartMap.values()];
  }
  receipts(limit: number): Receipt[] {
    this.receiptLimits.push(limit);
    return this.receiptList.slice(0, limit);
  }
  reviews(status: 'open' | 'resolved' | 'all'): ReviewItemView[] {
    this.reviewFilters.push(status);
    return [...this.reviewMap.values()].filter((r) => status === 'all' || r.status === status);
  }
  resolveReview(reviewId: string, resolution: ReviewResolution): ReviewItemView {
    this.resolveCalls.push({ reviewId, resolution });
    const item = this.reviewMap.get(reviewId);
    if (!item) throw new TeburaError(ErrorCodes.NOT_FOUND, 'not_found', `no review '${reviewId}'`);
    if (item.status === 'resolved') throw new TeburaError('E_REVIEW_CLOSED', 'conflict', `review '${reviewId}' is already resolved`);
    const done: ReviewItemView = { ...item, status: 'resolved', resolution };
    this.reviewMap.set(reviewId, done);
    this.emit({ type: 'review', item: done });
    return done;
  }
  devices(): DeviceView[] {
    return this.deviceList;
  }
  people(): PersonView[] {
    return this.peopleList;
  }
  plateWeights(): Record<string, number> {
    return this.grams;
  }
  stats(): Record<string, number> {
    return this.statsRecord;
  }
  subscribe(listener: (e: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: LiveEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Adds or replaces a cart and announces it, as the node would. */
  putCart(cart: CartView): void {
    this.cartMap.set(cart.sessionId, cart);
    this.emit({ type: 'cart', cart });
  }

  putReview(item: ReviewItemView): void {
    this.reviewMap.set(item.reviewId, item);
    this.emit({ type: 'review', item });
  }
}

export function sampleReview(reviewId: string, sessionIds: string[], createdAt = 0): ReviewItemView {
  return {
    reviewId,
    status: 'open',
    sessionId: sessionIds[0] ?? null,
    createdAt,
    candidate: {
      eventId: `ev-${reviewId}`,
      reason: 'AMBIGUOUS_SHOPPER',
      plateIds: ['p101'],
      deltaG: -108,
      window: { startTs: createdAt - 1500, endTs: createdAt },
      skuCandidates: [
        { sku: 'onigiri-salmon', quantity: 1, probability: 0.82 },
        { sku: 'choco-bar', quantity: 2, probability: 0.12 },
      ],
      shopperCandidates: sessionIds.map((sessionId, i) => ({ sessionId, probability: i === 0 ? 0.55 : 0.45 / Math.max(1, sessionIds.length - 1) })),
      // A settled plate, the pick, a settled plate again: what a reviewer looks at.
      evidence: {
        weightTrace: Array.from({ length: 30 }, (_, i) => ({ plateId: 'p101', ts: createdAt - 1500 + i * 50, grams: 1280 - (i < 12 ? 0 : i < 16 ? (i - 11) * 27 : 108) + ((i * 7) % 5) })),
        tracks: [],
      },
    },
  };
}
