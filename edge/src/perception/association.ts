/**
 * Which shopper caused a shelf event.
 *
 * Only tracks within `reachM` of the event's plates at some point of the window
 * are candidates. Each candidate's likelihood combines its distance when the hand
 * went in (the event start), its closest approach during the window and the share
 * of the window it spent within reach; likelihoods are normalised into a posterior
 * and summed per session, since companions roll up to their payer's session.
 */
import { forHistory, positionAt, type Track } from './tracker.js';
import type { PerceptionTuning } from './tuning.js';

export interface ShopperCandidate {
  sessionId: string | null;
  trackId: string;
  probability: number;
  /** Closest approach to the event's plates during the window, metres. */
  distM: number;
  x: number;
  y: number;
  ts: number;
}

export interface SessionCandidate {
  /** null: an unbound person (not admitted, or lost binding). */
  sessionId: string | null;
  probability: number;
}

export interface AssociationResult {
  tracks: ShopperCandidate[];
  sessions: SessionCandidate[];
}

/** A track position older than this relative to the event start says nothing about it. */
const POSITION_STALE_MS = 2000;

export function associate(
  plates: readonly { x: number; y: number }[],
  startTs: number,
  endTs: number,
  tracks: readonly Track[],
  reachM: number,
  tuning: PerceptionTuning,
): AssociationResult {
  const s2 = 2 * tuning.assocSigmaM * tuning.assocSigmaM;
  const distTo = (x: number, y: number): number => {
    let d = Infinity;
    for (const p of plates) d = Math.min(d, Math.hypot(x - p.x, y - p.y));
    return d;
  };
  const scored: { t: Track; w: number; distM: number; x: number; y: number; ts: number }[] = [];
  for (const t of tracks) {
    const hand = positionAt(t, startTs);
    if (hand === null || hand.dtMs > POSITION_STALE_MS + (endTs - startTs)) continue;
    const dHand = distTo(hand.x, hand.y);
    let dMin = dHand;
    let near = 0;
    let seen = 0;
    let at = { x: hand.x, y: hand.y, ts: startTs };
    forHistory(t, startTs - tuning.assocPadMs, endTs, (ts, x, y) => {
      const d = distTo(x, y);
      seen++;
      if (d <= reachM) near++;
      if (d < dMin) {
        dMin = d;
        at = { x, y, ts };
      }
    });
    if (dMin > reachM) continue;
    const nearShare = seen === 0 ? 1 : near / seen;
    const d = 0.5 * dHand + 0.5 * dMin;
    scored.push({ t, w: Math.exp((-d * d) / s2) * (0.5 + 0.5 * nearShare), distM: dMin, ...at });
  }
  const total = scored.reduce((s, c) => s + c.w, 0);
  const out: ShopperCandidate[] = scored
    .map((c) => ({ sessionId: c.t.sessionId, trackId: c.t.id, probability: total > 0 ? c.w / total : 0, distM: c.distM, x: c.x, y: c.y, ts: c.ts }))
    .sort((a, b) => b.probability - a.probability);
  const bySession = new Map<string, SessionCandidate>();
  for (const c of out) {
    // Unbound people stay separate: two strangers are not one shopper.
    const key = c.sessionId ?? `#${c.trackId}`;
    const e = bySession.get(key);
    if (e) e.probability += c.probability;
    else bySession.set(key, { sessionId: c.sessionId, probability: c.probability });
  }
  return { tracks: out, sessions: [...bySession.values()].sort((a, b) => b.probability - a.probability) };
}
