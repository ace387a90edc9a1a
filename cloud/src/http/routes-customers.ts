/**
 * Customer-facing routes and the public JWKS. The app backend manages customers
 * with the admin key; a shopper lists their own receipts and disputes their own
 * lines with a customer token (`POST /v1/customers/:id/tokens`).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { CloudPaths, TeburaError } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { CloudErrors } from '../errors.js';
import { createCustomer, enrol, erase, liveCustomer, standing, type EnrolBody } from '../services/customers.js';
import { openDispute, receiptsOf, resolveDispute } from '../services/feed.js';
import { issueCustomerToken, issueEntryToken, jwksOf, verifyCustomerToken, type SigningKey } from '../services/tokens.js';
import type { Authenticator } from './auth.js';
import type { FastifyRequest } from 'fastify';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const IdParams = Type.Object({ id: Id });
const Consent = Type.Object(
  { purpose: Type.String({ minLength: 1, maxLength: 200 }), policyVersion: Type.String({ minLength: 1, maxLength: 40 }), at: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);
const Vector = Type.Array(Type.Number(), { minItems: 16, maxItems: 4096 });
const EnrolSchema = Type.Union([
  Type.Object({ kind: Type.Literal('palm'), template: Vector }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('face'), embedding: Vector }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('face'), photosB64: Type.Array(Type.String({ maxLength: 8_000_000 }), { minItems: 1, maxItems: 5 }) }, { additionalProperties: false }),
]);
const admin = [{ bearer: [] }];

type Caller = { kind: 'admin' } | { kind: 'customer'; customerId: string };

/** The admin key or a customer token (a JWS: three dot-separated parts); a store key is refused here. */
async function adminOrCustomer(req: FastifyRequest, ctx: CloudCtx, auth: Authenticator, key: SigningKey): Promise<Caller> {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (m?.[1] !== undefined && m[1].split('.').length === 3) {
    const customerId = await verifyCustomerToken(key, m[1], ctx.clock.now());
    if (customerId === null) throw new TeburaError(CloudErrors.UNAUTHORIZED, 'unauthorized', 'customer token invalid or expired');
    return { kind: 'customer', customerId };
  }
  auth.admin(req);
  return { kind: 'admin' };
}

export function customerRoutes(app: FastifyInstance, ctx: CloudCtx, auth: Authenticator, key: SigningKey): void {
  app.post(
    '/v1/customers/:id/tokens',
    { schema: { summary: 'Issue a customer credential (JWS ES256, audience tebura-customer) for the shopper\'s own receipts and disputes', tags: ['customers'], security: admin, params: IdParams } },
    async (req, reply) => {
      auth.admin(req);
      const { id } = req.params as { id: string };
      await liveCustomer(ctx, id);
      return reply.code(201).send(await issueCustomerToken(key, id, ctx.clock.now(), ctx.cfg.customerTokenTtlS));
    },
  );
  app.post(
    '/v1/customers',
    {
      schema: {
        summary: 'Create a customer with recorded consent',
        tags: ['customers'],
        security: admin,
        body: Type.Object(
          { customerId: Type.Optional(Id), consent: Consent, trust: Type.Optional(Type.Union([Type.Literal('standard'), Type.Literal('trusted')])) },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      auth.admin(req);
      const r = await createCustomer(ctx, req.body as Parameters<typeof createCustomer>[1]);
      return reply.code(r.created ? 201 : 200).send({ customerId: r.customerId, status: r.created ? 'created' : 'exists' });
    },
  );
  app.post(
    '/v1/customers/:id/enrolments',
    { bodyLimit: ctx.cfg.enrolBodyBytesMax, schema: { summary: 'Enrol a palm template or face embedding (or photos)', tags: ['customers'], security: admin, params: IdParams, body: EnrolSchema } },
    async (req, reply) => {
      auth.admin(req);
      const { id } = req.params as { id: string };
      return reply.code(201).send({ customerId: id, ...(await enrol(ctx, id, req.body as EnrolBody)) });
    },
  );
  app.delete('/v1/customers/:id', { schema: { summary: 'Erase a customer\'s biometrics', tags: ['customers'], security: admin, params: IdParams } }, async (req) => {
    auth.admin(req);
    const { id } = req.params as { id: string };
    return { customerId: id, erased: true, ...(await erase(ctx, id)) };
  });
  app.post(
    '/v1/customers/:id/entry-tokens',
    { schema: { summary: 'Issue an app entry token (JWS ES256)', tags: ['customers'], security: admin, params: IdParams, body: Type.Object({ storeId: Id }, { additionalProperties: false }) } },
    async (req, reply) => {
      auth.admin(req);
      const { id } = req.params as { id: string };
      const { storeId } = req.body as { storeId: string };
      if (!ctx.stores.has(storeId)) throw new TeburaError(CloudErrors.NOT_FOUND, 'not_found', `store ${storeId} not found`);
      await liveCustomer(ctx, id);
      const t = await issueEntryToken(key, id, storeId, ctx.clock.now(), ctx.cfg.entryTokenTtlS);
      return reply.code(201).send({ token: t.token, expiresAt: t.expiresAt });
    },
  );
  app.get(CloudPaths.entryKeys(), { schema: { summary: 'Public keys for entry tokens (JWKS)', tags: ['customers'] } }, () => jwksOf(key));
  app.get('/v1/customers/:id/standing', { schema: { summary: 'Unpaid balance and open disputes', tags: ['customers'], security: admin, params: IdParams } }, async (req) => {
    auth.adminOrStore(req);
    return standing(ctx, (req.params as { id: string }).id);
  });
  app.get(
    '/v1/customers/:id/receipts',
    { schema: { summary: 'A customer\'s receipts, newest first', tags: ['customers'], security: admin, params: IdParams, querystring: Type.Object({ limit: Type.String({ pattern: '^[0-9]{1,3}$', default: '50' }) }) } },
    async (req) => {
      const caller = await adminOrCustomer(req, ctx, auth, key);
      const { id } = req.params as { id: string };
      if (caller.kind === 'customer' && caller.customerId !== id) throw new TeburaError(CloudErrors.CUSTOMER_FORBIDDEN, 'forbidden', 'a customer token lists only its own receipts');
      return { receipts: await receiptsOf(ctx, id, Math.max(1, Number((req.query as { limit: string }).limit))) };
    },
  );
  app.post(
    '/v1/receipts/:id/disputes',
    {
      schema: {
        summary: 'Dispute a receipt line',
        tags: ['disputes'],
        security: admin,
        params: IdParams,
        body: Type.Object({ sku: Id, reason: Type.String({ minLength: 1, maxLength: 500 }), disputeId: Type.Optional(Id) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      const caller = await adminOrCustomer(req, ctx, auth, key);
      const body = req.body as { sku: string; reason: string; disputeId?: string };
      const r = await openDispute(ctx, (req.params as { id: string }).id, body, caller.kind === 'customer' ? caller.customerId : undefined);
      return reply.code(r.created ? 201 : 200).send(r);
    },
  );
  app.post(
    '/v1/admin/disputes/:id/resolve',
    { schema: { summary: 'Resolve a dispute: refund the line or not', tags: ['disputes'], security: admin, params: IdParams, body: Type.Object({ refund: Type.Boolean() }, { additionalProperties: false }) } },
    async (req) => {
      auth.admin(req);
      return resolveDispute(ctx, (req.params as { id: string }).id, (req.body as { refund: boolean }).refund);
    },
  );
}
