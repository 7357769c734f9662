/**
 * A transaction that fails with the error that made it fail. When SQLite rolls a transaction back
 * by itself (SQLITE_FULL or SQLITE_IOERR, often at COMMIT), a ROLLBACK then fails with "cannot
 * rollback - no transaction is active"; that error must not replace the cause.
 */
import type { Transaction } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './schema.js';

export type Trx = Transaction<Database>;

export async function transact<T>(db: Db, work: (trx: Trx) => Promise<T>): Promise<T> {
  const trx = await db.startTransaction().execute();
  try {
    const result = await work(trx);
    await trx.commit().execute();
    return result;
  } catch (rawError) {
    await trx.rollback().execute().catch(() => {});
    throw rawError;
  }
}
