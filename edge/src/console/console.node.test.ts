/**
 * The console over the node's real ConsoleSource (SQLite in memory, fake
 * perception, no MQTT): checks the seam both sides agreed on in source.ts, so
 * a change on either side shows up here and not in a store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildConsoleApp } from './app.js';
import { nodeHarness } from '../testing/node-harness.js';
import { LiveHub, makeConsoleSource } from '../node/console-source.js';
import { sampleReview } from './testing/fake-source.js';

let h: ReturnType<typeof nodeHarness>;
let app: FastifyInstance;

beforeEach(async () => {
  h = nodeHarness();
  const source = makeConsoleSource({
    storeId: h.d.storeId,
    layout: h.d.layout,
    repo: h.repo,
    carts: h.carts,
    sessions: h.sessions,
    perception: () => h.perception,
    devices: () => [],
    stats: () => ({ sessionsOpen: h.repo.countSessions('open') }),
    hub: new LiveHub(() => undefined),
  });
  app = await buildConsoleApp(source);
});
afterEach(async () => {
  await app.close();
});

describe('console over the node', () => {
  it('shows a cart the node built from a shelf event', async () => {
    const sessionId = h.admit('tx1');
    h.delta('ev-1', sessionId, 'onigiri', 2);
    const carts = (await app.inject('/api/carts')).json().carts;
    expect(carts).toHaveLength(1);
    expect(carts[0]).toMatchObject({ sessionId, lines: [{ sku: 'onigiri', quantity: 2, unitPriceMinor: 148 }] });
    expect((await app.inject('/api/store')).json().gondolas[0].shelves[0].plates[0]).toMatchObject({ id: 'p1', sku: 'onigiri', fullG: 2200 });
    expect((await app.inject('/api/stats')).json().stats.sessionsOpen).toBe(1);
  });

  it('resolves a node review through POST, then answers 409 and 404 with the node codes', async () => {
    const sessionId = h.admit('tx2');
    const candidate = sampleReview('unused', [sessionId]).candidate;
    h.carts.review({ ...candidate, eventId: 'ev-r1', skuCandidates: [{ sku: 'tea', quantity: 1, probability: 0.7 }] });
    const open = (await app.inject('/api/reviews')).json().reviews;
    expect(open).toHaveLength(1);
    const reviewId = open[0].reviewId as string;
    const body = { sessionId, lines: [{ sku: 'tea', quantityDelta: 1 }], resolvedBy: 'mika' };
    const ok = await app.inject({ method: 'POST', url: `/api/reviews/${reviewId}/resolve`, payload: body });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().review).toMatchObject({ reviewId, status: 'resolved' });
    const cart = (await app.inject('/api/carts')).json().carts[0];
    expect(cart.lines).toEqual([expect.objectContaining({ sku: 'tea', quantity: 1 })]);
    const again = await app.inject({ method: 'POST', url: `/api/reviews/${reviewId}/resolve`, payload: body });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('E_REVIEW_CLOSED');
    const missing = await app.inject({ method: 'POST', url: '/api/reviews/rv-none/resolve', payload: body });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('E_NOT_FOUND');
  });
});
