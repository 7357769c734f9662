/**
 * The store's transactions at run time (migrations and first-start setup excepted, which hold an
 * exclusive lock): each fails with the error that made it fail, and is run again when it lost a
 * lock conflict.
 * - When SQLite rolls a transaction back by itself (SQLITE_FULL or SQLITE_IOERR, often at COMMIT),
 *   a ROLLBACK then fails with "cannot rollback - no transaction is active"; that error must not
 *   replace the cause.
 * - PostgreSQL breaks a deadlock by aborting one of its transactions (40P01), and may abort one
 *   for a serialization conflict (40001). Nothing of the loser was kept, and the winner holds its
 *   locks only until its commit, so running the loser again a moment later is the remedy
 *   PostgreSQL's documentation prescribes. Without it, a recording that lost a deadlock to an
 *   enqueue left its rows leased until the leases ran out, then sent them again
 *   (docs/delivery.md, "Nothing lost").
 */
import type { Transaction } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './schema.js';

export type Trx = Transaction<Database>;

/** deadlock_detected and serialization_failure. */
const LOST_CONFLICT = new Set(['40P01', '40001']);
/** Runs after the first; a conflict that outlasts them is reported like any other error. */
const CONFLICT_RETRIES = 5;

const lostConflict = (error: unknown): boolean => LOST_CONFLICT.has((error as { code?: unknown } | null)?.code as string);

export function transact<T>(db: Db, work: (trx: Trx) => Promise<T>): Promise<T> {
  return retryingLostConflicts(() => transactOnce(db, work));
}

/**
 * Runs `work` (a transaction, or one statement in autocommit, which is a transaction of its own)
 * again when PostgreSQL aborted it for a deadlock or a serialization conflict.
 */
export async function retryingLostConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await work();
    } catch (rawError) {
      if (retry >= CONFLICT_RETRIES || !lostConflict(rawError)) throw rawError;
      // A few milliseconds, spread, so that two losers do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (retry + 1)));
    }
  }
}

async function transactOnce<T>(db: Db, work: (trx: Trx) => Promise<T>): Promise<T> {
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
