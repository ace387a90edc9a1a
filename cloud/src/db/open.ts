import type { CloudConfig } from '../config.js';
import { migrate } from './migrations.js';
import { PgDb } from './pg.js';
import type { SqlDb } from './sql.js';
import { SqliteDb } from './sqlite.js';

/** Opens the configured database and applies pending migrations. */
export async function openDb(cfg: CloudConfig, now: number): Promise<SqlDb> {
  const db: SqlDb =
    cfg.databaseUrl !== undefined
      ? await PgDb.open({ url: cfg.databaseUrl, schema: cfg.databaseSchema, poolSizeMax: cfg.dbPoolSizeMax })
      : new SqliteDb({ path: cfg.dbPath, queueLengthMax: cfg.dbQueueLengthMax });
  try {
    await migrate(db, now);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
