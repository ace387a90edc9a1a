/**
 * Liveness validation on what exists here: the live false-reject rate on every
 * labelled genuine photo, and the pass rate of SYNTHETIC presentation attacks
 * made from the same photos (attacks.ts). Each image goes through the whole gate
 * pipeline, so an attack can also be stopped by a quality gate before liveness;
 * both rates are reported.
 */
import { readFileSync } from 'node:fs';
import { loadFacePipeline, type EmbedResult, type FacePipeline } from '../face/pipeline.js';
import { listPeople } from '../eval.js';
import { ATTACK_KINDS, synthesiseAttack, type AttackKind } from './attacks.js';

export interface LivenessTally {
  images: number;
  /** Accepted by the whole pipeline (embedding produced). */
  accepted: number;
  spoofSuspected: number;
  /** Denials before the liveness check (NO_FACE, BLURRED...), by reason. */
  otherDenials: Record<string, number>;
  /** Liveness scores of the images that reached the liveness model. */
  livenessScores: { n: number; min: number; p5: number; median: number; max: number };
  /** Every score that reached the liveness model, ascending (for the sweep). */
  scores: number[];
}

/** Thresholds the report sweeps, to show whether any separates live photos from the synthetic attacks. */
export const LIVENESS_SWEEP = [0.2, 0.5, 0.8, 0.9, 0.95, 0.99] as const;

export interface SweepPoint {
  livenessMin: number;
  /** Live photos reaching liveness that would score below it. */
  liveFalseRejectRate: number;
  /** Synthetic attacks reaching liveness that would score at or above it (all kinds together). */
  attackLivenessPassRate: number;
}

export interface LivenessEvalReport {
  livenessMin: number;
  sweep: SweepPoint[];
  /** Chance a live photo scores above a synthetic attack (ROC AUC; 0.5 = no separation), over images reaching liveness. */
  aucLiveAboveAttack: number;
  live: LivenessTally & { falseRejectRate: number };
  /** SYNTHETIC attacks: `passRate` = accepted / images; `livenessPassRate` = accepted / reached liveness. */
  attacks: Array<LivenessTally & { kind: AttackKind; passRate: number; livenessPassRate: number }>;
}

export interface LivenessEvalOptions {
  dirs: readonly string[];
  attacks?: readonly AttackKind[];
  pipeline?: FacePipeline;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

function tally(results: EmbedResult[]): LivenessTally {
  const scores: number[] = [];
  const otherDenials: Record<string, number> = {};
  for (const r of results) {
    if (r.ok) scores.push(r.quality.liveness);
    else if (r.reason === 'SPOOF_SUSPECTED') scores.push(r.quality?.liveness ?? 0);
    else otherDenials[r.reason] = (otherDenials[r.reason] ?? 0) + 1;
  }
  scores.sort((a, b) => a - b);
  const at = (q: number): number => scores[Math.min(scores.length - 1, Math.floor(q * scores.length))] ?? NaN;
  return {
    images: results.length,
    accepted: results.filter((r) => r.ok).length,
    spoofSuspected: results.filter((r) => !r.ok && r.reason === 'SPOOF_SUSPECTED').length,
    otherDenials,
    livenessScores: { n: scores.length, min: scores[0] ?? NaN, p5: at(0.05), median: at(0.5), max: scores[scores.length - 1] ?? NaN },
    scores,
  };
}

/** Mann-Whitney form of the ROC AUC; ties count half. Both lists ascending. */
function auc(pos: readonly number[], neg: readonly number[]): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

export async function livenessEval(opts: LivenessEvalOptions): Promise<LivenessEvalReport> {
  const files = [...listPeople(opts.dirs).values()].flat();
  const kinds = opts.attacks ?? ATTACK_KINDS;
  const pipeline = opts.pipeline ?? (await loadFacePipeline());
  const total = files.length * (1 + kinds.length);
  let done = 0;
  const run = async (bytes: Buffer): Promise<EmbedResult> => {
    const r = await pipeline.embed(bytes);
    opts.onProgress?.(++done, total);
    return r;
  };
  try {
    const liveResults: EmbedResult[] = [];
    for (const f of files) liveResults.push(await run(readFileSync(f)));
    const live = tally(liveResults);
    const attacks: LivenessEvalReport['attacks'] = [];
    for (const kind of kinds) {
      const results: EmbedResult[] = [];
      for (const [i, f] of files.entries()) results.push(await run(await synthesiseAttack(readFileSync(f), kind, (opts.seed ?? 1) * 100_003 + i)));
      const t = tally(results);
      attacks.push({ kind, ...t, passRate: t.accepted / Math.max(1, t.images), livenessPassRate: t.accepted / Math.max(1, t.accepted + t.spoofSuspected) });
    }
    const attackScores = attacks.flatMap((a) => a.scores);
    const share = (xs: number[], f: (x: number) => boolean): number => xs.filter(f).length / Math.max(1, xs.length);
    return {
      livenessMin: pipeline.thresholds.livenessMin,
      aucLiveAboveAttack: auc(live.scores, attackScores),
      sweep: LIVENESS_SWEEP.map((t) => ({ livenessMin: t, liveFalseRejectRate: share(live.scores, (x) => x < t), attackLivenessPassRate: share(attackScores, (x) => x >= t) })),
      live: { ...live, falseRejectRate: live.spoofSuspected / Math.max(1, live.accepted + live.spoofSuspected) },
      attacks,
    };
  } finally {
    if (!opts.pipeline) await pipeline.close();
  }
}

export function formatLivenessReport(r: LivenessEvalReport): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const other = (t: LivenessTally): string => Object.entries(t.otherDenials).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const sc = (t: LivenessTally): string => `liveness min/p5/median ${t.livenessScores.min.toFixed(2)}/${t.livenessScores.p5.toFixed(2)}/${t.livenessScores.median.toFixed(2)}`;
  return [
    `threshold livenessMin ${r.livenessMin}`,
    `live: ${r.live.images} photos, false-reject rate ${pct(r.live.falseRejectRate)} (${r.live.spoofSuspected} SPOOF_SUSPECTED of ${r.live.accepted + r.live.spoofSuspected} reaching liveness); other denials: ${other(r.live)}; ${sc(r.live)}`,
    ...r.attacks.map(
      (a) => `SYNTHETIC ${a.kind}: ${a.images} images, pass rate ${pct(a.passRate)} (${a.accepted} accepted), liveness pass rate ${pct(a.livenessPassRate)}; other denials: ${other(a)}; ${sc(a)}`,
    ),
    `AUC live above SYNTHETIC attack: ${r.aucLiveAboveAttack.toFixed(3)} (0.5 = no separation)`,
    ...r.sweep.map((p) => `at livenessMin ${p.livenessMin}: live false-reject ${pct(p.liveFalseRejectRate)}, SYNTHETIC attacks passing liveness ${pct(p.attackLivenessPassRate)}`),
  ].join('\n');
}
