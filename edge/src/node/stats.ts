/** The numbers a running node reports (tests, the console, `tebura` benchmarks). */
import type { EdgeMetrics, LatencyWindow } from '../metrics.js';
import type { Repo } from '../store/repo.js';

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
}

export interface EdgeStats {
  messages: number;
  rejected: number;
  duplicates: number;
  handlerErrors: number;
  sessionsOpen: number;
  sessionsClosed: number;
  receipts: number;
  reviewItems: number;
  outboxPending: number;
  outboxFailed: number;
  outboxSent: number;
  gateOpen: number;
  gateDeny: number;
  /** The weight settled (arrival of the settle reading, perception/settle-clock.ts) to the cart row committed. */
  eventToCartMs: Percentiles;
  /** Perception's emit to the cart row committed. */
  emitToCartMs: Percentiles;
  /** Exit crossing seen to the receipt acknowledged by the cloud. */
  exitToChargeMs: Percentiles;
  /** Accepted messages per second since start. */
  msgsPerS: number;
}

function pct(w: LatencyWindow): Percentiles {
  return { count: w.count(), p50: w.percentile(50), p99: w.percentile(99) };
}

export function collectStats(repo: Repo, m: EdgeMetrics, uptimeMs: number): EdgeStats {
  return {
    messages: m.counts.messages,
    rejected: m.counts.rejected,
    duplicates: m.counts.duplicates,
    handlerErrors: m.counts.handlerErrors,
    sessionsOpen: repo.countSessions('open') + repo.countSessions('exiting'),
    sessionsClosed: repo.countSessions('closed'),
    receipts: repo.countReceipts(),
    reviewItems: repo.countReviews(),
    outboxPending: repo.outboxCount('pending'),
    outboxFailed: repo.outboxCount('failed'),
    outboxSent: repo.outboxCount('sent'),
    gateOpen: m.counts.gateOpen,
    gateDeny: m.counts.gateDeny,
    eventToCartMs: pct(m.eventToCartMs),
    emitToCartMs: pct(m.emitToCartMs),
    exitToChargeMs: pct(m.exitToChargeMs),
    msgsPerS: uptimeMs > 0 ? (m.counts.messages * 1000) / uptimeMs : 0,
  };
}

/** For ConsoleSource.stats(): one level of numbers. */
export function flatStats(s: EdgeStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number') out[k] = v;
    else for (const [k2, v2] of Object.entries(v as Percentiles)) out[`${k}.${k2}`] = v2;
  }
  return out;
}
