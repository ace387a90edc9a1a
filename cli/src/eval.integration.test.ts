/**
 * `tebura eval` (issue 3): the same scenario and seed give the same score twice,
 * through the real MQTT path, and the JSON carries every field the issue names.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalScenario } from './eval-run.js';
import { SCENARIO_DIR } from './paths.js';

const FIELDS = [
  'scenario', 'seed', 'sessions', 'receipts_exact', 'cacc', 'item_precision', 'item_recall', 'review_rate', 'unresolved',
  'event_to_cart_ms_p50', 'event_to_cart_ms_p99', 'exit_to_charge_ms_p99', 'msgs_per_s',
];

describe('tebura eval', () => {
  it('scores a scenario the same way twice for one seed', { timeout: 240_000 }, async () => {
    const scenarioPath = join(SCENARIO_DIR, '03-put-backs.yaml');
    // The CLI's default speed; at 'max' the edge's wall-clock bounds can make runs differ.
    const run = () => evalScenario({ scenarioPath, seed: 3, speed: 10, closeWaitMs: 20_000 });
    const a = await run();
    const b = await run();
    for (const f of FIELDS) expect(a).toHaveProperty(f);
    expect(a.sessions).toBeGreaterThan(0);
    const scoreOf = (s: typeof a) => ({
      sessions: s.sessions, receipts_exact: s.receipts_exact, cacc: s.cacc, item_precision: s.item_precision,
      item_recall: s.item_recall, review_rate: s.review_rate, unresolved: s.unresolved,
      // Session ids are made by the edge (random); who was wrong about what must not change.
      mismatches: s.mismatches.map(({ sessionId: _id, ...m }) => m),
    });
    expect(scoreOf(b)).toEqual(scoreOf(a));
  });
});
