/**
 * Micro-benchmark of the weight path: messages/s through onWeight for a store of
 * realistic size (default 4 gondolas x 5 shelves x 12 plates at 60 Hz, 12 samples
 * per packet, like AiFi's controllers), with picks happening. Prints, never asserts.
 * Run: npx tsx -e "import('@tebura/edge/perception/index').then(m => m.benchPerception())"
 */
import { ManualClock, Prng, type LoadCellWeight } from '@tebura/contract';
import { fixtureLayout, weightMessages } from './fixtures.js';
import { createPerceptionWith } from './perception.js';
import { plateSeries } from './synthetic.js';

export interface BenchResult {
  messages: number;
  samples: number;
  seconds: number;
  msgsPerS: number;
  samplesPerS: number;
  shelfEvents: number;
}

export function benchPerception(opts: { seconds?: number; gondolas?: number; platesPerShelf?: number; rounds?: number; print?: boolean } = {}): BenchResult {
  const seconds = opts.seconds ?? 20;
  const layout = fixtureLayout({ gondolas: opts.gondolas ?? 4, shelvesPerGondola: 5, platesPerShelf: opts.platesPerShelf ?? 12, sampleRateHz: 60, samplesPerMsg: 12, noiseSigmaG: 1 });
  const prng = new Prng(42);
  const t0 = 1_700_000_000_000;
  const msgs: LoadCellWeight[] = [];
  for (const g of layout.gondolas) {
    for (const sh of g.shelves) {
      const series = sh.plates.map((_, i) =>
        plateSeries(prng, {
          samples: seconds * 60,
          baseG: 500 + 40 * i,
          noiseG: 1,
          dropoutRate: 0.01,
          steps: prng.next() < 0.5 ? [{ at: prng.int(60, seconds * 60 - 120), deltaG: -prng.int(50, 600), oscillationG: 10 }] : [],
        }),
      );
      msgs.push(...weightMessages(sh, t0, series));
    }
  }
  msgs.sort((a, b) => a.ts - b.ts);
  const rounds = opts.rounds ?? 3;
  let best = Infinity;
  let shelfEvents = 0;
  for (let r = 0; r < rounds; r++) {
    const p = createPerceptionWith(layout, new ManualClock(t0), { cartDelta: () => undefined, review: () => undefined });
    const start = process.hrtime.bigint();
    for (const m of msgs) p.onWeight(m);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, s);
    shelfEvents = p.stats().shelfEvents ?? 0;
  }
  const samples = msgs.reduce((n, m) => n + m.readings.reduce((k, r) => k + r.grams.length, 0), 0);
  const res: BenchResult = { messages: msgs.length, samples, seconds: best, msgsPerS: msgs.length / best, samplesPerS: samples / best, shelfEvents };
  if (opts.print !== false) {
    console.log(
      `benchPerception (${layout.gondolas.length * 5} shelves x ${opts.platesPerShelf ?? 12} plates): ${res.messages} msgs (${res.samples} samples) in ${(best * 1000).toFixed(1)} ms: ` +
        `${Math.round(res.msgsPerS)} msgs/s, ${(res.samplesPerS / 1e6).toFixed(2)} M samples/s, ${shelfEvents} shelf events`,
    );
  }
  return res;
}
