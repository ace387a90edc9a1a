/**
 * Customers: consent on creation, enrolment of templates/embeddings (encrypted,
 * never images), erasure that reaches every store through the sync feed.
 */
import { randomUUID } from 'node:crypto';
import { FACE_TEMPLATE, normaliseBlocks } from '@tebura/contract';
import type { CloudCtx } from '../context.js';
import { decryptVector, encryptVector } from '../crypto.js';
import { one, type SqlRunner } from '../db/sql.js';
import { CloudErrors, fail, notFound } from '../errors.js';
import { Accounts } from '../ledger/journal.js';
import { appendFeed } from './feed-append.js';

export interface Consent {
  purpose: string;
  policyVersion: string;
  at: number;
}

export interface CustomerRow {
  customer_id: string;
  trust: string;
  erased_at: number | null;
}

export const VECTOR_LENGTH_MIN = 16;
export const VECTOR_LENGTH_MAX = 4096;

export async function createCustomer(ctx: CloudCtx, body: { customerId?: string; consent: Consent; trust?: 'standard' | 'trusted' }): Promise<{ created: boolean; customerId: string }> {
  const id = body.customerId ?? `c_${randomUUID()}`;
  const r = await ctx.db.run(
    `INSERT INTO customers (customer_id, trust, consent_purpose, consent_policy_version, consent_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO NOTHING`,
    [id, body.trust ?? 'standard', body.consent.purpose, body.consent.policyVersion, body.consent.at, ctx.clock.now()],
  );
  if (r.changes === 0) {
    const c = await liveCustomer(ctx, id);
    return { created: false, customerId: c.customer_id };
  }
  await audit(ctx.db, ctx.clock.now(), 'admin', 'customer.create', id, { consent: body.consent });
  return { created: true, customerId: id };
}

export async function liveCustomer(ctx: CloudCtx, id: string): Promise<CustomerRow> {
  const c = await one<CustomerRow>(ctx.db, 'SELECT customer_id, trust, erased_at FROM customers WHERE customer_id = ?', [id]);
  if (c === undefined) return notFound(`customer ${id}`);
  if (c.erased_at !== null) fail(CloudErrors.CUSTOMER_ERASED, 'not_found', `customer ${id} was erased`);
  return c;
}

async function audit(q: SqlRunner, at: number, actor: string, action: string, subject: string, detail: unknown): Promise<void> {
  await q.run('INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)', [at, actor, action, subject, JSON.stringify(detail)]);
}

/** L2-normalises; rejects non-finite, zero and out-of-bound vectors. */
export function normalise(v: ArrayLike<number>): Float32Array {
  if (v.length < VECTOR_LENGTH_MIN || v.length > VECTOR_LENGTH_MAX) {
    fail(CloudErrors.ENROLMENT_VECTOR, 'validation', `vector length ${v.length} outside [${VECTOR_LENGTH_MIN}, ${VECTOR_LENGTH_MAX}]`);
  }
  let sq = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!Number.isFinite(x)) fail(CloudErrors.ENROLMENT_VECTOR, 'validation', `vector[${i}] is not finite`);
    sq += x * x;
  }
  if (sq === 0) fail(CloudErrors.ENROLMENT_VECTOR, 'validation', 'vector is all zeros');
  const n = Math.sqrt(sq);
  return Float32Array.from(v, (x) => x / n);
}

export type EnrolBody =
  | { kind: 'palm'; template: number[] }
  | { kind: 'face'; embedding?: number[]; photosB64?: string[] };

/**
 * A face template must have the current layout (contract FACE_TEMPLATE, version 3: one
 * unit block of 129 values); any other length (e.g. a version 2 2048-value template)
 * is refused with E_CUSTOMER_FACE_TEMPLATE_DIM rather than stored and never matched
 * at the gate.
 */
function faceTemplate(v: ArrayLike<number>, what: string): Float32Array {
  if (v.length !== FACE_TEMPLATE.dim) {
    fail(CloudErrors.FACE_TEMPLATE_DIM, 'validation', `${what} has ${v.length} values; face templates version ${FACE_TEMPLATE.version} have ${FACE_TEMPLATE.dim}`);
  }
  normalise(v); // finite and non-zero
  return normaliseBlocks(v, FACE_TEMPLATE.blocks) ?? fail(CloudErrors.ENROLMENT_VECTOR, 'validation', `${what} has an all-zero block`);
}

async function faceVector(ctx: CloudCtx, body: { embedding?: number[]; photosB64?: string[] }): Promise<Float32Array> {
  if (body.embedding !== undefined) return faceTemplate(body.embedding, 'embedding');
  const photos = body.photosB64 ?? [];
  if (photos.length === 0) fail(CloudErrors.ENROLMENT_VECTOR, 'validation', 'face enrolment needs an embedding or photosB64');
  const embed = ctx.faceEmbedder ?? fail(CloudErrors.FACE_EMBEDDER_MISSING, 'unprocessable', 'photos need a face embedder; send an embedding');
  // Photos live only in this function's scope: embedded, averaged, discarded.
  const sum = new Float32Array(FACE_TEMPLATE.dim);
  for (const [i, b64] of photos.entries()) {
    let v: Float32Array;
    try {
      v = await embed(Buffer.from(b64, 'base64'));
    } catch (e) {
      // The embedder's refusal (no face, several faces, unreadable image) is the caller's to fix.
      return fail(CloudErrors.ENROLMENT_VECTOR, 'unprocessable', `photo ${i}: ${(e as Error).message}`, [{ path: `/photosB64/${i}`, message: 'not embeddable' }]);
    }
    faceTemplate(v, `photo ${i}'s template`).forEach((x, j) => (sum[j] = (sum[j] as number) + x));
  }
  // Averaged block by block: the mean template keeps the layout (dot = mean of the block cosines).
  return faceTemplate(sum, 'mean template');
}

export async function enrol(ctx: CloudCtx, customerId: string, body: EnrolBody): Promise<{ version: number }> {
  await liveCustomer(ctx, customerId);
  const vector = body.kind === 'palm' ? normalise(body.template) : await faceVector(ctx, body);
  const enc = encryptVector(ctx.encryptionKey, vector, `${customerId}:${body.kind}`);
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const version = await appendFeed(q, ctx.db.dialect, { kind: 'enrolment', customerId, at: now });
    await q.run(
      `INSERT INTO enrolments (customer_id, kind, vector_enc, version, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (customer_id, kind) DO UPDATE SET vector_enc = excluded.vector_enc, version = excluded.version, created_at = excluded.created_at`,
      [customerId, body.kind, enc, version, now],
    );
    await audit(q, now, 'admin', 'enrolment.create', customerId, { kind: body.kind, version });
    return { version };
  });
}

/** Erasure: templates removed, an audit row, and a deletion in every store's feed. */
export async function erase(ctx: CloudCtx, customerId: string): Promise<{ version: number }> {
  await liveCustomer(ctx, customerId);
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const removed = await q.run('DELETE FROM enrolments WHERE customer_id = ?', [customerId]);
    await q.run("UPDATE customers SET erased_at = ?, consent_purpose = 'erased' WHERE customer_id = ?", [now, customerId]);
    const version = await appendFeed(q, ctx.db.dialect, { kind: 'deletion', customerId, at: now });
    await audit(q, now, 'admin', 'customer.erase', customerId, { templatesRemoved: removed.changes, version });
    return { version };
  });
}

export async function standing(ctx: CloudCtx, customerId: string): Promise<{ unpaidMinor: number; disputed: boolean }> {
  // What the customer owes is the balance of their receivable account.
  const owed = await one<{ s: number | null }>(ctx.db, 'SELECT SUM(amount_minor) AS s FROM postings WHERE account = ? AND customer_id = ?', [
    Accounts.receivable,
    customerId,
  ]);
  const open = await one<{ n: number }>(ctx.db, "SELECT COUNT(*) AS n FROM disputes WHERE customer_id = ? AND status = 'open'", [customerId]);
  return { unpaidMinor: Math.max(0, Number(owed?.s ?? 0)), disputed: Number(open?.n ?? 0) > 0 };
}

export function decryptEnrolment(ctx: CloudCtx, customerId: string, kind: string, enc: string): number[] {
  return Array.from(decryptVector(ctx.encryptionKey, enc, `${customerId}:${kind}`));
}
