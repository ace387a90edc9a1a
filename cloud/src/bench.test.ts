import { describe, expect, it } from 'vitest';
import { benchLedger } from './bench.js';

describe('benchLedger', () => {
  it('measures ingest next to raw inserts on SQLite and prints the ratio', async () => {
    const lines: string[] = [];
    const [r] = await benchLedger({ receipts: 300, concurrency: 8, databaseUrl: '', log: (l) => lines.push(l) });
    expect(r?.backend).toBe('sqlite');
    expect(r?.ingestPerSec).toBeGreaterThan(0);
    // Ingest does strictly more work than one bare insert, so it cannot be faster.
    expect(r?.ratio).toBeGreaterThan(0);
    expect(r?.ratio).toBeLessThan(1);
    expect(lines[0]).toMatch(/^ledger sqlite: \d+ receipts\/s ingested vs \d+ raw inserts\/s \(ratio 0\.\d{3}/);
  });
});
