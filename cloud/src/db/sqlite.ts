/**
 * SQLite adapter. One connection, one writer: every call and every transaction
 * runs under one lock so an awaited step inside a transaction cannot interleave
 * with another request's statements on the same connection.
 */
import Database from 'better-sqlite3';
import { TeburaError } from '@tebura/contract';
import { CloudErrors } from '../errors.js';
import type { SqlDb, SqlParam, SqlRunner } from './sql.js';

/** How long a statement waits for another process's lock on the file (tests open a second handle). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface SqliteOptions {
  path: string;
  /** Calls waiting for the lock before new ones are refused with 503. */
  queueLengthMax: number;
}

export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly queueLengthMax: number;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(opts: SqliteOptions) {
    this.db = new Database(opts.path);
    this.queueLengthMax = opts.queueLengthMax;
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode keeps every committed transaction across a process
    // crash; only an OS crash can lose the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly direct: SqlRunner = {
    all: <T>(sql: string, params: readonly SqlParam[] = []) => Promise.resolve(this.stmt(sql).all(...params) as T[]),
    run: (sql: string, params: readonly SqlParam[] = []) => Promise.resolve({ changes: this.stmt(sql).run(...params).changes }),
    exec: (script: string) => Promise.resolve(void this.db.exec(script)),
  };

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.queueLengthMax) {
      throw new TeburaError(CloudErrors.UNAVAILABLE, 'unavailable', `database queue full (${this.queueLengthMax})`);
    }
    this.waiting++;
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      await prev;
      return await fn();
    } finally {
      this.waiting--;
      release();
    }
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.locked(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.locked(() => this.direct.run(sql, params));
  }

  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T> {
    return this.locked(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  exec(script: string): Promise<void> {
    return this.locked(() => this.direct.exec(script));
  }

  async close(): Promise<void> {
    await this.locked(() => Promise.resolve(this.db.close()));
  }
}
