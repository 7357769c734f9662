/**
 * Opens the store: a Kysely handle on SQLite (default) or PostgreSQL (`postgres://…`), with that
 * backend's migrations applied. Everything above this file uses the one `Kysely<Database>` type;
 * where SQL must differ per backend, the difference stays in the store and outbox files.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrate, type MigrationReport } from './migrate.js';
import { postgresMigrations } from './migrations/postgres.js';
import { sqliteMigrations } from './migrations/sqlite.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

interface StoreBase {
  readonly db: Db;
  readonly migrations: MigrationReport;
  /**
   * Runs start-up work (migrations, first-start bootstrap) while no other process starting on this
   * store runs its own, so instances started together on an empty database take turns.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One process owns the file. */
export interface SqliteStore extends StoreBase {
  readonly backend: 'sqlite';
}

/** Shared by any number of livehook processes. */
export interface PostgresStore extends StoreBase {
  readonly backend: 'postgres';
  /** For connections outside the pool (the LISTEN connection of the change feed). */
  readonly url: string;
}

export type Store = SqliteStore | PostgresStore;

/**
 * Connections per process. Delivery holds at most three at once (the claim loop, the recorder and
 * the event writer each run one statement or transaction at a time; HTTP attempts hold none), so
 * API requests always have the rest.
 */
export const POSTGRES_POOL_SIZE = 10;
/** A request waits this long for a connection (or for an unreachable server) before failing. */
const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;
/** Key of the session-level advisory lock that lets one starter at a time do its start-up work. */
const STARTUP_LOCK = 0x6c766b68; // 'lvkh'
const INT8_OID = 20;

export function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return openSqlite(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl);
  throw new Error(`unsupported --database-url ${JSON.stringify(databaseUrl.split(':')[0])}: expected sqlite:<file> or postgres://…`);
}

async function openSqlite(file: string): Promise<SqliteStore> {
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
  // One process per file: nobody to take turns with.
  return { db, backend: 'sqlite', migrations, exclusive: (work) => work(), close: () => db.destroy() };
}

/** Pool options shared with the change feed's own connection. */
export const postgresClientConfig = (url: string): pg.ClientConfig => ({
  connectionString: url,
  connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
  // BIGINT (times in ms, ids) as numbers: every value livehook stores is below 2^53.
  types: {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  },
});

async function openPostgres(url: string): Promise<PostgresStore> {
  const pool = new pg.Pool({ ...postgresClientConfig(url), max: POSTGRES_POOL_SIZE });
  // The server may drop connections (restart, failover). An idle one is replaced on next use; one
  // that is checked out fails its caller's query and is discarded on release. Either way the
  // 'error' event carries nothing more, and unheard it would end the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // The lock belongs to one pooled connection, held while `work` runs on others; the second
  // starter waits, then finds the work done.
  const exclusive = <T>(work: () => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(${STARTUP_LOCK})`.execute(conn);
      try {
        return await work();
      } finally {
        await sql`SELECT pg_advisory_unlock(${STARTUP_LOCK})`.execute(conn);
      }
    });
  try {
    const migrations = await exclusive(() => migrate(db, postgresMigrations));
    return { db, backend: 'postgres', url, migrations, exclusive, close: () => db.destroy() };
  } catch (rawError) {
    await db.destroy();
    throw rawError;
  }
}
