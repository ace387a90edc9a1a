/**
 * Personal space: bodies cannot overlap. A person's movement is a plan (a
 * piecewise-linear path in time, standing at its last point afterwards); a new
 * plan is accepted only if it never brings its owner closer than
 * PERSONAL_SPACE_M to anyone else's current plan. Every plan is checked when it
 * is made against every plan that exists, so plans stay pairwise clear as long
 * as nobody walks anyway (see YIELD_RETRIES_MAX).
 */
import type { Point } from './geometry.js';

/**
 * Smallest centre-to-centre distance between two people, m. Shoulder width is
 * about 0.45 m; people passing each other keep about 0.5 m, standing strangers
 * more (STAND_GAP_M). Below this the overhead tracker would see two people on
 * one spot, which a real store never shows it.
 */
export const PERSONAL_SPACE_M = 0.5;
/** A walker whose way is blocked stands still this long before looking again, ms. */
export const YIELD_RETRY_MS = 500;
/**
 * Looks before walking anyway (20 s of waiting). Then the plan is taken even
 * though it passes too close: a person never waits forever, and the overlap is
 * counted in People.spaceViolations so a test notices when it happens.
 */
export const YIELD_RETRIES_MAX = 40;
/** Distances this much below a limit are rounding, not a conflict, m. */
const SPACE_EPSILON_M = 1e-6;

export interface Plan {
  pts: readonly Point[];
  ts: readonly number[];
}

/** Where a plan puts its owner at `t` (before its start: the first point; after its end: the last). */
export function planAt(plan: Plan, t: number): Point {
  const { ts, pts } = plan;
  const last = ts.length - 1;
  if (t >= ts[last]!) return pts[last]!;
  let i = last;
  while (i > 0 && ts[i - 1]! > t) i--;
  if (i === 0) return pts[0]!;
  const a = pts[i - 1]!;
  const b = pts[i]!;
  const f = (t - ts[i - 1]!) / (ts[i]! - ts[i - 1]!);
  return { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
}

/** Smallest distance between two moving people from `from` on, exact for piecewise-linear plans. */
export function closestBetween(a: Plan, b: Plan, from: number): number {
  const cuts = [from, ...a.ts.filter((x) => x > from), ...b.ts.filter((x) => x > from)].sort((x, y) => x - y);
  let best = Infinity;
  for (let i = 0; i < cuts.length; i++) {
    const t0 = cuts[i]!;
    const t1 = cuts[i + 1] ?? t0;
    const pa0 = planAt(a, t0);
    const pb0 = planAt(b, t0);
    const d0 = { x: pa0.x - pb0.x, y: pa0.y - pb0.y };
    best = Math.min(best, Math.hypot(d0.x, d0.y));
    if (t1 <= t0) continue;
    // Both move linearly between cuts: the gap is linear too, its minimum analytic.
    const pa1 = planAt(a, t1);
    const pb1 = planAt(b, t1);
    const v = { x: pa1.x - pb1.x - d0.x, y: pa1.y - pb1.y - d0.y };
    const vv = v.x * v.x + v.y * v.y;
    const f = vv > 0 ? Math.min(1, Math.max(0, -(d0.x * v.x + d0.y * v.y) / vv)) : 0;
    best = Math.min(best, Math.hypot(d0.x + v.x * f, d0.y + v.y * f));
  }
  return best;
}

/**
 * True when `mine` brings its owner closer to `other` than personal space allows.
 * Two people already too close (a bounded wait ran out) may keep their distance
 * or move apart, never come closer, so nobody is stuck for good. Someone
 * `appearing` (a new arrival) has no earlier distance and must keep the full one.
 */
export function intrudes(mine: Plan, other: Plan, from: number, appearing = false): boolean {
  const a = planAt(mine, from);
  const b = planAt(other, from);
  const limitM = appearing ? PERSONAL_SPACE_M : Math.min(PERSONAL_SPACE_M, Math.hypot(a.x - b.x, a.y - b.y));
  return closestBetween(mine, other, from) < limitM - SPACE_EPSILON_M;
}
