/**
 * Batch ingest: an outbox draining after an outage sends up to BATCH_RECORDS_MAX
 * records per request. Records are processed in the order given (a session
 * before its receipt), each idempotent by its own id exactly as on the single
 * routes; one bad record answers an error in its slot and does not stop the
 * other sessions. Within a session, the records after an error answer
 * E_CLOUD_BATCH_SESSION_BLOCKED (kind conflict, so a sender retries them) and
 * are not ingested: a receipt never lands before its session record.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Adjustment, BATCH_RECORDS_MAX, ErrorCodes, isTeburaError, Receipt, SessionRecord, TeburaError, type IngestAnswer } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { CloudErrors } from '../errors.js';
import { ingestAdjustment } from '../services/adjustments.js';
import type { IngestResult } from '../services/common.js';
import { ingestReceipt } from '../services/receipts.js';
import { ingestSession } from '../services/sessions.js';
import type { Authenticator } from './auth.js';

export { BATCH_RECORDS_MAX };
/** Sessions of one batch processed at once; records of one session stay in order. */
export const BATCH_SESSIONS_PARALLEL_MAX = 8;

const kinds = {
  session: { check: TypeCompiler.Compile(SessionRecord), id: (r: SessionRecord) => r.sessionId, ingest: ingestSession },
  receipt: { check: TypeCompiler.Compile(Receipt), id: (r: Receipt) => r.receiptId, ingest: ingestReceipt },
  adjustment: { check: TypeCompiler.Compile(Adjustment), id: (r: Adjustment) => r.adjustmentId, ingest: ingestAdjustment },
} as const;
type Kind = keyof typeof kinds;

const BatchBody = Type.Object(
  {
    records: Type.Array(
      Type.Object({ kind: Type.Union([Type.Literal('session'), Type.Literal('receipt'), Type.Literal('adjustment')]), record: Type.Unknown() }, { additionalProperties: false }),
      { minItems: 1, maxItems: BATCH_RECORDS_MAX },
    ),
  },
  { additionalProperties: false },
);

type Slot = IngestAnswer | { status: 'error'; error: ReturnType<TeburaError['toJSON']> };

async function one(ctx: CloudCtx, storeId: string, kind: Kind, record: unknown): Promise<Slot> {
  try {
    const k = kinds[kind];
    if (!k.check.Check(record)) {
      const first = k.check.Errors(record).First();
      throw new TeburaError(ErrorCodes.SCHEMA, 'validation', `${kind} invalid at ${first?.path ?? '/'}: ${first?.message ?? ''}`);
    }
    const r = record as { storeId: string };
    if (r.storeId !== storeId) throw new TeburaError(ErrorCodes.FORBIDDEN, 'forbidden', `record of store ${r.storeId} posted to store ${storeId}`);
    const id = (k.id as (x: unknown) => string)(record);
    const ingest = k.ingest as (c: CloudCtx, s: string, b: unknown) => Promise<IngestResult>;
    const res = await ctx.inFlight.run(`${storeId}:${kind}:${id}`, () => ingest(ctx, storeId, record));
    ctx.metrics.ingested.inc({ kind, status: res.answer.status });
    return res.answer;
  } catch (e) {
    const err = isTeburaError(e) ? e : new TeburaError(ErrorCodes.INTERNAL, 'internal', String(e));
    ctx.metrics.httpErrors.inc({ code: err.code });
    return { status: 'error', error: err.toJSON() };
  }
}

export function batchRoutes(app: FastifyInstance, ctx: CloudCtx, auth: Authenticator): void {
  app.post(
    '/v1/stores/:storeId/records',
    {
      schema: {
        summary: `Ingest up to ${BATCH_RECORDS_MAX} records in order; each answers like its single route`,
        tags: ['ingest'],
        params: Type.Object({ storeId: Type.String({ maxLength: 64 }) }),
        body: BatchBody,
        security: [{ bearer: [] }],
      },
    },
    async (req) => {
      const { storeId } = req.params as { storeId: string };
      auth.store(req, storeId);
      const { records } = req.body as { records: { kind: Kind; record: unknown }[] };
      const results: Slot[] = new Array<Slot>(records.length);
      const bySession = new Map<string, number[]>();
      records.forEach((r, i) => {
        const sid = String((r.record as { sessionId?: unknown } | null)?.sessionId ?? `#${i}`);
        bySession.set(sid, [...(bySession.get(sid) ?? []), i]);
      });
      const queues = [...bySession.values()];
      const lane = async (): Promise<void> => {
        for (let q = queues.shift(); q !== undefined; q = queues.shift()) {
          let blockedBy: string | undefined;
          for (const i of q) {
            const r = records[i] as { kind: Kind; record: unknown };
            if (blockedBy !== undefined) {
              const err = new TeburaError(CloudErrors.BATCH_SESSION_BLOCKED, 'conflict', `an earlier record of this session failed (${blockedBy}); not ingested`);
              results[i] = { status: 'error', error: err.toJSON() };
              continue;
            }
            const slot = await one(ctx, storeId, r.kind, r.record);
            if (slot.status === 'error') blockedBy = slot.error.code;
            results[i] = slot;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_SESSIONS_PARALLEL_MAX, queues.length) }, lane));
      return { results };
    },
  );
}
