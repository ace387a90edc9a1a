/**
 * Open-set identification metrics (as in NIST FRVT 1:N): a mated search misses
 * when its mate is not at rank 1 with a score at or above the threshold (FNIR);
 * a non-mated search is a false positive when its best score reaches the
 * threshold (FPIR). Failures to acquire are reported apart, not folded in.
 */

export interface MatedSearch {
  /** Score of the rank-1 candidate and whether it is the probe's own identity. */
  topScore: number;
  topIsMate: boolean;
}

export interface OperatingPoint {
  fpirTarget: number;
  /** Lowest threshold whose measured FPIR is <= the target. */
  threshold: number;
  fpir: number;
  fnir: number;
  /** True when the target is below 1 / non-mated searches: the point is the no-false-positive threshold. */
  resolutionLimited: boolean;
}

/** Scores are cosines; the next representable step above a score makes ">= threshold" exclude it. */
const STEP = 1e-6;

export function operatingPoint(mated: readonly MatedSearch[], nonMatedTop: readonly number[], fpirTarget: number): OperatingPoint {
  const nm = [...nonMatedTop].sort((a, b) => b - a);
  const allowed = Math.floor(fpirTarget * nm.length);
  // Threshold just above the (allowed+1)-th highest non-mated score keeps `allowed` false positives at most.
  const threshold = nm.length > allowed ? (nm[allowed] as number) + STEP : -1;
  const fp = nm.filter((s) => s >= threshold).length;
  const misses = mated.filter((m) => !m.topIsMate || m.topScore < threshold).length;
  return {
    fpirTarget,
    threshold,
    fpir: nm.length > 0 ? fp / nm.length : 0,
    fnir: mated.length > 0 ? misses / mated.length : 0,
    resolutionLimited: fpirTarget * nm.length < 1,
  };
}
