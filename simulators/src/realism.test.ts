/**
 * Physical realism the edge relies on: shoppers step aside after the entry gate
 * instead of piling onto one point, and a put-back lands only where the hand reaches.
 */
import { describe, expect, it } from 'vitest';
import type { StoreLayout } from '@tebura/contract';
import { join } from 'node:path';
import type { Scenario } from './scenario.js';
import { loadScenario, loadStore } from './load.js';
import { SimEngine } from './engine.js';
import { population } from './population.js';
import { dist, gatePoints, type Point } from './geometry.js';
import type { Person } from './people.js';
import type { GroundTruth } from './truth.js';
import { SCENARIOS_DIR, scenarioOf } from './test/fixtures.js';

const store = loadStore(join(SCENARIOS_DIR, '../stores/small.yaml'));
const plates = new Map(store.gondolas.flatMap((g) => g.shelves.flatMap((sh) => sh.plates)).map((p) => [p.id, p]));
const entryAt = store.gates.filter((g) => g.kind === 'entry').map((g) => gatePoints(store, g).at);
/** Positions are checked this often while the run goes, ms of simulated time. */
const SAMPLE_MS = 250;

/** Steps the engine to the end (on the small store unless `layout` is given); `sample` runs every SAMPLE_MS, `onEvent` on each truth event as it is made. */
function drive(scenario: Scenario, sample: (engine: SimEngine, t: number) => void, onEvent: (engine: SimEngine, e: GroundTruth['events'][number]) => void = () => undefined, layout: StoreLayout = store): void {
  const box: number[] = [];
  const engine: SimEngine = new SimEngine({
    scenario, store: layout, seed: scenario.seed, startMs: 1_767_000_000_000, identities: population(scenario, layout, scenario.seed),
    emit: (m) => box.push(m.t), appToken: () => 'tok', facePhoto: () => undefined,
    onEntryRequest: (req) => engine.deliverDecision({ txId: req.txId, decision: 'open', reason: 'OK' }),
  });
  let next = 0;
  let seen = 0;
  while (engine.step()) {
    for (const t of box.splice(0)) {
      if (t < next) continue;
      sample(engine, t);
      next = t + SAMPLE_MS;
    }
    for (; seen < engine.people.events.length; seen++) onEvent(engine, engine.people.events[seen]!);
  }
}

function onFloor(q: Point): boolean {
  return q.x > 0 && q.y > 0 && q.x < store.floor.widthM && q.y < store.floor.depthM;
}

/** Admitted, not yet walked off to a shelf, standing still on the floor (out of the gate passage itself). */
function waitingInside(engine: SimEngine, p: Person, t: number): Point | null {
  if (p.done || !p.started || p.group.decision !== 'open' || p.pathTs[p.pathTs.length - 1]! > t) return null;
  if (p.actions.slice(0, p.ai).some((a) => a.k === 'walkToFacing' || a.k === 'walkToExitQueue')) return null;
  const q = engine.people.position(p, t);
  return onFloor(q) && Math.min(...entryAt.map((a) => dist(a, q))) > 0.3 ? q : null;
}

describe('after the entry gate', () => {
  it('no two admitted shoppers waiting inside stand on one point (02-twenty-concurrent)', () => {
    const scenario = loadScenario(join(SCENARIOS_DIR, '02-twenty-concurrent.yaml'));
    let pairs = 0;
    let closest = Infinity;
    drive(scenario, (engine, t) => {
      const waiting = engine.people.active().map((p) => waitingInside(engine, p, t)).filter((q): q is Point => q !== null);
      for (let i = 0; i < waiting.length; i++) {
        for (let j = i + 1; j < waiting.length; j++) {
          pairs++;
          closest = Math.min(closest, dist(waiting[i]!, waiting[j]!));
        }
      }
    });
    // Enough crowding near the gate that the check means something.
    expect(pairs).toBeGreaterThan(20);
    expect(closest).toBeGreaterThan(0.3);
  });

  it('companions wait close together but not on one point', () => {
    const scenario = scenarioOf({ shoppers: 8, seed: 5, arrivals: { pattern: 'all-at-once' }, behaviour: { groupRate: 1, groupGuestsMax: 3 } });
    let checked = 0;
    drive(scenario, (engine, t) => {
      for (const g of engine.people.groups) {
        const at = g.members.map((p) => waitingInside(engine, p, t));
        for (let i = 0; i < at.length; i++) {
          for (let j = i + 1; j < at.length; j++) {
            if (at[i] === null || at[j] === null) continue;
            checked++;
            const d = dist(at[i]!, at[j]!);
            expect(d).toBeGreaterThan(0.3);
            // Four side by side at personal space (spacing.ts) span 1.8 m; strangers
            // crowding the entry area (eight families at once) push one a step further.
            expect(d).toBeLessThan(2.2);
          }
        }
      }
    });
    expect(checked).toBeGreaterThan(10);
  });
});

describe('wrong-place put-backs', () => {
  it('land on a plate within reach of where the shopper stands (03-put-backs)', () => {
    const scenario = loadScenario(join(SCENARIOS_DIR, '03-put-backs.yaml'));
    let wrong = 0;
    drive(scenario, () => undefined, (engine, e) => {
      if (e.kind !== 'put' || e.wrongPlace !== true) return;
      wrong++;
      const person = engine.people.persons.find((p) => p.id === e.personId)!;
      // The hand goes in REACH_MS before the weight lands; the shopper stands still throughout.
      for (const t of [e.ts - 600, e.ts]) {
        for (const { plateId } of e.plates) expect(dist(engine.people.position(person, t), plates.get(plateId)!)).toBeLessThanOrEqual(store.reachM);
      }
    });
    expect(wrong).toBeGreaterThanOrEqual(3);
  });

  it('are walked to first when no other facing is within reach (one shelf level, plates 1 m apart)', () => {
    // Only the bottom shelf of each gondola: the nearest other facing is a plate 1 m along, out of reach.
    const flat: StoreLayout = { ...store, gondolas: store.gondolas.map((g) => ({ ...g, shelves: g.shelves.filter((sh) => sh.level === 0) })) };
    const kept = new Set(flat.gondolas.flatMap((g) => g.shelves.flatMap((sh) => sh.plates.map((p) => p.id))));
    flat.planogram = store.planogram.filter((e) => e.plateIds.every((id) => kept.has(id)));
    const scenario = scenarioOf({ shoppers: 6, seed: 4, behaviour: { putBackRate: 1, wrongPlaceRate: 1, multiUnitRate: 0, stops: { min: 2, max: 3 } } });
    const pickedAt = new Map<string, Point>();
    let walked = 0;
    let wrong = 0;
    drive(scenario, () => undefined, (engine, e) => {
      const person = engine.people.persons.find((p) => p.id === e.personId)!;
      if (e.kind === 'pick') for (const id of e.itemIds) pickedAt.set(id, engine.people.position(person, e.ts));
      if (e.kind !== 'put' || e.wrongPlace !== true) return;
      wrong++;
      const here = engine.people.position(person, e.ts);
      for (const { plateId, deltaG } of e.plates) {
        expect(dist(here, plates.get(plateId)!)).toBeLessThanOrEqual(store.reachM);
        expect(deltaG).toBeGreaterThan(0);
      }
      if (dist(here, pickedAt.get(e.itemIds[0]!)!) > 0.5) walked++;
    }, flat);
    expect(wrong).toBeGreaterThanOrEqual(4);
    expect(walked).toBeGreaterThanOrEqual(2);
  });
});
