/**
 * REST routes through app.inject(). The source is a fake (testing/fake-source.ts):
 * the real ConsoleSource is the edge node, another engineer's part, and the
 * console must only rely on the interface.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildConsoleApp } from './app.js';
import { FakeConsoleSource, sampleReview } from './testing/fake-source.js';
import { RECEIPTS_LIMIT_DEFAULT, RECEIPTS_LIMIT_MAX } from './schemas.js';
import type { Receipt } from '@tebura/contract';

let source: FakeConsoleSource;
let app: FastifyInstance;

beforeEach(async () => {
  source = new FakeConsoleSource('store-api');
  app = await buildConsoleApp(source);
});
afterEach(async () => {
  await app.close();
});

function receipt(i: number): Receipt {
  return {
    receiptId: `r${i}`, sessionId: `s${i}`, storeId: 'store-api', customerId: 'c1', currency: 'JPY',
    lines: [{ sku: 'onigiri-salmon', name: 'Onigiri salmon', quantity: 1, unitPriceMinor: 160, taxClass: 'food', lineTotalMinor: 160 }],
    taxes: [{ taxClass: 'food', rateBp: 800, taxableMinor: 160, taxMinor: 12 }],
    subtotalMinor: 160, taxMinor: 12, totalMinor: 172, openedAt: 0, closedAt: 1,
  };
}


describe('read routes', () => {
  it('GET /healthz answers ok with the store id', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', storeId: 'store-api', sseClients: 0 });
  });

  it('GET /api/store summarises the layout with full plate weights from the planogram', async () => {
    const res = await app.inject('/api/store');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.id).toBe('store-api');
    expect(body.gondolas).toHaveLength(3);
    const plate = body.gondolas[0].shelves[0].plates[0];
    // p100 holds onigiri-salmon: stock 8 x 110 g.
    expect(plate).toMatchObject({ id: 'p100', sku: 'onigiri-salmon', fullG: 880 });
    expect(body.gates.map((g: { kind: string }) => g.kind).sort()).toEqual(['entry', 'exit']);
    // Device noise profiles stay inside the node.
    expect(JSON.stringify(body)).not.toContain('noiseSigmaG');
  });

  it('GET /api/carts, /api/devices, /api/people, /api/plates return what the source holds', async () => {
    source.cartMap.set('s-1', { sessionId: 's-1', customerId: 'c', guests: 0, openedAt: 5, lines: [], pendingReviews: 0 });
    source.deviceList = [{ deviceId: 'cam-1', kind: 'camera', state: 'online', lastSeen: 1, msgsPerS: 10, gaps: 0, restarts: 0 }];
    source.peopleList = [{ trackId: 't1', sessionId: null, x: 1, y: 2 }];
    source.grams = { p100: 1234 };
    expect((await app.inject('/api/carts')).json()).toEqual({ carts: [source.cartMap.get('s-1')] });
    expect((await app.inject('/api/devices')).json()).toEqual({ devices: source.deviceList });
    expect((await app.inject('/api/people')).json()).toEqual({ people: source.peopleList });
    expect((await app.inject('/api/plates')).json()).toEqual({ grams: { p100: 1234 } });
  });

  it('GET /api/stats merges the node stats with the console counters', async () => {
    source.statsRecord = { sessions_open: 2 };
    await app.inject('/nope');
    const stats = (await app.inject('/api/stats')).json().stats;
    expect(stats.sessions_open).toBe(2);
    expect(stats['console.http_errors.E_NOT_FOUND']).toBe(1);
  });
});

describe('GET /api/receipts', () => {
  beforeEach(() => {
    source.receiptList = Array.from({ length: 80 }, (_, i) => receipt(i));
  });

  it('uses the default limit and passes an explicit one through', async () => {
    expect((await app.inject('/api/receipts')).json().receipts).toHaveLength(RECEIPTS_LIMIT_DEFAULT);
    expect((await app.inject('/api/receipts?limit=3')).json().receipts.map((r: Receipt) => r.receiptId)).toEqual(['r0', 'r1', 'r2']);
    expect(source.receiptLimits).toEqual([RECEIPTS_LIMIT_DEFAULT, 3]);
  });

  it.each(['0', '-1', 'abc', String(RECEIPTS_LIMIT_MAX + 1), '2.5'])('rejects limit=%s with 400 E_SCHEMA', async (limit) => {
    const res = await app.inject(`/api/receipts?limit=${limit}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'E_SCHEMA', kind: 'validation' });
    expect(res.json().details[0].path).toBe('/querystring/limit');
    expect(source.receiptLimits).toEqual([]);
  });
});

describe('GET /api/reviews', () => {
  beforeEach(() => {
    source.reviewMap.set('rv-1', sampleReview('rv-1', ['s-1']));
    source.reviewMap.set('rv-2', { ...sampleReview('rv-2', ['s-1']), status: 'resolved' });
  });

  it('defaults to open and filters by status', async () => {
    const ids = async (q: string) => (await app.inject(`/api/reviews${q}`)).json().reviews.map((r: { reviewId: string }) => r.reviewId);
    expect(await ids('')).toEqual(['rv-1']);
    expect(await ids('?status=resolved')).toEqual(['rv-2']);
    expect(await ids('?status=all')).toEqual(['rv-1', 'rv-2']);
    expect(source.reviewFilters).toEqual(['open', 'resolved', 'all']);
  });

  it('rejects an unknown status', async () => {
    const res = await app.inject('/api/reviews?status=pending');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_SCHEMA');
  });
});
