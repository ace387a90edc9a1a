/** The catalog: an operator replaces it (admin key), each store pulls its own (store key). */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { CATALOG_ENTRIES_MAX, CloudPaths, PlanogramEntry, Product, StoreCatalog } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { currentCatalog, putCatalog, type CatalogBody } from '../services/catalog.js';
import type { Authenticator } from './auth.js';

const StoreParams = Type.Object({ storeId: Type.String({ maxLength: 64 }) });
const CatalogPut = Type.Object(
  {
    products: Type.Array(Product, { minItems: 1, maxItems: CATALOG_ENTRIES_MAX }),
    planogram: Type.Array(PlanogramEntry, { maxItems: CATALOG_ENTRIES_MAX }),
    /** Optimistic concurrency: refused with 409 E_CATALOG_VERSION unless the current version is this. */
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export function catalogRoutes(app: FastifyInstance, ctx: CloudCtx, auth: Authenticator): void {
  const security = [{ bearer: [] }];
  app.put(
    '/v1/admin/stores/:storeId/catalog',
    { schema: { summary: 'Replace a store catalog (prices, tax classes, planogram); answers the new version', tags: ['catalog'], params: StoreParams, body: CatalogPut, security } },
    async (req, reply) => {
      auth.admin(req);
      const { storeId } = req.params as { storeId: string };
      return reply.code(201).send(await putCatalog(ctx, storeId, req.body as CatalogBody));
    },
  );
  app.get(
    CloudPaths.catalog(':storeId'),
    { schema: { summary: "The store's current catalog and its version (the sync feed announces the version)", tags: ['catalog', 'sync'], params: StoreParams, security, response: { 200: StoreCatalog } } },
    async (req) => {
      const { storeId } = req.params as { storeId: string };
      auth.store(req, storeId);
      return currentCatalog(ctx, storeId);
    },
  );
}
