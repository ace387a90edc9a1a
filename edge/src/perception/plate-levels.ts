/**
 * Plate levels in the checkpoint. Without them a restarted node re-learns every
 * plate during warm-up, so a pick in progress at a kill -9 (or made while the node
 * was down) became the plate's new level and was never charged. With them, the
 * first readings after a restart are compared with the level before.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ShelfEventDetector } from './shelf-events.js';

/** [plateId, baseline g, idle wander g^2, sample variance g^2] for each warm plate. */
export const PlateLevels = Type.Array(Type.Tuple([Type.String(), Type.Number(), Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })]));
export type PlateLevels = Static<typeof PlateLevels>;

export function takePlateLevels(detectors: Iterable<ShelfEventDetector>): PlateLevels {
  const out: PlateLevels = [];
  for (const det of detectors) {
    const p = det.plates;
    det.shelf.plates.forEach((plate, i) => {
      if (p.isWarm(i)) out.push([plate.id, p.baseline[i]!, p.wander[i]!, p.sampleVar[i]!]);
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
      det.plates.restoreLevel(i, r[1], r[2], r[3]);
      restored++;
    });
  }
  return restored;
}
