/**
 * Prints diagnoseFusion (fusion-diag.ts) for one scenario: OK / BAD / REV per
 * session with what differs, R per review item, then the totals.
 * Usage: npx tsx cli/src/diag-fusion.ts simulators/scenarios/<f>.yaml [seed|-] [v]; NOHANDS=1 drops wrist keypoints;
 * DELTAS=<text> prints the cart deltas whose event or session id contains it.
 */
import { diagnoseFusion } from './fusion-diag.js';

const [file, seedArg, verbose] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: npx tsx cli/src/diag-fusion.ts <scenario.yaml> [seed|-] [v]');
  process.exit(2);
}
const r = diagnoseFusion(file, { ...(seedArg !== undefined && seedArg !== '-' ? { seed: Number(seedArg) } : {}), noHands: process.env['NOHANDS'] !== undefined });
for (const s of r.sessions) {
  if (!s.ok || verbose !== undefined) console.log(s.ok ? 'OK ' : s.diff.length === 0 ? 'REV' : 'BAD', s.sessionId, s.customerId, s.tags.join(','), s.diff.join('; '), s.exitAttributed ? '' : 'NO-EXIT-ATTRIBUTED');
}
for (const x of r.reviews) {
  const who = x.shopperCandidates.map((c) => `${c.sessionId}:${c.probability.toFixed(2)}`).join(' ');
  const skus = x.skuCandidates.map((c) => `${c.sku}x${c.quantity}:${c.probability.toFixed(2)}`).join(' ');
  console.log('R', x.reason, x.plateIds.join('+'), x.deltaG.toFixed(1), 'skus', skus, 'who', who, new Date(x.window.startTs).toISOString().slice(11, 23));
}
// Settle to cart delta in simulated time (the harness's clock is each message's time): what
// `tebura eval --speed 1` measures, without the broker's and SQLite's few milliseconds.
const lat = r.deltas.filter((d) => d.settleArrivalMs !== undefined).map((d) => ({ d, ms: d.emittedAt - d.settleArrivalMs! }));
lat.sort((a, b) => a.ms - b.ms);
const pct = (q: number): number => lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)]?.ms ?? NaN;
for (const { d, ms } of lat) if (ms > 100 && verbose !== undefined) console.log('SLOW', ms, d.eventId, d.sku, d.quantityDelta, d.sessionId);
if (process.env.DELTAS) for (const d of r.deltas) if (d.eventId.includes(process.env.DELTAS) || d.sessionId.includes(process.env.DELTAS)) console.log('D', d.eventId, d.sessionId, d.sku, d.quantityDelta, d.confidence.toFixed(3));
console.log('settle_to_cart_ms', JSON.stringify({ n: lat.length, p50: pct(0.5), p99: pct(0.99), max: lat[lat.length - 1]?.ms ?? null }));
console.log('stats', JSON.stringify(r.stats));
console.log(`${r.scenario} seed ${r.seed}: sessions ${r.sessions.length} cacc ${r.cacc.toFixed(3)} review ${r.reviewRate.toFixed(3)} precision ${r.precision.toFixed(3)} recall ${r.recall.toFixed(3)} exitsUnattributed ${r.exitsUnattributed}`);
