/**
 * Group commit for small writes that arrive together (push admissions under load): the inputs
 * of one turn of the event loop are written by one call of `write`, set-based, in one
 * transaction, so a burst costs one statement and one commit (one WAL append on SQLite, a few
 * round trips on PostgreSQL) instead of one each. Each caller still resolves only once its own
 * write is committed, with its own answer.
 *
 * A batch that throws is written again one input at a time, so a bad input fails only its
 * caller. A storage fault (disk full, server gone) fails them all at once: retrying each alone
 * would only fail N more times.
 */
import type { Db } from './database.js';
import { isStorageError } from './storage-errors.js';
import { transact, type Trx } from './transact.js';

/** Writes several inputs at once; one answer per input, in order. */
export type BatchWrite<Input, Output> = (trx: Trx, inputs: readonly Input[]) => Promise<readonly Output[]>;

interface Job<Input, Output> {
  readonly input: Input;
  readonly resolve: (value: Output) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<Input, Output> {
  readonly #db: Db;
  readonly #write: BatchWrite<Input, Output>;
  #waiting: Job<Input, Output>[] = [];
  #flushing: Promise<void> | undefined;

  constructor(db: Db, write: BatchWrite<Input, Output>) {
    this.#db = db;
    this.#write = write;
  }

  /** Writes `input` with the others queued at the same time; resolves with its answer after the commit. */
  run(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
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

  async #commit(batch: readonly Job<Input, Output>[]): Promise<void> {
    let answers: readonly Output[];
    try {
      answers = await transact(this.#db, (trx) => this.#write(trx, batch.map((job) => job.input)));
    } catch (rawError) {
      if (batch.length === 1 || isStorageError(rawError)) {
        for (const job of batch) job.reject(rawError);
        return;
      }
      for (const job of batch) await this.#commit([job]);
      return;
    }
    batch.forEach((job, i) => job.resolve(answers[i]!));
  }
}
