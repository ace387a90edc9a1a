/**
 * The web UI: a few files under public/, read once at start-up and served from
 * memory (no @fastify/static, no build step, no CDN: stores are often offline).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorCodes, TeburaError } from '@tebura/contract';

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'util.js': 'text/javascript; charset=utf-8',
  'map.js': 'text/javascript; charset=utf-8',
  'panels.js': 'text/javascript; charset=utf-8',
  'reviews.js': 'text/javascript; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

// Everything the page needs comes from this origin; no inline script at all.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export async function loadAssets(dir: URL): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) files.set(name, await readFile(new URL(name, dir)));
  return files;
}

export const staticRoutes: FastifyPluginAsync<{ files: Map<string, Buffer> }> = async (app, { files }) => {
  const send = (name: string) => {
    const body = files.get(name);
    const type = ASSETS[name];
    if (!body || !type) throw new TeburaError(ErrorCodes.NOT_FOUND, 'not_found', `no asset '${name}'`);
    return { body, type };
  };
  app.get('/', async (_req, reply) => {
    const { body, type } = send('index.html');
    return reply.type(type).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(body);
  });
  app.get<{ Params: { name: string } }>(
    '/static/:name',
    { schema: { params: { type: 'object', properties: { name: { type: 'string', maxLength: 64 } }, required: ['name'] } } },
    async (req, reply) => {
      const { body, type } = send(req.params.name);
      return reply.type(type).header('cache-control', 'no-cache').send(body);
    },
  );
};
