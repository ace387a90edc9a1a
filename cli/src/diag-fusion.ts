/**
 * Broker-free fusion diagnosis: the simulator's messages for one scenario go straight into
 * perception on a manual clock; carts are compared per session with the truth (OK / BAD / REV
 * lines, R lines per review item, then cacc, review rate, precision, recall).
 * Usage: npx tsx cli/src/diag-fusion.ts simulators/scenarios/<f>.yaml [seed|-] [v]; NOHANDS=1 drops wrist keypoints.
 * Not the product path (no broker, no SQLite, no exit settle): use `tebura eval` for the scores.
 */
import { decodeMessage, ManualClock, type CameraDetections, type GateCrossing, type LoadCellWeight, type ProductHints } from '@tebura/contract';
import { generateTraffic, loadScenario, loadStore, type OutMsg } from '@tebura/sim';
import { createPerceptionWith } from '@tebura/edge/perception/index';
import type { CartDelta, ReviewCandidate } from '@tebura/edge';

const [file, seedArg, verbose] = process.argv.slice(2);
const scenario = loadScenario(file!);
const store = loadStore(scenario.store);
const seed = seedArg && seedArg !== '-' ? Number(seedArg) : scenario.seed;
type Item = { t: number; m?: OutMsg; admit?: { sessionId: string; gateId: string; people: number; ts: number } };
const items: Item[] = [];
const r = generateTraffic({
  scenario, store, seed,
  decide: (req) => {
    const sessionId = `sess-${req.txId}`;
    items.push({ t: items.length ? items[items.length - 1]!.t : req.ts, admit: { sessionId, gateId: req.deviceId, people: 1 + req.guests, ts: req.ts } });
    return { decision: 'open', reason: 'OK', sessionId };
  },
  onMessage: (m) => items.push({ t: m.t, m }),
});
const clock = new ManualClock(items[0]!.t);
const deltas: CartDelta[] = [];
const reviews: ReviewCandidate[] = [];
const p = createPerceptionWith(store, clock, { cartDelta: (d) => deltas.push(d), review: (x) => reviews.push(x) });
const exits = new Map<string, { ts: number; gateId: string }>();
let badExit = 0;
for (const it of items) {
  if (it.t > clock.now()) clock.set(it.t);
  if (it.admit) { p.admit(it.admit.sessionId, it.admit.gateId, it.admit.people, it.admit.ts); continue; }
  const d = decodeMessage(it.m!.topic, it.m!.payload);
  if (!d.ok) throw new Error(JSON.stringify(d));
  switch (d.channel) {
    case 'loadcell/weight': p.onWeight(d.msg as LoadCellWeight); break;
    case 'camera/detections': {
      const msg = d.msg as CameraDetections;
      if (process.env['NOHANDS']) for (const x of msg.detections) delete x.hands;
      p.onDetections(msg);
      break;
    }
    case 'camera/hints': p.onHints(d.msg as ProductHints); break;
    case 'gate/crossing': {
      const msg = d.msg as GateCrossing;
      const res = p.onCrossing(msg.deviceId, msg.direction, msg.ts);
      if (msg.direction === 'out') { if (res.sessionId) exits.set(res.sessionId, { ts: msg.ts, gateId: msg.deviceId }); else badExit++; }
      break;
    }
  }
}
clock.advance(5000);

const carts = new Map<string, Map<string, number>>();
for (const d of deltas) {
  const c = carts.get(d.sessionId) ?? new Map();
  c.set(d.sku, (c.get(d.sku) ?? 0) + d.quantityDelta);
  carts.set(d.sessionId, c);
}
const reviewed = new Set<string>();
for (const x of reviews) { const s = x.shopperCandidates.length ? x.shopperCandidates.map((c) => c.sessionId) : []; s.forEach((y) => reviewed.add(y)); }
let ok = 0, n = 0, rev = 0, tp = 0, fp = 0, fn = 0;
let wrongExit = 0;
for (const s of r.truth.sessions) {
  if (s.sessionId === null) continue;
  n++;
  const cart = carts.get(s.sessionId) ?? new Map();
  const want = new Map(s.basket.map((b) => [b.sku, b.quantity]));
  const skus = new Set([...cart.keys(), ...want.keys()]);
  let exact = true;
  const diff: string[] = [];
  for (const k of skus) {
    const a = Math.max(0, cart.get(k) ?? 0), w = want.get(k) ?? 0;
    tp += Math.min(a, w); fp += Math.max(0, a - w); fn += Math.max(0, w - a);
    if (a !== w) { exact = false; diff.push(`${k} got ${a} want ${w}`); }
  }
  const isRev = reviewed.has(s.sessionId);
  if (isRev) rev++;
  if (exact && !isRev) ok++;
  const ex = exits.get(s.sessionId);
  if (!ex && s.exitTs !== null) wrongExit++;
  if (!exact || isRev || verbose) console.log(exact ? (isRev ? 'REV' : 'OK ') : 'BAD', s.sessionId, s.customerId, s.tags.join(','), diff.join('; '), ex ? '' : 'NO-EXIT-ATTRIBUTED');
}
for (const x of reviews) console.log('R', x.reason, x.plateIds.join('+'), x.deltaG.toFixed(1), 'skus', x.skuCandidates.map((c) => `${c.sku}x${c.quantity}:${c.probability.toFixed(2)}`).join(' '), 'who', x.shopperCandidates.map((c) => `${c.sessionId}:${c.probability.toFixed(2)}`).join(' '), new Date(x.window.startTs).toISOString().slice(11, 23));
console.log(`${scenario.name} seed ${seed}: sessions ${n} cacc ${(ok / n).toFixed(3)} review ${(rev / n).toFixed(3)} precision ${(tp / (tp + fp)).toFixed(3)} recall ${(tp / (tp + fn)).toFixed(3)} exitsUnattributed ${badExit} truthExitsMissing ${wrongExit}`);
