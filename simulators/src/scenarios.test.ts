/** Every scenario in the library loads, runs and shows the behaviour it is named after. */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage } from '@tebura/contract';
import { loadScenario, loadStore } from './load.js';
import { generateTraffic } from './generate.js';
import { benchGenerator } from './bench.js';
import type { GroundTruth } from './truth.js';
import { SCENARIOS_DIR } from './test/fixtures.js';

const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** What each scenario must contain, checked on its ground truth. */
const expectations: Record<string, (t: GroundTruth) => void> = {
  'one-shopper': (t) => expect(t.sessions).toHaveLength(1),
  'twenty-concurrent': (t) => {
    const inside = (ts: number) => t.sessions.filter((s) => s.entryTs! <= ts && s.exitTs! >= ts).length;
    expect(Math.max(...t.sessions.map((s) => inside(s.entryTs!)))).toBeGreaterThanOrEqual(8);
  },
  'put-backs': (t) => {
    expect(t.events.filter((e) => e.kind === 'put').length).toBeGreaterThan(3);
    expect(t.events.some((e) => e.wrongPlace === true)).toBe(true);
  },
  'same-shelf': (t) => {
    const picks = t.events.filter((e) => e.kind === 'pick');
    const shelfOf = (id: string) => id.split('-p')[0];
    const together = picks.some((a) => picks.some((b) => a.customerId !== b.customerId && Math.abs(a.ts - b.ts) < 1000 && shelfOf(a.plates[0]!.plateId) === shelfOf(b.plates[0]!.plateId)));
    expect(together).toBe(true);
  },
  'near-equal-weights': (t) => expect(t.events.some((e) => e.sku.startsWith('onigiri'))).toBe(true),
  'across-plates': (t) => expect(t.events.some((e) => e.plates.length === 2 && e.plates.every((p) => p.deltaG < 0))).toBe(true),
  'group-one-payer': (t) => {
    expect(t.sessions.every((s) => s.guests >= 1)).toBe(true);
    expect(t.events.some((e) => !e.personId.endsWith('.0'))).toBe(true);
  },
  handoffs: (t) => {
    const h = t.events.filter((e) => e.kind === 'handoff');
    expect(h.length).toBeGreaterThan(0);
    for (const e of h) expect(t.sessions.find((s) => s.customerId === e.toCustomerId)!.basket.some((b) => b.sku === e.sku)).toBe(true);
  },
  'noise-drift': (t) => expect(t.events.length).toBeGreaterThan(0),
  'camera-faults': (t) => expect(t.events.length).toBeGreaterThan(0),
  'busy-hour': (t) => expect(t.sessions.length).toBeGreaterThanOrEqual(100),
  'leave-without-buying': (t) => expect(t.sessions.filter((s) => s.tags.includes('leave-without-buying') && s.basket.length === 0).length).toBeGreaterThan(0),
  'face-entry': (t) => expect(t.sessions).toHaveLength(10),
};

describe('scenario library', () => {
  it('has at least 11 scenarios, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
    for (const f of files) expect(Object.keys(expectations), f).toContain(loadScenario(join(SCENARIOS_DIR, f)).name);
  });

  for (const f of files) {
    it(`${f} runs to the end with valid traffic`, () => {
      const scenario = loadScenario(join(SCENARIOS_DIR, f));
      const store = loadStore(scenario.store);
      let bad = 0;
      let n = 0;
      const r = generateTraffic({
        scenario, store, seed: scenario.seed,
        onMessage: (m) => {
          // Decoding all of a long run costs more than it tells: check every message of short runs, a sample of long ones.
          if (n++ % (scenario.shoppers > 50 ? 10 : 1) === 0 && !decodeMessage(m.topic, m.payload).ok) bad++;
        },
      });
      expect(bad).toBe(0);
      expect(r.truth.sessions.every((s) => s.decision === 'open' && s.exitTs !== null)).toBe(true);
      expectations[scenario.name]!(r.truth);
    }, 120_000);
  }

  it('benchmark: generator throughput (printed, not asserted)', () => {
    const b = benchGenerator();
    console.log(`generator: ${Math.round(b.msgsPerS)} msgs/s wall, ${Math.round(b.msgsPerCpuS)} msgs/CPU-s, ${b.speedup.toFixed(0)}x real time (${b.scenario})`);
    expect(b.messages).toBeGreaterThan(0);
  });
});
