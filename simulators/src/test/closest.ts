/** Measures how close people come to each other over a whole run (true positions, not detections). */
import type { Scenario } from '../scenario.js';
import type { StoreLayout } from '@tebura/contract';
import { SimEngine } from '../engine.js';
import { population } from '../population.js';
import { dist, type Point } from '../geometry.js';

export interface Closest {
  /** Smallest centre-to-centre distance between two people on the floor at a sampled instant, m. */
  minM: number;
  at: { t: number; a: string; b: string; pos: Point } | null;
  /** Pairs closer than the threshold given to closestApproach, counted per frame. */
  closeSamples: number;
  samples: number;
  /** Walks taken too close after the bounded yield ran out. */
  violations: number;
  /** Shelf stops given up because they stayed crowded (People.crowdSkips). */
  crowdSkips: number;
  /** Admitted shoppers who had not left through the exit gate when the run ended. */
  stillInside: number;
}

/** Runs a scenario broker-free and samples everyone's true position on the floor (or, `outsideToo`, anywhere) at every overhead camera frame. */
export function closestApproach(scenario: Scenario, store: StoreLayout, thresholdM: number, opts: { outsideToo?: boolean } = {}): Closest {
  const { widthM, depthM } = store.floor;
  const out: Closest = { minM: Infinity, at: null, closeSamples: 0, samples: 0, violations: 0, crowdSkips: 0, stillInside: 0 };
  let lastT = -1;
  const engine: SimEngine = new SimEngine({
    scenario, store, seed: scenario.seed, startMs: 1_767_000_000_000, identities: population(scenario, store, scenario.seed),
    // Sampled at every overhead frame: the instants the edge sees positions.
    emit: (m) => {
      if (m.channel === 'camera/detections' && m.t !== lastT) look(m.t);
      lastT = m.t;
    },
    appToken: () => 'tok', facePhoto: () => undefined,
    onEntryRequest: (req) => engine.deliverDecision({ txId: req.txId, decision: 'open', reason: 'OK' }),
  });
  function look(t: number): void {
    const here = engine.people.active().map((p) => ({ id: p.id, q: engine.people.position(p, t) }));
    const onFloor = opts.outsideToo === true ? here : here.filter(({ q }) => q.x >= 0 && q.y >= 0 && q.x <= widthM && q.y <= depthM);
    out.samples++;
    for (let i = 0; i < onFloor.length; i++) {
      for (let j = i + 1; j < onFloor.length; j++) {
        const d = dist(onFloor[i]!.q, onFloor[j]!.q);
        if (d < thresholdM) out.closeSamples++;
        if (d < out.minM) Object.assign(out, { minM: d, at: { t, a: onFloor[i]!.id, b: onFloor[j]!.id, pos: onFloor[i]!.q } });
      }
    }
  }
  while (engine.step());
  out.violations = engine.people.spaceViolations;
  out.crowdSkips = engine.people.crowdSkips;
  out.stillInside = engine.finish().sessions.filter((x) => x.entryTs !== null && x.exitTs === null).length;
  return out;
}
