import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { percentiles, scoreRun, type ScoredReceipt } from './score.js';
import { loadTruth, type GroundTruth, type TruthSession } from './truth.js';

function session(customerId: string, basket: { sku: string; quantity: number }[], over: Partial<TruthSession> = {}): TruthSession {
  return {
    customerId, method: 'app', entryGateId: 'in', exitGateId: 'out', guests: 0, personIds: ['p'], tags: [], arrivalTs: 0, entryRequestTs: 1, txId: `tx-${customerId}`,
    decision: 'open', reason: 'OK', sessionId: `s-${customerId}`, entryTs: 2, exitTs: 10, basket, ...over,
  };
}

function truth(sessions: TruthSession[]): GroundTruth {
  return { version: 1, scenario: 'unit', seed: 4, storeId: 'st', startMs: 0, endMs: 100, sessions, events: [] };
}

const receipt = (customerId: string, lines: { sku: string; quantity: number }[], over: Partial<ScoredReceipt> = {}): ScoredReceipt => ({ customerId, sessionId: `s-${customerId}`, lines, reviewed: false, closed: true, ...over });

describe('scoreRun', () => {
  it('counts exact receipts and unit precision/recall', () => {
    const t = truth([
      session('a', [{ sku: 'x', quantity: 2 }]),
      session('b', [{ sku: 'x', quantity: 1 }, { sku: 'y', quantity: 1 }]),
      session('c', [{ sku: 'z', quantity: 1 }]),
    ]);
    const s = scoreRun(t, [
      receipt('a', [{ sku: 'x', quantity: 1 }, { sku: 'x', quantity: 1 }]),
      receipt('b', [{ sku: 'x', quantity: 1 }, { sku: 'w', quantity: 1 }], { reviewed: true }),
    ], { msgs_per_s: 1234 });
    expect(s.sessions).toBe(3);
    expect(s.receipts_exact).toBe(1);
    expect(s.cacc).toBeCloseTo(1 / 3);
    // charged 4 units, 3 right; truly taken 5.
    expect(s.item_precision).toBeCloseTo(3 / 4);
    expect(s.item_recall).toBeCloseTo(3 / 5);
    expect(s.review_rate).toBeCloseTo(1 / 3);
    expect(s.unresolved).toBe(1);
    expect(s.msgs_per_s).toBe(1234);
    expect(s.scenario).toBe('unit');
    expect(s.mismatches.find((m) => m.customerId === 'b')).toEqual({ customerId: 'b', sessionId: 's-b', missing: [{ sku: 'y', quantity: 1 }], extra: [{ sku: 'w', quantity: 1 }], noReceipt: false });
  });

  it('matches by session id before customer, ignores denied shoppers and flags phantom receipts', () => {
    const t = truth([
      session('a', [{ sku: 'x', quantity: 1 }], { sessionId: 's2' }),
      session('a', [{ sku: 'y', quantity: 1 }], { sessionId: 's1' }),
      session('d', [], { decision: 'deny', sessionId: null, exitTs: null }),
    ]);
    const s = scoreRun(t, [
      receipt('a', [{ sku: 'y', quantity: 1 }], { sessionId: 's1' }),
      receipt('a', [{ sku: 'x', quantity: 1 }], { sessionId: 's2' }),
      receipt('d', [{ sku: 'x', quantity: 1 }], { sessionId: 'zz' }),
    ]);
    expect(s.sessions).toBe(2);
    expect(s.cacc).toBe(1);
    expect(s.phantom_receipts).toBe(1);
  });

  it('an empty basket with no receipt is exact; an open receipt is unresolved', () => {
    const t = truth([session('e', []), session('f', [{ sku: 'x', quantity: 1 }])]);
    const s = scoreRun(t, [receipt('f', [{ sku: 'x', quantity: 1 }], { closed: false })]);
    expect(s.receipts_exact).toBe(1);
    expect(s.unresolved).toBe(1);
    expect(s.item_recall).toBe(0);
  });
});

describe('percentiles', () => {
  it('uses nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(v)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([])).toEqual({ p50: null, p95: null, p99: null, max: null });
  });
});

describe('loadTruth', () => {
  it('reads a truth file and rejects other JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'truth-'));
    const good = join(dir, 't.json');
    const bad = join(dir, 'b.json');
    writeFileSync(good, JSON.stringify(truth([session('a', [])])));
    writeFileSync(bad, '{"version":2}');
    expect(loadTruth(good).sessions).toHaveLength(1);
    expect(() => loadTruth(bad)).toThrow(/not a Tebura ground-truth file/);
  });
});
