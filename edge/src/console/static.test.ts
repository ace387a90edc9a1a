/** The web UI's routes through app.inject() (fake source: the node is another part). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildConsoleApp } from './app.js';
import { FakeConsoleSource } from './testing/fake-source.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildConsoleApp(new FakeConsoleSource('store-static'));
});
afterAll(async () => {
  await app.close();
});

describe('web UI assets', () => {
  it('GET / serves the page with a same-origin-only CSP and no external references', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.body).toContain('<script type="module" src="/static/app.js">');
    // The store may be offline: nothing from a CDN.
    expect(res.body).not.toMatch(/https?:\/\//);
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['map.js', 'text/javascript; charset=utf-8'],
    ['reviews.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'text/css; charset=utf-8'],
  ])('GET /static/%s answers with %s', async (name, type) => {
    const res = await app.inject(`/static/${name}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body.length).toBeGreaterThan(100);
  });

  it('every module the page imports is served', async () => {
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const res = await app.inject(`/static/${name}`);
      expect(res.statusCode, name).toBe(200);
      for (const m of res.body.matchAll(/from '\.\/([a-z-]+\.js)'/g)) queue.push(m[1] as string);
    }
    expect([...seen].sort()).toEqual(['app.js', 'map.js', 'panels.js', 'reviews.js', 'util.js']);
  });

  it.each(['nope.js', '..%2Fapp.ts', 'source.ts', '..%2F..%2Fpackage.json'])('GET /static/%s is 404 E_NOT_FOUND', async (name) => {
    const res = await app.inject(`/static/${name}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('E_NOT_FOUND');
  });
});
