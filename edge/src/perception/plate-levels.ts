/**
 * Plate levels in the checkpoint. Without them a restarted node re-learns every
 * plate during warm-up, so a pick in progress at a kill -9 (or made while the node
 * was down) became the plate's new level and was never charged. With them, the
 * first readings after a restart are compared with the level before. Each shelf's
 * last reading time is kept beside them, so that the readings a restart lost are a
 * gap (shelf-events.ts READING_GAP_MS).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ShelfEventDetector } from './shelf-events.js';

const Level = [Type.String(), Type.Number(), Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })] as const;
/**
 * [plateId, baseline g, idle wander g^2, sample variance g^2] for each warm plate, and
 * for a plate decided early and not yet confirmed by its full window the swing that
 * decision allowed for, g (plate-filter.ts `provisional`). Without it, a restart in
 * those few hundred ms took the early level as exact, and the full window's small
 * difference became a change of its own, to review as nobody's (NO_SHOPPER).
 */
export const PlateLevels = Type.Array(Type.Union([Type.Tuple([...Level]), Type.Tuple([...Level, Type.Number({ minimum: 0 })])]));
export type PlateLevels = Static<typeof PlateLevels>;

export function takePlateLevels(detectors: Iterable<ShelfEventDetector>): PlateLevels {
  const out: PlateLevels = [];
  for (const det of detectors) {
    const p = det.plates;
    det.shelf.plates.forEach((plate, i) => {
      if (!p.isWarm(i)) return;
      const level: [string, number, number, number] = [plate.id, p.baseline[i]!, p.wander[i]!, p.sampleVar[i]!];
      out.push(p.provisional[i] === 1 ? [...level, p.provisionalToleranceG[i]!] : level);
    });
  }
  return out;
}

/** Restores what matches this layout; an absent or malformed list leaves plates to warm up. */
export function restorePlateLevels(detectors: Iterable<ShelfEventDetector>, raw: unknown): number {
  if (!Value.Check(PlateLevels, raw)) return 0;
  const byId = new Map(raw.map((r) => [r[0], r]));
  let restored = 0;
  for (const det of detectors) {
    det.shelf.plates.forEach((plate, i) => {
      const r = byId.get(plate.id);
      if (r === undefined) return;
      det.plates.restoreLevel(i, r[1], r[2], r[3], r[4]);
      restored++;
    });
  }
  return restored;
}

/** [deviceId, device time of its last reading] per shelf: a restart that lost readings is then a gap (READING_GAP_MS). */
export const ShelfTimes = Type.Array(Type.Tuple([Type.String(), Type.Number()]));
export type ShelfTimes = Static<typeof ShelfTimes>;

export function takeShelfTimes(detectors: ReadonlyMap<string, ShelfEventDetector>): ShelfTimes {
  return [...detectors].filter(([, d]) => Number.isFinite(d.lastSampleTs)).map(([id, d]) => [id, d.lastSampleTs]);
}

/** Restores what matches this layout; an absent or malformed list leaves every shelf without one. */
export function restoreShelfTimes(detectors: ReadonlyMap<string, ShelfEventDetector>, raw: unknown): void {
  if (!Value.Check(ShelfTimes, raw)) return;
  for (const [id, ts] of raw) {
    const det = detectors.get(id);
    if (det !== undefined && Number.isFinite(ts)) det.lastSampleTs = ts;
  }
}
