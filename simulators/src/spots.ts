/**
 * Where a shopper waits just inside the entry gate. Real people step aside after
 * the gate instead of all stopping on one point (which would make overhead
 * detections coincide and swap labels): each takes a free spot in a small area
 * inside the gate but clear of the doorway, keeping STAND_GAP_M from strangers and STAND_GAP_CLOSE_M from
 * companions, who stay next to each other.
 */
import type { Prng } from '@tebura/contract';
import { dist, type Point } from './geometry.js';
import { STAND_GAP_CLOSE_M, STAND_GAP_M, type People, type Person } from './people.js';

/** Depths into the store of the spot rows, metres from the gate line. */
const ENTRY_SPOT_DEPTHS_M = [0.8, 1.4, 2.0];
/** Offsets along the gate wall of the spot columns, metres. */
const ENTRY_SPOT_SIDES_M = [0, 0.6, -0.6, 1.2, -1.2, 1.8, -1.8, 2.4, -2.4];
/** Each spot is moved up to this much either way on both axes, so waits do not sit on a grid, metres. */
const ENTRY_SPOT_JITTER_M = 0.1;
/** Added at random to a spot's distance when ranking spots, so people spread over the area, metres. */
const ENTRY_SPOT_SPREAD_M = 1.0;
/** People clear the doorway for whoever comes next: no spot closer than this to the gate, metres. */
const ENTRY_SPOT_DOOR_CLEAR_M = 1.3;
/** Companions stand this far apart from each other, metres (above STAND_GAP_CLOSE_M). */
const COMPANION_SPACING_M = 0.6;
/** Directions tried around each placed companion. */
const COMPANION_DIRECTIONS = 8;
/** Spots kept this far from walls and gondola footprints, metres. */
const ENTRY_SPOT_CLEARANCE_M = 0.3;

/**
 * A free spot inside the entry gate: companions rank spots by distance to the
 * nearest companion already placed, everyone else by distance to the gate with a
 * random spread. The first spot clear of everyone wins; failing that, the one
 * least crowded.
 */
export function entrySpot(pp: People, p: Person, prng: Prng): Point {
  const at = pp.gatePoint(p, 'at', false, 0);
  const inward = pp.gatePoint(p, 'inside', false, 0);
  const len = dist(at, inward) || 1;
  const ix = (inward.x - at.x) / len;
  const iy = (inward.y - at.y) / len;
  const { widthM, depthM } = pp.engine.cfg.store.floor;
  const others = pp.active().filter((o) => o !== p && !o.done && o.standing !== null);
  const companions = others.filter((o) => o.group === p.group && o.index < p.index).map((o) => o.standing!);
  const gaps = others.map((o) => ({ at: o.standing!, gapM: o.group === p.group ? STAND_GAP_CLOSE_M : STAND_GAP_M }));
  const c = ENTRY_SPOT_CLEARANCE_M;
  const usable = (q: Point): boolean => q.x >= c && q.y >= c && q.x <= widthM - c && q.y <= depthM - c && !pp.router.insideGondola(q, c) && dist(q, at) >= ENTRY_SPOT_DOOR_CLEAR_M;
  const ranked: { q: Point; score: number }[] = [];
  for (const depth of ENTRY_SPOT_DEPTHS_M) {
    for (const side of ENTRY_SPOT_SIDES_M) {
      // Draw for every candidate, valid or not, so the stream does not depend on the layout check.
      const jx = (prng.next() * 2 - 1) * ENTRY_SPOT_JITTER_M;
      const jy = (prng.next() * 2 - 1) * ENTRY_SPOT_JITTER_M;
      const spread = prng.next() * ENTRY_SPOT_SPREAD_M;
      const q = { x: at.x + ix * depth - iy * side + jx, y: at.y + iy * depth + ix * side + jy };
      if (!usable(q)) continue;
      const score = companions.length > 0 ? Math.min(...companions.map((m) => dist(m, q))) + spread * 0.2 : dist(at, q) + spread;
      ranked.push({ q, score });
    }
  }
  // Companions also look right beside those already placed, where the grid may have no spot.
  for (const m of companions) {
    for (let k = 0; k < COMPANION_DIRECTIONS; k++) {
      const a = (2 * Math.PI * k) / COMPANION_DIRECTIONS;
      const q = { x: m.x + Math.cos(a) * COMPANION_SPACING_M, y: m.y + Math.sin(a) * COMPANION_SPACING_M };
      if (usable(q)) ranked.push({ q, score: COMPANION_SPACING_M + k * 1e-3 });
    }
  }
  ranked.sort((a, b) => a.score - b.score);
  let best = inward;
  let bestGap = -Infinity;
  for (const { q } of ranked) {
    const gap = gaps.reduce((m, o) => Math.min(m, dist(o.at, q) - o.gapM), Infinity);
    if (gap >= 0) return q;
    if (gap > bestGap) {
      best = q;
      bestGap = gap;
    }
  }
  return best;
}
