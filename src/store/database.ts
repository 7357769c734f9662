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
import { startSqliteCheckpointer } from './sqlite-checkpointer.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import type { Database } from './schema.js';
import { isConnectionLost } from './storage-errors.js';
import { StorageFaults } from './storage-faults.js';
import { describeDatabase, StoreOpenError } from './store-open-error.js';
import { watchedDialect } from './watched-driver.js';

export type Db = Kysely<Database>;

interface StoreBase {
  readonly db: Db;
  readonly migrations: MigrationReport;
  /** Storage faults seen on this store (storage-faults.ts): /healthz and the metrics read them. */
  readonly faults: StorageFaults;
  /**
   * Runs start-up work (migrations, first-start bootstrap) while no other process starting on this
   * store runs its own, so instances started together on an empty database take turns.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Differs after any commit to the store by anyone (read-cache.ts); undefined where none is cheap. */
  readonly changeStamp?: () => string;
  /**
   * The change stamp for a request that has just arrived: other connections' commits are looked
   * up once per turn of the event loop (a look costs ~5 µs), this connection's writes always
   * count. The requests one turn starts arrived in its poll, before the first of them looked, so
   * a commit that ended before any of them was sent is seen by all of them.
   */
  readonly arrivalStamp?: () => string;
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
/**
 * Below this much free space SQLite's first writes fail at once (each transaction appends whole
 * pages to the WAL), so livehook refuses to start rather than start broken.
 */
const MIN_FREE_BYTES = 1024 * 1024;

export interface OpenStoreOptions {
  /**
   * SQLite: checkpoint the WAL on a thread of its own (sqlite-checkpointer.ts). For the long-running
   * server; a short CLI command does without the extra thread.
   */
  readonly backgroundCheckpoints?: boolean;
}

/** Opens the store, or fails with a StoreOpenError naming the database and the cause. */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const open = databaseUrl.startsWith('sqlite:')
    ? () => openSqlite(databaseUrl.slice('sqlite:'.length), options)
    : /^postgres(ql)?:\/\//.test(databaseUrl)
      ? () => openPostgres(databaseUrl)
      : undefined;
  if (!open) throw new Error(`unsupported --database-url ${JSON.stringify(databaseUrl.split(':')[0])}: expected sqlite:<file> or postgres://…`);
  try {
    return await open();
  } catch (rawError) {
    throw new StoreOpenError(describeDatabase(databaseUrl), rawError);
  }
}

/**
 * Checks what SQLite would only report vaguely ("unable to open database file") or late (the first
 * write on a full disk): that the file, or the directory that will hold it, is readable and
 * writable, and that the disk has room.
 */
function checkSqliteFile(file: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  fs.accessSync(fs.existsSync(file) ? file : dir, fs.constants.R_OK | fs.constants.W_OK);
  const { bavail, bsize } = fs.statfsSync(dir);
  if (bavail * bsize < MIN_FREE_BYTES) {
    throw Object.assign(new Error(`no space left on device: ${bavail * bsize} bytes free in ${dir}`), { code: 'ENOSPC' });
  }
}

async function openSqlite(file: string, options: OpenStoreOptions): Promise<SqliteStore> {
  if (file !== ':memory:') checkSqliteFile(file);
  const sqlite = new SQLite(file);
  const faults = new StorageFaults();
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: watchedDialect(new SqliteDialect({ database: statements.database }), faults) });
  try {
    // WAL lets the CLI read and write while the server runs; NORMAL sync is durable across
    // process crashes (kill -9), which is the promise docs/delivery.md makes.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // A statement's undo log inside a transaction (a batch's multi-row insert, say) spills to a
    // temporary file past 64 KiB: under load an open, an unlink and a dozen writes per batch on
    // the event loop. Kept in memory it needs no file; it is discarded at commit either way.
    sqlite.pragma('temp_store = MEMORY');
    const migrations = await migrate(db, sqliteMigrations);
    const checkpointer =
      options.backgroundCheckpoints && file !== ':memory:'
        ? startSqliteCheckpointer(sqlite, file, (error) => faults.report(error, 'checkpoint'))
        : undefined;
    const close = async () => {
      await checkpointer?.stop();
      await db.destroy();
    };
    // data_version moves with other connections' commits; this one's go through the statement cache.
    const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
    const changeStamp = () => `${String(dataVersion.get())}.${statements.writes()}`;
    let seenThisTurn: string | undefined;
    const arrivalStamp = () => {
      if (seenThisTurn === undefined) {
        seenThisTurn = String(dataVersion.get());
        setImmediate(() => (seenThisTurn = undefined));
      }
      return `${seenThisTurn}.${statements.writes()}`;
    };
    // One process per file: nobody to take turns with.
    return { db, backend: 'sqlite', migrations, faults, exclusive: (work) => work(), changeStamp, arrivalStamp, close };
  } catch (rawError) {
    sqlite.close();
    throw rawError;
  }
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
  // A backend the server ends (an administrator, a failover) answers its query with 57P01 before
  // its socket closes: released at once, the client would go back to the pool and fail the next
  // caller too. A client whose query lost the connection is destroyed on release instead.
  const lost = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    client.on('error', () => {});
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const pending = query(...args);
      if (pending instanceof Promise) pending.catch((error: unknown) => isConnectionLost(error) && lost.add(client));
      return pending;
    }) as typeof client.query;
  });
  const kyselyPool = {
    connect: async () => {
      const client = await pool.connect();
      const release = client.release.bind(client);
      client.release = (destroy?: Error | boolean) => release(destroy || lost.has(client));
      return client;
    },
    end: () => pool.end(),
  };
  const faults = new StorageFaults();
  const db = new Kysely<Database>({ dialect: watchedDialect(new PostgresDialect({ pool: kyselyPool }), faults) });
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
    return { db, backend: 'postgres', url, migrations, faults, exclusive, close: () => db.destroy() };
  } catch (rawError) {
    await db.destroy();
    throw rawError;
  }
}
