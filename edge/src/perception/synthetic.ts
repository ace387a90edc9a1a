/**
 * Synthetic load-cell series for tests and the benchmark: noise, drift, a hand
 * pressing while it takes, damped settling oscillation and dropouts, all from a
 * seeded Prng so a failing case replays.
 */
import type { Prng } from '@tebura/contract';

export interface StepSpec {
  /** Sample index where the hand arrives. */
  at: number;
  /** Final change in grams (negative: item removed). */
  deltaG: number;
  /** Samples the hand stays (pressing, noisy). */
  handSamples?: number;
  /** Amplitude of the damped oscillation after the hand leaves. */
  oscillationG?: number;
  /**
   * A smooth hand: a tremor-free half-sine press of this amplitude for
   * `handSamples`, then the step, then a slow (2-4 Hz, 400 ms decay) oscillation
   * of `oscillationG`. Such a press looks settled at its top for a moment.
   */
  smoothPressG?: number;
  oscillationHz?: number;
}

export interface SeriesSpec {
  samples: number;
  baseG: number;
  noiseG: number;
  /** Drift per sample in grams. */
  driftG?: number;
  dropoutRate?: number;
  steps?: StepSpec[];
  sampleRateHz?: number;
}

export function plateSeries(prng: Prng, spec: SeriesSpec): (number | null)[] {
  const out: (number | null)[] = [];
  const steps = [...(spec.steps ?? [])].sort((a, b) => a.at - b.at);
  const rate = spec.sampleRateHz ?? 60;
  for (let k = 0; k < spec.samples; k++) {
    let v = spec.baseG + (spec.driftG ?? 0) * k;
    for (const s of steps) {
      const hand = s.handSamples ?? Math.round(rate * 0.6);
      if (k < s.at) break;
      if (s.smoothPressG !== undefined) {
        v += smoothStep(s, hand, (k - s.at) / rate, rate);
        continue;
      }
      if (k < s.at + hand) {
        // The hand presses and lifts: large, irregular load on top of the old level.
        // A hand is not a weight: it presses unevenly and trembles (several grams per sample).
        v += Math.sin(((k - s.at) / hand) * Math.PI) * (Math.abs(s.deltaG) * 0.5 + 30) * (0.7 + 0.3 * prng.next()) + prng.normal(0, 8);
        if (k >= s.at + hand / 2) v += s.deltaG;
      } else {
        v += s.deltaG;
        const t = (k - s.at - hand) / rate;
        v += (s.oscillationG ?? 0) * Math.exp(-t / 0.12) * Math.sin(2 * Math.PI * 6 * t);
      }
    }
    v += prng.normal(0, spec.noiseG);
    out.push(spec.dropoutRate !== undefined && prng.next() < spec.dropoutRate ? null : v);
  }
  return out;
}

function smoothStep(s: StepSpec, hand: number, t: number, rate: number): number {
  const handS = hand / rate;
  if (t < handS) return (s.smoothPressG ?? 0) * Math.sin((Math.PI * t) / handS);
  const dt = t - handS;
  return s.deltaG + (s.oscillationG ?? 0) * Math.exp(-dt / 0.4) * Math.sin(2 * Math.PI * (s.oscillationHz ?? 3) * dt);
}
