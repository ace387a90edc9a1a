/**
 * SQLite for one store: WAL, one writer (this process), versioned migrations.
 * Every state change that must reach the cloud writes its outbox row in the same
 * transaction, so a kill -9 at any moment leaves state and outbox consistent.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Ordered migrations; index + 1 is the schema version. Never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    tx_key TEXT NOT NULL UNIQUE,
    gate_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    entry_method TEXT NOT NULL,
    guests INTEGER NOT NULL,
    opened_at REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'exiting', 'closed')),
    exit_gate_id TEXT,
    exit_ts REAL,
    exit_wall_ms REAL,
    closed_at REAL,
    receipt_id TEXT
  );
  CREATE TABLE cart_lines (
    session_id TEXT NOT NULL REFERENCES sessions(session_id),
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (session_id, sku)
  );
  CREATE TABLE applied_events (
    event_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity_delta INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    applied_at REAL NOT NULL
  );
  CREATE TABLE review_items (
    review_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    session_id TEXT,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    created_at REAL NOT NULL,
    candidate TEXT NOT NULL,
    resolution TEXT,
    resolved_at REAL
  );
  CREATE TABLE receipts (
    receipt_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL,
    created_at REAL NOT NULL
  );
  CREATE TABLE outbox (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'receipt', 'adjustment')),
    session_id TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    sent_at REAL,
    last_error TEXT
  );
  CREATE INDEX outbox_pending ON outbox(status, n);
  CREATE TABLE used_jtis (jti TEXT PRIMARY KEY, exp_ms REAL NOT NULL);
  CREATE INDEX used_jtis_exp ON used_jtis(exp_ms);
  CREATE TABLE perception_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, saved_at REAL NOT NULL);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE device_health (
    device_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    boot_id TEXT,
    last_seen REAL,
    msgs INTEGER NOT NULL DEFAULT 0,
    gaps INTEGER NOT NULL DEFAULT 0,
    restarts INTEGER NOT NULL DEFAULT 0,
    dropouts INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 2: the head-of-line check looks up earlier rows of a session; without this
  // index a 10,000-row backlog after an outage makes each pass quadratic.
  `
  CREATE INDEX outbox_session ON outbox(session_id, n);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDb(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a committed receipt survives power loss, not just a process kill.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this edge (${MIGRATIONS.length})`);
  }
  const apply = db.transaction((sql: string, next: number) => {
    db.exec(sql);
    if (row === undefined && next === 1) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(next);
    else db.prepare('UPDATE schema_version SET version = ?').run(next);
  });
  while (version < MIGRATIONS.length) {
    apply(MIGRATIONS[version] as string, version + 1);
    version++;
  }
  return version;
}
