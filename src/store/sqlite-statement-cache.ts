/**
 * better-sqlite3 behind Kysely re-prepares every statement on every execution, which costs more
 * than running it on the delivery hot path. This wrapper keeps prepared statements by SQL text
 * (bounded, least recently used dropped). Reuse is safe: Kysely runs one query at a time per
 * connection, so a statement is never iterated twice at once.
 */
import type { Database as SqliteDb, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export const STATEMENT_CACHE_SIZE = 500;

export function withStatementCache(db: SqliteDb, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-insert: Map order is the LRU order
      } else {
        statement = db.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
