/** POST /api/reviews/:id/resolve through app.inject(), against a fake source (the node is another part). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildConsoleApp } from './app.js';
import { FakeConsoleSource, sampleReview } from './testing/fake-source.js';
import { RESOLUTION_LINES_MAX } from './schemas.js';

let source: FakeConsoleSource;
let app: FastifyInstance;

beforeEach(async () => {
  source = new FakeConsoleSource('store-resolve');
  source.reviewMap.set('rv-1', sampleReview('rv-1', ['s-1', 's-2']));
  app = await buildConsoleApp(source, { bodyBytesMax: 4096 });
});
afterEach(async () => {
  await app.close();
});

const post = (id: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/api/reviews/${id}/resolve`, payload: payload as object });
const good = { sessionId: 's-1', lines: [{ sku: 'onigiri-salmon', quantityDelta: 1 }], resolvedBy: 'mika' };

describe('resolving a review', () => {
  it('passes the resolution to the source and answers the resolved item', async () => {
    const res = await post('rv-1', good);
    expect(res.statusCode).toBe(200);
    expect(res.json().review).toMatchObject({ reviewId: 'rv-1', status: 'resolved', resolution: good });
    expect(source.resolveCalls).toEqual([{ reviewId: 'rv-1', resolution: good }]);
  });

  it('accepts "nothing happened": no session, no lines', async () => {
    const nothing = { sessionId: null, lines: [], resolvedBy: 'mika' };
    const res = await post('rv-1', nothing);
    expect(res.statusCode).toBe(200);
    // null must arrive as null, not coerced to "" by ajv.
    expect(source.resolveCalls[0]?.resolution.sessionId).toBeNull();
  });

  it('answers 404 E_NOT_FOUND for an unknown review', async () => {
    const res = await post('rv-404', good);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'E_NOT_FOUND', kind: 'not_found' });
  });

  it('answers 409 with the source code when already resolved', async () => {
    expect((await post('rv-1', good)).statusCode).toBe(200);
    const res = await post('rv-1', good);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'E_REVIEW_CLOSED', kind: 'conflict' });
  });

  const bad: [string, unknown, string][] = [
    ['missing resolvedBy', { sessionId: 's-1', lines: [] }, '/body'],
    ['unknown field', { ...good, note: 'x' }, '/body'],
    ['zero quantity', { ...good, lines: [{ sku: 'a', quantityDelta: 0 }] }, '/body/lines/0/quantityDelta'],
    ['fractional quantity', { ...good, lines: [{ sku: 'a', quantityDelta: 1.5 }] }, '/body/lines/0/quantityDelta'],
    ['bad sku', { ...good, lines: [{ sku: 'a b', quantityDelta: 1 }] }, '/body/lines/0/sku'],
    ['bad session id', { ...good, sessionId: 'a/b' }, '/body/sessionId'],
    ['empty resolvedBy', { ...good, resolvedBy: '' }, '/body/resolvedBy'],
    ['too many lines', { ...good, lines: Array.from({ length: RESOLUTION_LINES_MAX + 1 }, () => ({ sku: 'a', quantityDelta: 1 })) }, '/body/lines'],
  ];
  it.each(bad)('rejects %s with 400 E_SCHEMA and a path', async (_name, payload, path) => {
    const res = await post('rv-1', payload);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('E_SCHEMA');
    expect(body.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(source.resolveCalls).toEqual([]);
  });

  it('rejects malformed JSON with 400 E_JSON', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/reviews/rv-1/resolve', headers: { 'content-type': 'application/json' }, payload: '{"sessionId":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('E_JSON');
  });

  it('rejects a bad review id in the path', async () => {
    const res = await post('rv%20x', good);
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('/params/id');
  });

  it('rejects a body over the bound with 413 E_TOO_LARGE', async () => {
    const res = await post('rv-1', { ...good, resolvedBy: 'x'.repeat(5000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('E_TOO_LARGE');
  });

  it('rejects a non-JSON content type (kind unprocessable: the contract has no 415 kind)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/reviews/rv-1/resolve', headers: { 'content-type': 'text/xml' }, payload: '<x/>' });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('E_CONSOLE_MEDIA_TYPE');
  });
});

describe('errors', () => {
  it('never leaks the message of an unexpected error (500 E_INTERNAL)', async () => {
    source.failWith = new Error('SQLITE_BUSY: secret path /var/lib/tebura');
    const res = await app.inject('/api/carts');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'E_INTERNAL', kind: 'internal', message: 'internal error', details: [] });
    expect(res.body).not.toContain('SQLITE');
  });

  it('answers unknown routes with 404 E_NOT_FOUND', async () => {
    const res = await app.inject('/api/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('E_NOT_FOUND');
  });
});
