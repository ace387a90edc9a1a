/** The standing list a store pulls for its gates (services/standing-list.ts). */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { CloudCtx } from '../context.js';
import { standingList } from '../services/standing-list.js';
import type { Authenticator } from './auth.js';

export const STANDING_PATH = '/v1/stores/:storeId/standing';

const StandingAnswer = Type.Object({
  asOf: Type.Integer(),
  truncated: Type.Boolean(),
  customers: Type.Array(Type.Object({ customerId: Type.String(), unpaid: Type.Boolean(), openDispute: Type.Boolean() })),
});

export function standingRoutes(app: FastifyInstance, ctx: CloudCtx, auth: Authenticator): void {
  app.get(
    STANDING_PATH,
    {
      schema: {
        summary: 'Customers with an unpaid balance or an open dispute (the gates deny them)',
        tags: ['sync'],
        params: Type.Object({ storeId: Type.String({ maxLength: 64 }) }),
        security: [{ bearer: [] }],
        response: { 200: StandingAnswer },
      },
    },
    async (req) => {
      auth.store(req, (req.params as { storeId: string }).storeId);
      return standingList(ctx);
    },
  );
}
