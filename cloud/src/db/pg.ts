/** PostgreSQL adapter: a bounded pool; each transaction holds one client. */
import pg from 'pg';
import type { SqlDb, SqlParam, SqlRunner } from './sql.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** Bound on opening a connection when the caller gives none. */
export const PG_CONNECT_TIMEOUT_MS = 10_000;

/** Money and counts stay integers far below 2^53, so int8/numeric parse to number. */
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

export interface PgOptions {
  url: string;
  schema: string;
  poolSizeMax: number;
  connectTimeoutMs?: number;
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function runnerOf(c: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    all: async <T>(sql: string, params: readonly SqlParam[] = []) => (await c.query(numbered(sql), params as SqlParam[])).rows as T[],
    run: async (sql: string, params: readonly SqlParam[] = []) => ({ changes: (await c.query(numbered(sql), params as SqlParam[])).rowCount ?? 0 }),
    exec: async (script: string) => void (await c.query(script)),
  };
}

export class PgDb implements SqlDb {
  readonly dialect = 'pg' as const;
  private readonly pool: pg.Pool;
  private readonly runner: SqlRunner;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
    this.runner = runnerOf(pool);
    // An idle client's error (server restart) must not crash the process; the
    // pool drops that client and the next query reports the outage to its caller.
    this.pool.on('error', () => undefined);
  }

  static async open(opts: PgOptions): Promise<PgDb> {
    const admin = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema}"`);
    } finally {
      await admin.end();
    }
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSizeMax,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS,
      options: `-c search_path="${opts.schema}"`,
      types,
    });
    return new PgDb(pool);
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.runner.all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.runner.run(sql, params);
  }

  async tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const out = await fn(runnerOf(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        // A failed ROLLBACK means the connection is gone: drop it from the pool, keep the first error.
        await client.query('ROLLBACK').catch((re: unknown) => (broken = re as Error));
        throw e;
      }
    } finally {
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
