/** Routes the edge calls with its store key: idempotent record ingest and the sync pull. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Adjustment, IngestAnswer, Receipt, SessionRecord, TeburaError } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { CloudErrors } from '../errors.js';
import type { IngestResult } from '../services/common.js';
import { ingestAdjustment } from '../services/adjustments.js';
import { ingestReceipt } from '../services/receipts.js';
import { ingestSession } from '../services/sessions.js';
import { syncFor } from '../services/feed.js';
import type { Authenticator } from './auth.js';

const StoreParams = Type.Object({ storeId: Type.String({ maxLength: 64 }) });
const ErrorBody = Type.Object({ code: Type.String(), kind: Type.String(), message: Type.String(), details: Type.Array(Type.Any()) });
const IngestHeaders = Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 64 }) });

function ingestSchema(body: typeof Receipt | typeof SessionRecord | typeof Adjustment, summary: string): object {
  return {
    summary,
    tags: ['ingest'],
    params: StoreParams,
    headers: IngestHeaders,
    body,
    security: [{ bearer: [] }],
    response: { 200: IngestAnswer, 201: IngestAnswer, '4xx': ErrorBody },
  };
}

type Ingest<T> = (ctx: CloudCtx, storeId: string, body: T) => Promise<IngestResult>;

function handler<T extends { storeId: string }>(ctx: CloudCtx, auth: Authenticator, kind: string, idOf: (b: T) => string, ingest: Ingest<T>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const { storeId } = req.params as { storeId: string };
    auth.store(req, storeId);
    const body = req.body as T;
    const id = idOf(body);
    if (req.headers['idempotency-key'] !== id) {
      throw new TeburaError(CloudErrors.IDEMPOTENCY_KEY, 'validation', `Idempotency-Key must equal the ${kind} id '${id}'`);
    }
    if (body.storeId !== storeId) throw new TeburaError(CloudErrors.FORBIDDEN, 'forbidden', `record of store ${body.storeId} posted to store ${storeId}`);
    const end = ctx.metrics.ingestSeconds.startTimer({ kind });
    const r = await ctx.inFlight.run(`${storeId}:${kind}:${id}`, () => ingest(ctx, storeId, body));
    end();
    ctx.metrics.ingested.inc({ kind, status: r.answer.status });
    return reply.code(r.created ? 201 : 200).send(r.answer);
  };
}

export function storeRoutes(app: FastifyInstance, ctx: CloudCtx, auth: Authenticator): void {
  app.post('/v1/stores/:storeId/sessions', { schema: ingestSchema(SessionRecord, 'Open a session; places the entry hold') },
    handler<SessionRecord>(ctx, auth, 'session', (b) => b.sessionId, ingestSession));
  app.post('/v1/stores/:storeId/receipts', { schema: ingestSchema(Receipt, 'Book a receipt and capture payment') },
    handler<Receipt>(ctx, auth, 'receipt', (b) => b.receiptId, ingestReceipt));
  app.post('/v1/stores/:storeId/adjustments', { schema: ingestSchema(Adjustment, 'Book a correction: extra charge or refund') },
    handler<Adjustment>(ctx, auth, 'adjustment', (b) => b.adjustmentId, ingestAdjustment));
  app.get(
    '/v1/stores/:storeId/sync',
    {
      schema: {
        summary: 'Enrolments, deletions and disputes newer than `since`',
        tags: ['sync'],
        params: StoreParams,
        // Query strings arrive as text and body coercion is off (money must not coerce), so parse here.
        querystring: Type.Object({ since: Type.String({ pattern: '^[0-9]{1,15}$', default: '0' }) }),
        security: [{ bearer: [] }],
      },
    },
    async (req) => {
      const { storeId } = req.params as { storeId: string };
      auth.store(req, storeId);
      return syncFor(ctx, storeId, Number((req.query as { since: string }).since));
    },
  );
}
