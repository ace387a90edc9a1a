/**
 * The uploader's two ways of talking to the cloud: one record per request on
 * its own route, or up to BATCH_RECORDS_MAX records on the batch route. Both
 * turn every answer (or its absence) into one Outcome per row; nothing here
 * touches the database, so an answer lost in transit simply leaves the rows
 * pending and their ids make the retry safe.
 */
import { CloudPaths, ErrorCodes, type ErrorKind } from '@tebura/contract';
import type { OutboxKind, OutboxRow } from '../store/repo.js';

export type Outcome = { kind: 'sent' } | { kind: 'retry'; error: string } | { kind: 'failed'; error: string };

export interface CloudTarget {
  url: string;
  apiKey: string;
  storeId: string;
  fetch: typeof fetch;
  httpTimeoutMs: number;
}

export function pathFor(kind: OutboxKind, storeId: string): string {
  if (kind === 'session') return CloudPaths.sessions(storeId);
  if (kind === 'receipt') return CloudPaths.receipts(storeId);
  return CloudPaths.adjustments(storeId);
}

/** Error kinds a later attempt can cure: in flight elsewhere, cloud busy or broken. */
const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set(['conflict', 'unavailable', 'internal']);

/** 408 and 429 are transient by definition (RFC 9110 15.5.9, RFC 6585 4), 5xx likely so. */
function transientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function post(t: CloudTarget, path: string, body: string, idempotencyKey?: string): Promise<{ status: number; body: unknown } | { error: string }> {
  try {
    const res = await t.fetch(new URL(path, t.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.apiKey}`, ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) },
      body,
      signal: AbortSignal.timeout(t.httpTimeoutMs),
    });
    let parsed: unknown = null;
    try {
      parsed = await res.json();
    } catch {
      parsed = null; // a proxy's HTML error page: the status code decides
    }
    return { status: res.status, body: parsed };
  } catch (e) {
    return { error: `network: ${(e as Error).message}` };
  }
}

/** One record on its own route, with its id as Idempotency-Key. */
export async function sendOne(t: CloudTarget, row: OutboxRow): Promise<Outcome> {
  const r = await post(t, pathFor(row.kind, t.storeId), row.record, row.id);
  if ('error' in r) return { kind: 'retry', error: r.error };
  const code = (r.body as { code?: unknown } | null)?.code;
  if (r.status === 200 || r.status === 201) {
    const status = (r.body as { status?: unknown } | null)?.status;
    if (status === 'created' || status === 'exists') return { kind: 'sent' };
    return { kind: 'retry', error: `unexpected answer ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}` };
  }
  // In flight elsewhere: the first attempt is still running at the cloud.
  if (r.status === 409 && code !== ErrorCodes.IDEMPOTENCY_MISMATCH) return { kind: 'retry', error: `409 ${String(code)}` };
  if (transientStatus(r.status)) return { kind: 'retry', error: `http ${r.status}` };
  return { kind: 'failed', error: `http ${r.status} ${String(code)}: ${JSON.stringify(r.body).slice(0, 300)}` };
}

type Slot = { status?: unknown; error?: { code?: unknown; kind?: unknown } };

function slotOutcome(slot: Slot): Outcome {
  if (slot.status === 'created' || slot.status === 'exists') return { kind: 'sent' };
  const code = String(slot.error?.code);
  const kind = slot.error?.kind as ErrorKind;
  if (slot.status === 'error' && RETRYABLE_KINDS.has(kind) && code !== ErrorCodes.IDEMPOTENCY_MISMATCH) return { kind: 'retry', error: `batch slot ${code}` };
  if (slot.status === 'error') return { kind: 'failed', error: `batch slot ${code} (${String(kind)}): ${JSON.stringify(slot.error).slice(0, 300)}` };
  return { kind: 'retry', error: `unexpected slot ${JSON.stringify(slot).slice(0, 200)}` };
}

/**
 * Rows (whole session chains, oldest first) on the batch route. Returns one
 * outcome per row, or null when the cloud refused the request itself with a
 * permanent 4xx (no batch route, body too large): the caller then sends the
 * rows one by one, which classifies each on its own.
 */
export async function sendBatch(t: CloudTarget, rows: readonly OutboxRow[]): Promise<Outcome[] | null> {
  // Records are stored as JSON text: spliced in as they are, never re-serialised.
  const body = `{"records":[${rows.map((r) => `{"kind":${JSON.stringify(r.kind)},"record":${r.record}}`).join(',')}]}`;
  const r = await post(t, CloudPaths.records(t.storeId), body);
  const all = (o: Outcome): Outcome[] => rows.map(() => o);
  if ('error' in r) return all({ kind: 'retry', error: r.error });
  if (r.status === 200) {
    const results = (r.body as { results?: unknown } | null)?.results;
    if (!Array.isArray(results) || results.length !== rows.length) return all({ kind: 'retry', error: `batch answer without ${rows.length} slots` });
    return results.map((s) => slotOutcome((s ?? {}) as Slot));
  }
  const code = String((r.body as { code?: unknown } | null)?.code);
  if (r.status === 409 || transientStatus(r.status)) return all({ kind: 'retry', error: `batch http ${r.status} ${code}` });
  return null;
}

/**
 * Packs rows (ordered by n) into requests of at most `recordsMax`, a session's
 * rows together and in order, so requests can go out in parallel. A chain
 * longer than `recordsMax` is cut; its tail waits for the next pass.
 */
export function chunkBySession(rows: readonly OutboxRow[], recordsMax: number): OutboxRow[][] {
  const chains = new Map<string, OutboxRow[]>();
  for (const r of rows) {
    const c = chains.get(r.session_id) ?? [];
    if (c.length < recordsMax) c.push(r);
    chains.set(r.session_id, c);
  }
  const chunks: OutboxRow[][] = [];
  let cur: OutboxRow[] = [];
  for (const chain of chains.values()) {
    if (cur.length + chain.length > recordsMax) {
      chunks.push(cur);
      cur = [];
    }
    cur.push(...chain);
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks.filter((c) => c.length > 0);
}
