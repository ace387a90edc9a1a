import { describe, expect, it } from 'vitest';
import { Prng } from '@tebura/contract';
import { fixtureLayout, weightMessages } from './fixtures.js';
import { ShelfEventDetector, type ShelfEvent } from './shelf-events.js';
import { plateSeries, type StepSpec } from './synthetic.js';
import { DEFAULT_TUNING } from './tuning.js';

const layout = fixtureLayout({ noiseSigmaG: 1, samplesPerMsg: 3 });
const shelf = layout.gondolas[0]!.shelves[0]!;
const N = 60 * 8;
/** After the plates' 2 s warm-up (120 samples). */
const WARM = 150;
const T0 = 1_000_000;

function run(steps: StepSpec[], gate?: (e: ShelfEvent) => boolean): ShelfEvent[] {
  const prng = new Prng(5);
  const series = shelf.plates.map((_, i) =>
    plateSeries(prng, { samples: N, baseG: 800 + i * 137, noiseG: 1, steps: i === 2 ? steps.map((s) => ({ ...s, at: s.at + WARM })) : [] }),
  );
  const det = new ShelfEventDetector(shelf, DEFAULT_TUNING, gate);
  const out: ShelfEvent[] = [];
  for (const m of weightMessages(shelf, T0, series)) det.ingest(m, out);
  return out;
}

const pick: StepSpec = { at: 60, deltaG: -105, handSamples: 36, oscillationG: 25 };

describe('early shelf decisions', () => {
  it('decides an unambiguous pick before the full stable window, once, at the right weight', () => {
    const full = run([pick]);
    const early = run([pick], () => true);
    expect(full).toHaveLength(1);
    expect(early).toHaveLength(1);
    expect(early[0]!.early).toBe(true);
    expect(full[0]!.early).toBeUndefined();
    // The early window is 100 ms, the full one 350 ms: at least 150 ms sooner.
    expect(full[0]!.endTs - early[0]!.endTs).toBeGreaterThan(150);
    expect(Math.abs(early[0]!.deltaG - -105)).toBeLessThan(2 * early[0]!.noiseG);
  });

  it('waits for the full window when the gate finds the weight ambiguous', () => {
    const asked: ShelfEvent[] = [];
    const ev = run([pick], (e) => {
      asked.push(e);
      return false;
    });
    expect(asked.length).toBeGreaterThan(0);
    expect(ev).toHaveLength(1);
    expect(ev[0]!.early).toBeUndefined();
    expect(Math.abs(ev[0]!.deltaG - -105)).toBeLessThan(2);
  });

  it('reports a level that moves on after an early decision as its own change, so the two add up to the truth', () => {
    // A second item goes 0.5 s after the hand left, after the early decision on the first.
    const ev = run([pick, { at: pick.at + 36 + 30, deltaG: -60, handSamples: 30 }], () => true);
    expect(ev).toHaveLength(2);
    expect(ev[0]!.early).toBe(true);
    // The early level may be off by what its noise allows; the second change is measured
    // from that level, so the error is not charged twice and the sum is right.
    expect(Math.abs(ev[0]!.deltaG - -105)).toBeLessThan(2 * ev[0]!.noiseG);
    expect(Math.abs(ev[0]!.deltaG + ev[1]!.deltaG - -165)).toBeLessThan(4);
    // Perception may take the two together as one reach (perception.ts reconcile()).
    expect(ev[1]!.residualOf).toBe(ev[0]!.eventId);
  });

  it('decides a put-back early, but not the crest of a hand pressing where it has just taken something', () => {
    // A smooth press holds still at its top for longer than the early window.
    const putBack: StepSpec = { at: 60, deltaG: 60, handSamples: 36, smoothPressG: 20, oscillationG: 0 };
    const back = run([putBack], () => true);
    expect(back).toHaveLength(1);
    expect(back[0]!.early).toBe(true);
    expect(Math.abs(back[0]!.deltaG - 60)).toBeLessThan(2 * back[0]!.noiseG);
    // A 25 g pick, then the hand comes back and presses 60 g before it takes a second one:
    // the press's crest stands 35 g above the old level, calm, 1 s into the activity.
    const first: StepSpec = { at: 60, deltaG: -25, handSamples: 36, smoothPressG: 15, oscillationG: 0 };
    const second: StepSpec = { at: 60 + 36 + 12, deltaG: -25, handSamples: 36, smoothPressG: 60, oscillationG: 0 };
    // Picks not decided early (the gate refuses falls): the crest is not a put-back.
    const ev = run([first, second], (e) => e.deltaG > 0);
    expect(ev.filter((e) => e.deltaG > 0)).toEqual([]);
    expect(Math.abs(ev.reduce((a, e) => a + e.deltaG, 0) - -50)).toBeLessThan(3);
  });

  it('counts a second small unit taken from a plate decided early, even within the early swing', () => {
    // The first pick is decided early with a wide swing allowance (the press's tail): the second
    // 25 g unit lands within it, and once was confirmed as the first level, never charged.
    const first: StepSpec = { at: 60, deltaG: -25, handSamples: 36, smoothPressG: 15, oscillationG: 0 };
    const second: StepSpec = { at: 60 + 36 + 12, deltaG: -25, handSamples: 36, smoothPressG: 60, oscillationG: 0 };
    const ev = run([first, second], () => true);
    expect(ev[0]!.early).toBe(true);
    expect(ev.length).toBeGreaterThanOrEqual(2);
    expect(Math.abs(ev.reduce((a, e) => a + e.deltaG, 0) - -50)).toBeLessThan(3);
  });
});
