/**
 * better-sqlite3 behind Kysely re-prepares every statement on every execution, which costs more
 * than running it on the delivery hot path. This wrapper keeps prepared statements by SQL text
 * (bounded, least recently used dropped). Reuse is safe: Kysely runs one query at a time per
 * connection, so a statement is never iterated twice at once.
 *
 * It also counts the executions of every statement that may write (anything but a SELECT,
 * transaction control included): with SQLite's data_version, which moves with other
 * connections' commits, that count tells read-cache.ts whether anything changed, without a
 * `total_changes()` query per look.
 */
import type { Database as SqliteDb } from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export const STATEMENT_CACHE_SIZE = 500;

export interface CachedSqlite {
  readonly database: SqliteDatabase;
  /** Executions so far of statements that may write. */
  readonly writes: () => number;
}

const READ_ONLY = /^\s*select\b/i;

export function withStatementCache(db: SqliteDb, size = STATEMENT_CACHE_SIZE): CachedSqlite {
  const cache = new Map<string, SqliteStatement>();
  let writes = 0;
  const counted = (statement: SqliteStatement): SqliteStatement => ({
    reader: statement.reader,
    all: (parameters) => (writes++, statement.all(parameters)),
    run: (parameters) => (writes++, statement.run(parameters)),
    iterate: (parameters) => (writes++, statement.iterate(parameters)),
  });
  const database: SqliteDatabase = {
    close: () => db.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-insert: Map order is the LRU order
      } else {
        const prepared = db.prepare(sql);
        statement = READ_ONLY.test(sql) ? prepared : counted(prepared);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
  return { database, writes: () => writes };
}
