/**
 * The async storage seam. better-sqlite3 is synchronous and pg is asynchronous,
 * so repositories speak to this small interface and two adapters implement it.
 * SQL uses `?` placeholders; the PostgreSQL adapter numbers them.
 */
export type SqlParam = string | number | null;

export interface SqlRunner {
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'pg';
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function one<T>(q: SqlRunner, sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
  const rows = await q.all<T>(sql, params);
  return rows[0];
}

/** True when a database error is a unique / primary key violation, on either engine. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
