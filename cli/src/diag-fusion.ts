/**
 * Prints diagnoseFusion (fusion-diag.ts) for one scenario: OK / BAD / REV per
 * session with what differs, R per review item, then the totals.
 * Usage: npx tsx cli/src/diag-fusion.ts simulators/scenarios/<f>.yaml [seed|-] [v]; NOHANDS=1 drops wrist keypoints.
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
console.log('stats', JSON.stringify(r.stats));
console.log(`${r.scenario} seed ${r.seed}: sessions ${r.sessions.length} cacc ${r.cacc.toFixed(3)} review ${r.reviewRate.toFixed(3)} precision ${r.precision.toFixed(3)} recall ${r.recall.toFixed(3)} exitsUnattributed ${r.exitsUnattributed}`);
