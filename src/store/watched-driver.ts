/**
 * A Kysely dialect wrapper that sees every connection, statement and commit of the store, for two
 * reasons (docs/storage-faults.md):
 * - storage faults are recorded where they happen (storage-faults.ts), whichever part of livehook
 *   ran the statement, and cleared by the next write that reaches the disk;
 * - a transaction that fails keeps its real cause. SQLite rolls a transaction back by itself on
 *   SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY and SQLITE_NOMEM, so the ROLLBACK Kysely then sends fails
 *   with "cannot rollback - no transaction is active"; on PostgreSQL the ROLLBACK of a connection
 *   that died fails too. Kysely throws that second error, which hides the first.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { isStorageError } from './storage-errors.js';
import type { StorageFaults } from './storage-faults.js';

const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

const isWrite = (query: CompiledQuery): boolean =>
  WRITE_NODES.has(query.query.kind) || (query.query.kind === 'RawNode' && !/^\s*(select|with|pragma)\b/i.test(query.sql));

class WatchedConnection implements DatabaseConnection {
  /** The open transaction: whether it changed rows (its commit then proves writes work) and why it failed. */
  transaction: { wrote: boolean; failure?: unknown } | undefined;

  constructor(
    readonly inner: DatabaseConnection,
    readonly faults: StorageFaults,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const write = isWrite(query);
    let result: QueryResult<R>;
    try {
      result = await this.inner.executeQuery<R>(query);
    } catch (rawError) {
      this.failed(rawError, write ? 'write' : 'read');
      throw rawError;
    }
    // INSERT … RETURNING on SQLite reports its rows, not a count.
    const changed = write && ((result.numAffectedRows ?? 0n) > 0n || result.rows.length > 0);
    if (this.transaction) this.transaction.wrote ||= changed;
    else if (changed) this.faults.cleared();
    else this.faults.readSucceeded();
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }

  failed(error: unknown, operation: string): void {
    if (isStorageError(error)) this.faults.report(error, operation);
    if (this.transaction) this.transaction.failure ??= error;
  }
}

class WatchedDriver implements Driver {
  constructor(
    readonly inner: Driver,
    readonly faults: StorageFaults,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<WatchedConnection> {
    try {
      return new WatchedConnection(await this.inner.acquireConnection(), this.faults);
    } catch (rawError) {
      if (isStorageError(rawError)) this.faults.report(rawError, 'connect');
      throw rawError;
    }
  }

  async beginTransaction(connection: WatchedConnection, settings: TransactionSettings): Promise<void> {
    try {
      await this.inner.beginTransaction(connection.inner, settings);
    } catch (rawError) {
      connection.failed(rawError, 'write');
      throw rawError;
    }
    connection.transaction = { wrote: false };
  }

  async commitTransaction(connection: WatchedConnection): Promise<void> {
    try {
      await this.inner.commitTransaction(connection.inner);
    } catch (rawError) {
      connection.failed(rawError, 'commit');
      throw rawError;
    }
    const wrote = connection.transaction?.wrote ?? false;
    connection.transaction = undefined;
    if (wrote) this.faults.cleared();
    else this.faults.readSucceeded();
  }

  async rollbackTransaction(connection: WatchedConnection): Promise<void> {
    const cause = connection.transaction?.failure;
    connection.transaction = undefined;
    try {
      await this.inner.rollbackTransaction(connection.inner);
    } catch (rollbackError) {
      throw cause ?? rollbackError;
    }
  }

  releaseConnection(connection: WatchedConnection): Promise<void> {
    connection.transaction = undefined;
    return this.inner.releaseConnection(connection.inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

export function watchedDialect(dialect: Dialect, faults: StorageFaults): Dialect {
  return {
    createDriver: () => new WatchedDriver(dialect.createDriver(), faults),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
