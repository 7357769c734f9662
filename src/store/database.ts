/**
 * Opens the store: a Kysely handle on SQLite (default) with migrations applied.
 * PostgreSQL plugs in here behind the same `Kysely<Database>` type.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate, type MigrationReport } from './migrate.js';
import { sqliteMigrations } from './migrations/sqlite.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly backend: 'sqlite';
  readonly migrations: MigrationReport;
  close(): Promise<void>;
}

export async function openStore(databaseUrl: string): Promise<Store> {
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new Error(`unsupported --database-url ${JSON.stringify(databaseUrl.split(':')[0])}: only sqlite is built in so far`);
  }
  const file = databaseUrl.slice('sqlite:'.length);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets the CLI read and write while the server runs; NORMAL sync is durable across
  // process crashes (kill -9), which is the promise SPEC §5 makes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const migrations = await migrate(db, sqliteMigrations);
  return {
    db,
    backend: 'sqlite',
    migrations,
    close: () => db.destroy(),
  };
}
