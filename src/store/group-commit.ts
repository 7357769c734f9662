/**
 * Group commit for small writes that arrive together (push admissions under load): the writes
 * of one turn of the event loop run in one transaction, so a burst costs one commit (one WAL
 * append on SQLite, one round trip on PostgreSQL) instead of one each, which is what a single-row
 * write mostly costs. Each caller still resolves only once its own write is committed.
 *
 * A write that throws fails the batch; the others are then written again one by one, so a bad
 * write fails only its caller. A storage fault (disk full, server gone) fails them all at once:
 * retrying each alone would only fail N more times.
 */
import type { Db } from './database.js';
import { isStorageError } from './storage-errors.js';
import { transact, type Trx } from './transact.js';

interface Job {
  readonly work: (trx: Trx) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit {
  readonly #db: Db;
  #waiting: Job[] = [];
  #flushing: Promise<void> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Runs `work` in a transaction shared with the writes queued at the same time; resolves after the commit. */
  run<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    // Let every write of the current turn join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#waiting.length > 0) {
      const batch = this.#waiting;
      this.#waiting = [];
      await this.#commit(batch);
    }
    this.#flushing = undefined;
  }

  async #commit(batch: readonly Job[]): Promise<void> {
    let results: unknown[];
    try {
      results = await transact(this.#db, async (trx) => {
        const out: unknown[] = [];
        for (const job of batch) out.push(await job.work(trx));
        return out;
      });
    } catch (rawError) {
      if (batch.length === 1 || isStorageError(rawError)) {
        for (const job of batch) job.reject(rawError);
        return;
      }
      for (const job of batch) await this.#commit([job]);
      return;
    }
    batch.forEach((job, i) => job.resolve(results[i]));
  }
}
