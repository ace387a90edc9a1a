/** Versioned migrations, applied in order at start, each in its own transaction. */
import type { SqlDb } from './sql.js';
import { LEDGER_RULES_PG, LEDGER_RULES_SQLITE, TABLES_V1 } from './schema.js';

interface Migration {
  version: number;
  name: string;
  sql: (dialect: SqlDb['dialect']) => string;
}

function fill(sql: string, dialect: SqlDb['dialect']): string {
  return dialect === 'pg'
    ? sql.replaceAll('{{INT}}', 'BIGINT').replaceAll('{{SERIAL}}', 'BIGSERIAL PRIMARY KEY')
    : sql.replaceAll('{{INT}}', 'INTEGER').replaceAll('{{SERIAL}}', 'INTEGER PRIMARY KEY AUTOINCREMENT');
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'ledger, customers, payments', sql: (d) => fill(TABLES_V1, d) },
  { version: 2, name: 'ledger balance and append-only rules', sql: (d) => (d === 'pg' ? LEDGER_RULES_PG : LEDGER_RULES_SQLITE) },
  {
    version: 3,
    name: 'receipts by session (late session records must not place a hold)',
    sql: () => 'CREATE INDEX receipts_session ON receipts (store_id, session_id); CREATE INDEX payments_parent ON payments (store_id, parent_ref);',
  },
  {
    version: 4,
    name: 'catalog versions per store (every version kept: a receipt can be explained by the prices it used)',
    sql: (d) =>
      fill('CREATE TABLE catalogs (store_id TEXT NOT NULL, version {{INT}} NOT NULL, document TEXT NOT NULL, created_at {{INT}} NOT NULL, PRIMARY KEY (store_id, version));', d),
  },
];

export async function migrate(db: SqlDb, now: number): Promise<number[]> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const done = await db.all<{ version: number }>('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
    if (done.length > 0) continue;
    await db.tx(async (q) => {
      // Two processes starting at once: the loser's insert of the version row fails and rolls back its DDL.
      await q.exec(m.sql(db.dialect));
      await q.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now]);
    });
    applied.push(m.version);
  }
  return applied;
}
