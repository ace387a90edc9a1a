/**
 * Personal space: no two bodies closer than PERSONAL_SPACE_M, measured on true
 * positions at every overhead frame of whole scenarios. Before this was enforced
 * the closest pairs were 0.00 m (02, 07, 11) and 0.05 m (10).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadScenario, loadStore } from './load.js';
import { closestBetween, intrudes, PERSONAL_SPACE_M, type Plan } from './spacing.js';
import { closestApproach } from './test/closest.js';
import { SCENARIOS_DIR } from './test/fixtures.js';

/** Rounding of walk times to whole ms and of spot geometry, m. */
const TOLERANCE_M = 0.01;

function run(file: string, seed?: number): ReturnType<typeof closestApproach> {
  const scenario = loadScenario(join(SCENARIOS_DIR, file));
  return closestApproach(seed === undefined ? scenario : { ...scenario, seed }, loadStore(scenario.store), PERSONAL_SPACE_M - TOLERANCE_M);
}

describe('closest approach of two plans', () => {
  // A walks +x at 1 m/s from x=0; B walks -x at 1 m/s from x=4: they meet at t=2 s.
  const a: Plan = { pts: [{ x: 0, y: 0 }, { x: 4, y: 0 }], ts: [0, 4000] };
  const b: Plan = { pts: [{ x: 4, y: 0 }, { x: 0, y: 0 }], ts: [0, 4000] };

  it('finds a head-on meeting between samples', () => {
    expect(closestBetween(a, b, 0)).toBeCloseTo(0, 9);
    // From t=3 s on they only move apart.
    expect(closestBetween(a, b, 3000)).toBeCloseTo(2, 9);
  });

  it('keeps lanes apart by their offset, and counts standing at the end', () => {
    const lane: Plan = { pts: [{ x: 4, y: 0.6 }, { x: 0, y: 0.6 }], ts: [0, 4000] };
    expect(closestBetween(a, lane, 0)).toBeCloseTo(0.6, 9);
    const stander: Plan = { pts: [{ x: 4.3, y: 0 }], ts: [0] };
    expect(closestBetween(a, stander, 0)).toBeCloseTo(0.3, 9);
  });

  it('lets people already too close move apart, never closer; a newcomer keeps the full distance', () => {
    const here: Plan = { pts: [{ x: 0, y: 0 }], ts: [0] };
    const away: Plan = { pts: [{ x: 0.3, y: 0 }, { x: 1.3, y: 0 }], ts: [0, 1000] };
    const closer: Plan = { pts: [{ x: 0.3, y: 0 }, { x: 0.2, y: 0 }], ts: [0, 1000] };
    expect(intrudes(away, here, 0)).toBe(false);
    expect(intrudes(closer, here, 0)).toBe(true);
    expect(intrudes({ pts: [{ x: 0.3, y: 0 }], ts: [0] }, here, 0, true)).toBe(true);
  });
});

describe('people keep personal space over whole scenarios (true positions, every frame)', () => {
  for (const file of ['10-camera-faults.yaml', '04-same-shelf.yaml', '08-handoffs.yaml', '03-put-backs.yaml']) {
    it(`${file}: nobody closer than ${PERSONAL_SPACE_M} m`, () => {
      const r = run(file);
      expect(r.samples).toBeGreaterThan(500);
      expect(r.violations).toBe(0);
      expect(r.minM).toBeGreaterThanOrEqual(PERSONAL_SPACE_M - TOLERANCE_M);
    });
  }

  // Crowds and families moving as a block still wedge each other in now and then
  // (three in a row at a shelf, a stranger behind them in the aisle); the bounded
  // wait runs out and the least close way is taken (People.go).
  it('02-twenty-concurrent: at most one walk runs out of patience, none onto one spot', () => {
    const r = run('02-twenty-concurrent.yaml');
    expect(r.violations).toBeLessThanOrEqual(1);
    expect(r.minM).toBeGreaterThan(0.25);
    expect(r.closeSamples).toBeLessThan(20);
    // Twenty arrive within 30 s: the queue outside the entry gate (unseen) keeps the distance too.
    const scenario = loadScenario(join(SCENARIOS_DIR, '02-twenty-concurrent.yaml'));
    expect(closestApproach(scenario, loadStore(scenario.store), PERSONAL_SPACE_M, { outsideToo: true }).minM).toBeCloseTo(r.minM, 6);
  }, 30_000);

  it('07-group-one-payer: at most a few walks run out of patience, none onto one spot', () => {
    const r = run('07-group-one-payer.yaml');
    expect(r.violations).toBeLessThanOrEqual(3);
    expect(r.minM).toBeGreaterThan(0.25);
    expect(r.closeSamples).toBeLessThan(20);
  }, 30_000);

  // Other seeds of the crowded scenarios. Before shelf waits were bounded
  // (People.crowdSkips) and a blocked walk stopped restarting the crowd looks,
  // 02 seed 202 ended with 11 of 20 shoppers still inside, 07 seed 101 with 2 of
  // 6 groups and 11 seed 101 with 59 of 120, and forced spots put two people on
  // one spot (closest 0.00 m on 02 seeds 101-303 and 07 seed 101).
  for (const [file, seeds] of [['02-twenty-concurrent.yaml', [101, 202, 303]], ['07-group-one-payer.yaml', [101, 202, 303]]] as const) {
    for (const seed of seeds) {
      it(`${file} seed ${seed}: everyone admitted leaves, nobody onto another's spot`, () => {
        const r = run(file, seed);
        expect(r.stillInside).toBe(0);
        expect(r.minM).toBeGreaterThan(0.05);
        expect(r.violations).toBeLessThanOrEqual(10);
        expect(r.closeSamples / r.samples).toBeLessThan(0.1);
      }, 30_000);
    }
  }

  it('11-busy-hour: an hour of traffic with at most one walk out of patience', () => {
    const r = run('11-busy-hour.yaml');
    expect(r.violations).toBeLessThanOrEqual(1);
    expect(r.minM).toBeGreaterThanOrEqual(0.45);
    expect(r.stillInside).toBe(0);
  }, 60_000);
});
