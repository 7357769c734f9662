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
 *
 * A write that is a single statement for a batch (`oneStatement`) runs without BEGIN and COMMIT:
 * one statement is atomic by itself, and on PostgreSQL the two cost a round trip each, as much as
 * the statement (under load, two of an admission's three round trips).
 */
import type { Db } from './database.js';
import { isStorageError } from './storage-errors.js';
import { retryingLostConflicts, transact } from './transact.js';

/** Writes several inputs at once, on the store or in a transaction; one answer per input, in order. */
export type BatchWrite<Input, Output> = (db: Db, inputs: readonly Input[]) => Promise<readonly Output[]>;

export interface GroupCommitOptions {
  /** Whether `write` runs a batch of `count` inputs as a single statement. */
  readonly oneStatement?: (count: number) => boolean;
}

interface Job<Input, Output> {
  readonly input: Input;
  readonly resolve: (value: Output) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<Input, Output> {
  readonly #db: Db;
  readonly #write: BatchWrite<Input, Output>;
  readonly #oneStatement: (count: number) => boolean;
  #waiting: Job<Input, Output>[] = [];
  #flushing: Promise<void> | undefined;

  constructor(db: Db, write: BatchWrite<Input, Output>, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#write = write;
    this.#oneStatement = options.oneStatement ?? (() => false);
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
      const inputs = batch.map((job) => job.input);
      answers = this.#oneStatement(inputs.length)
        ? await retryingLostConflicts(() => this.#write(this.#db, inputs))
        : await transact(this.#db, (trx) => this.#write(trx, inputs));
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
