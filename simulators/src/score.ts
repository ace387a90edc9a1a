/**
 * `tebura eval`: receipts the edge charged, scored against the run's ground truth.
 *
 * Scored sessions are those the gate admitted and that left the store. A receipt
 * is matched to a session by the edge's sessionId (from gate/decision), else by
 * customer. A session with an empty true basket and no receipt counts as exact:
 * nothing was taken and nothing was charged.
 */
import type { BasketLine, GroundTruth, TruthSession } from './truth.js';

export interface ScoredReceipt {
  customerId: string;
  sessionId: string;
  lines: { sku: string; quantity: number }[];
  /** Any line went through (or is waiting for) human review. */
  reviewed: boolean;
  /** The receipt is final (charged). */
  closed: boolean;
}

export interface EvalMismatch {
  customerId: string;
  sessionId: string | null;
  /** Truly taken but not charged. */
  missing: BasketLine[];
  /** Charged but not truly taken. */
  extra: BasketLine[];
  noReceipt: boolean;
}

export interface EvalScores {
  scenario: string;
  seed: number;
  /** Admitted sessions that left the store. */
  sessions: number;
  receipts_exact: number;
  /** receipts_exact / sessions. */
  cacc: number;
  /** Correctly charged units / charged units. */
  item_precision: number;
  /** Correctly charged units / truly taken units. */
  item_recall: number;
  /** Sessions whose receipt needed a human / sessions. */
  review_rate: number;
  /** Sessions that took something and have no closed receipt. */
  unresolved: number;
  /** Receipts for nobody who was admitted and left (denied shoppers, unknown sessions). */
  phantom_receipts: number;
  mismatches: EvalMismatch[];
  [extra: string]: unknown;
}

/** Mismatches listed in full; the rest only counted. */
const MISMATCHES_LISTED_MAX = 50;

function toMap(lines: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.sku, (m.get(l.sku) ?? 0) + l.quantity);
  for (const [k, v] of m) if (v <= 0) m.delete(k);
  return m;
}

function diff(a: Map<string, number>, b: Map<string, number>): BasketLine[] {
  const out: BasketLine[] = [];
  for (const [sku, q] of a) {
    const d = q - (b.get(sku) ?? 0);
    if (d > 0) out.push({ sku, quantity: d });
  }
  return out.sort((x, y) => x.sku.localeCompare(y.sku));
}

function sum(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

/** Nearest-rank percentiles of a sample (e.g. event-to-cart latency in ms); null fields when empty. */
export function percentiles(values: readonly number[]): { p50: number | null; p95: number | null; p99: number | null; max: number | null } {
  if (values.length === 0) return { p50: null, p95: null, p99: null, max: null };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1]! };
}

export function scoreRun(truth: GroundTruth, receipts: readonly ScoredReceipt[], extra: Record<string, unknown> = {}): EvalScores {
  const scored = truth.sessions.filter((s) => s.decision === 'open' && s.exitTs !== null);
  const unused = new Set(receipts.map((_, i) => i));
  const take = (s: TruthSession): ScoredReceipt | undefined => {
    let idx = s.sessionId === null ? -1 : receipts.findIndex((r, i) => unused.has(i) && r.sessionId === s.sessionId);
    if (idx < 0) idx = receipts.findIndex((r, i) => unused.has(i) && r.customerId === s.customerId);
    if (idx < 0) return undefined;
    unused.delete(idx);
    return receipts[idx];
  };
  let exact = 0;
  let correctUnits = 0;
  let chargedUnits = 0;
  let trueUnits = 0;
  let reviewed = 0;
  let unresolved = 0;
  const mismatches: EvalMismatch[] = [];
  let mismatchCount = 0;
  for (const s of scored) {
    const r = take(s);
    const want = toMap(s.basket);
    trueUnits += sum(want);
    const closed = r !== undefined && r.closed;
    const got = closed ? toMap(r.lines) : new Map<string, number>();
    if (r?.reviewed === true) reviewed++;
    if (!closed && want.size > 0) unresolved++;
    chargedUnits += sum(got);
    for (const [sku, q] of got) correctUnits += Math.min(q, want.get(sku) ?? 0);
    const missing = diff(want, got);
    const extraLines = diff(got, want);
    const ok = missing.length === 0 && extraLines.length === 0 && (closed || (r === undefined && want.size === 0));
    if (ok) exact++;
    else if (mismatchCount++ < MISMATCHES_LISTED_MAX) mismatches.push({ customerId: s.customerId, sessionId: s.sessionId, missing, extra: extraLines, noReceipt: r === undefined });
  }
  const n = scored.length;
  return {
    ...extra,
    scenario: truth.scenario,
    seed: truth.seed,
    sessions: n,
    receipts_exact: exact,
    cacc: n === 0 ? 0 : exact / n,
    item_precision: chargedUnits === 0 ? (trueUnits === 0 ? 1 : 0) : correctUnits / chargedUnits,
    item_recall: trueUnits === 0 ? 1 : correctUnits / trueUnits,
    review_rate: n === 0 ? 0 : reviewed / n,
    unresolved,
    phantom_receipts: [...unused].filter((i) => receipts[i]!.lines.length > 0).length,
    mismatches,
  };
}
