/**
 * Broker-free fusion diagnosis: the simulator's messages for one scenario go
 * straight into perception on a manual clock (no broker, no SQLite, no exit
 * settle), and the carts perception builds are compared per session with the
 * run's truth. For finding why a session is wrong and for fast checks of fusion
 * changes; the product's scores come from `tebura eval`.
 * Run: npx tsx cli/src/diag-fusion.ts <scenario.yaml> [seed|-] [v]
 */
import { decodeMessage, ManualClock, type CameraDetections, type GateCrossing, type LoadCellWeight, type ProductHints } from '@tebura/contract';
import { generateTraffic, loadScenario, loadStore, scoreRun, type GroundTruth, type OutMsg, type ScoredReceipt } from '@tebura/sim';
import { createPerceptionWith, settleDeltas } from '@tebura/edge/perception/index';
import type { CartDelta, ReviewCandidate } from '@tebura/edge';

export interface DiagSession {
  sessionId: string;
  customerId: string;
  tags: string[];
  /** Bought exactly what the truth says and no review touched it. */
  ok: boolean;
  reviewed: boolean;
  /** Lines that differ: "sku got N want M". */
  diff: string[];
  exitAttributed: boolean;
}

export interface DiagResult {
  scenario: string;
  seed: number;
  sessions: DiagSession[];
  reviews: ReviewCandidate[];
  deltas: CartDelta[];
  truth: GroundTruth;
  /** As `tebura eval` scores them (scoreRun). */
  cacc: number;
  reviewRate: number;
  precision: number;
  recall: number;
  /** Exit crossings perception could not give a session. */
  exitsUnattributed: number;
  /** Perception's own counters at the end (shelf events, hand-offs, ...). */
  stats: Record<string, number>;
}

export interface DiagOptions {
  seed?: number;
  /** Drop the wrists from every detection (what a camera without a pose model sends). */
  noHands?: boolean;
}

export function diagnoseFusion(scenarioPath: string, o: DiagOptions = {}): DiagResult {
  const scenario = loadScenario(scenarioPath);
  const store = loadStore(scenario.store);
  const seed = o.seed ?? scenario.seed;
  type Item = { t: number; m?: OutMsg; admit?: { sessionId: string; gateId: string; people: number; ts: number } };
  const items: Item[] = [];
  const run = generateTraffic({
    scenario, store, seed,
    decide: (req) => {
      const sessionId = `sess-${req.txId}`;
      items.push({ t: items.length > 0 ? items[items.length - 1]!.t : req.ts, admit: { sessionId, gateId: req.deviceId, people: 1 + req.guests, ts: req.ts } });
      return { decision: 'open', reason: 'OK', sessionId };
    },
    onMessage: (m) => items.push({ t: m.t, m }),
  });
  const clock = new ManualClock(items[0]!.t);
  const deltas: CartDelta[] = [];
  const reviews: ReviewCandidate[] = [];
  const p = createPerceptionWith(store, clock, { cartDelta: (d) => deltas.push(d), review: (x) => reviews.push(x), settleKnown: (id, at) => settleDeltas(deltas, id, at) });
  const exits = new Set<string>();
  let exitsUnattributed = 0;
  for (const it of items) {
    if (it.t > clock.now()) clock.set(it.t);
    if (it.admit) {
      p.admit(it.admit.sessionId, it.admit.gateId, it.admit.people, it.admit.ts);
      continue;
    }
    const d = decodeMessage(it.m!.topic, it.m!.payload);
    if (!d.ok) throw new Error(`${it.m!.topic}: ${JSON.stringify(d)}`);
    if (d.channel === 'loadcell/weight') p.onWeight(d.msg as LoadCellWeight);
    else if (d.channel === 'camera/detections') {
      const msg = d.msg as CameraDetections;
      if (o.noHands === true) for (const x of msg.detections) delete x.hands;
      p.onDetections(msg);
    } else if (d.channel === 'camera/hints') p.onHints(d.msg as ProductHints);
    else if (d.channel === 'gate/crossing') {
      const msg = d.msg as GateCrossing;
      const res = p.onCrossing(msg.deviceId, msg.direction, msg.ts);
      if (msg.direction === 'out') {
        if (res.sessionId !== null) exits.add(res.sessionId);
        else exitsUnattributed++;
      }
    }
  }
  const carts = new Map<string, Map<string, number>>();
  for (const d of deltas) {
    const c = carts.get(d.sessionId) ?? new Map<string, number>();
    c.set(d.sku, Math.max(0, (c.get(d.sku) ?? 0) + d.quantityDelta));
    carts.set(d.sessionId, c);
  }
  // As the node files a review item (under its top candidate) and `tebura eval` counts it.
  const reviewed = new Set(reviews.flatMap((x) => x.shopperCandidates.slice(0, 1).map((c) => c.sessionId)));
  const sessions: DiagSession[] = [];
  const receipts: ScoredReceipt[] = [];
  for (const s of run.truth.sessions) {
    if (s.sessionId === null) continue;
    const cart = carts.get(s.sessionId) ?? new Map<string, number>();
    const want = new Map(s.basket.map((b) => [b.sku, b.quantity]));
    const diff: string[] = [];
    for (const sku of new Set([...cart.keys(), ...want.keys()])) {
      const got = cart.get(sku) ?? 0;
      const w = want.get(sku) ?? 0;
      if (got !== w) diff.push(`${sku} got ${got} want ${w}`);
    }
    const isReviewed = reviewed.has(s.sessionId);
    sessions.push({ sessionId: s.sessionId, customerId: s.customerId, tags: s.tags, ok: diff.length === 0 && !isReviewed, reviewed: isReviewed, diff, exitAttributed: s.exitTs === null || exits.has(s.sessionId) });
    receipts.push({ customerId: s.customerId, sessionId: s.sessionId, closed: true, reviewed: isReviewed, lines: [...cart].filter(([, q]) => q > 0).map(([sku, quantity]) => ({ sku, quantity })) });
  }
  // The totals as `tebura eval` scores them (an exact receipt counts in cacc even if a review touched it).
  const score = scoreRun(run.truth, receipts);
  return {
    scenario: scenario.name, seed, sessions, reviews, deltas, truth: run.truth,
    cacc: score.cacc,
    reviewRate: score.review_rate,
    precision: score.item_precision,
    recall: score.item_recall,
    exitsUnattributed,
    stats: p.stats?.() ?? {},
  };
}
