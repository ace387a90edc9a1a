/**
 * A load cell noisier than its datasheet (scenario 09-noise-drift: 4x noise, 20x
 * drift) must still report a pick: the plate learns its own idle noise.
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '@tebura/contract';
import { PLATE_ACTIVE, PLATE_SETTLED, ShelfPlates } from './plate-filter.js';
import { DEFAULT_TUNING, plateThresholds } from './tuning.js';

const profile = { deviceId: 'lc-1', sampleRateHz: 60, noiseSigmaG: 1.5, driftGPerMin: 0.5, samplesPerMsg: 12 };

function run(noiseSigmaG: number, seed: number): { settled: boolean; delta: number } {
  const plates = new ShelfPlates(1, plateThresholds(profile, DEFAULT_TUNING));
  const rng = new Prng(seed);
  const dtMs = 1000 / profile.sampleRateHz;
  let settled = false;
  let delta = 0;
  for (let k = 0; k < 60 * 12; k++) {
    const t = k * dtMs;
    // 6 s idle, a 1.5 s reach, then 300 g less on the plate.
    const level = t < 6000 ? 2000 : t < 7500 ? 2000 + 150 * Math.sin(t / 90) : 1700;
    plates.push(0, level + rng.normal(0, noiseSigmaG), t);
    if (!settled && plates.status[0] === PLATE_SETTLED) {
      settled = true;
      delta = plates.delta(0);
    }
  }
  return { settled, delta };
}

describe('plate noise above the datasheet', () => {
  it('reports a 300 g pick at the datasheet noise', () => {
    const r = run(1.5, 1);
    expect(r.settled).toBe(true);
    expect(r.delta).toBeCloseTo(-300, -1);
  });

  it('still reports it when the cell is 4x noisier than its datasheet says', () => {
    for (const seed of [1, 2, 3]) {
      const r = run(6, seed);
      expect(r.settled).toBe(true);
      expect(Math.abs(r.delta + 300)).toBeLessThan(10);
    }
  });

  it('takes a noisy plate\'s early level over every reading it has held still for, a datasheet plate\'s over the early window', () => {
    const th = plateThresholds(profile, DEFAULT_TUNING);
    const longest = (noiseSigmaG: number): { n: number; err: number } => {
      const plates = new ShelfPlates(1, th);
      const rng = new Prng(4);
      const dtMs = 1000 / profile.sampleRateHz;
      let n = 0;
      let err = 0;
      for (let k = 0; k < 60 * 12; k++) {
        const t = k * dtMs;
        const level = t < 6000 ? 2000 : t < 7500 ? 2000 + 150 * Math.sin(t / 90) : 1700;
        plates.push(0, level + rng.normal(0, noiseSigmaG), t);
        if (plates.status[0] === PLATE_ACTIVE && t > 7500 && plates.earlyStable(0, t) && plates.earlyReadings(0) > n) {
          n = plates.earlyReadings(0);
          err = Math.abs(plates.earlyMean(0) - 1700);
        }
      }
      return { n, err };
    };
    expect(longest(1.5).n).toBe(th.earlySamples);
    const noisy = longest(6);
    // Held still for more than the early window: up to a full window of readings, and
    // their mean within what so many readings of 6 g noise allow.
    expect(noisy.n).toBeGreaterThan(2 * th.earlySamples);
    expect(noisy.n).toBeLessThanOrEqual(th.windowSamples);
    expect(noisy.err).toBeLessThan((3 * 6) / Math.sqrt(noisy.n));
  });
});
