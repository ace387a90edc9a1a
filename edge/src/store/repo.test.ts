import { describe, expect, it } from 'vitest';
import { migrate, openDb, SCHEMA_VERSION } from './db.js';
import { nodeHarness } from '../testing/node-harness.js';

describe('store', () => {
  it('migrates once and records the schema version; WAL on a file', () => {
    const db = openDb(':memory:');
    expect(db.prepare('SELECT version FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get()).toBe(1);
  });

  it('refuses a database from a newer edge', () => {
    const db = openDb(':memory:');
    db.prepare('UPDATE schema_version SET version = 999').run();
    expect(() => migrate(db)).toThrow(/newer/);
  });

  it('prunes sent session/receipt rows and old event ids, keeps adjustments, pending and failed rows', async () => {
    const h = nodeHarness();
    const s = h.admit('t1');
    h.delta('e1', s, 'tea', 1);
    await h.sessions.exit('gate-out', 1);
    const open = h.admit('t2');
    h.delta('e2', open, 'tea', 1);
    for (const row of h.repo.outbox()) if (row.session_id === s) h.repo.markSent(row.id, h.clock.now());
    h.clock.advance(10_000);
    expect(h.repo.prune(h.clock.now())).toEqual({ outbox: 2, events: 1 });
    expect(h.repo.outbox().map((r) => r.session_id)).toEqual([open]);
    expect(h.repo.eventOutcome('e2')).toBe('applied');
    expect(h.repo.countReceipts()).toBe(1);
  });
});
