/**
 * The store's storage-fault recorder (`store.faults`): whether the database is refusing work
 * because the storage itself fails (disk full, I/O error, server unreachable), since when, and why.
 * /healthz answers 503 and the storage metrics count while a fault is current (docs/storage-faults.md).
 *
 * The store reports and clears its own faults: it sees every connection, statement and commit
 * (watched-driver.ts), so callers need not. For a caller that holds work the store refused (events
 * kept in memory and retried until the store accepts them):
 * - `current(): StorageFault | undefined` — the fault in effect, if any.
 * - `report(error, operation): StorageFault` — records a failure. The same error object reported
 *   twice (by the store, then by its caller) counts once. `operation` labels the metric: the store
 *   uses `connect`, `read`, `write` and `commit`; a caller may name its own (e.g. `events`).
 * - `cleared(): void` — the store accepted a write, so the fault is over. The store calls it after
 *   every commit or statement that changed rows; a caller needs it only for writes the store cannot see.
 * - `onChange(listener): () => void` — `listener(fault)` after each counted report, `listener(undefined)`
 *   when the fault clears; returns the unsubscribe function.
 * A fault that a write hit (any operation but `connect` and `read`) lasts until a write succeeds; one
 * that only connections or reads hit also ends when any statement succeeds.
 */
import { describeStorageError } from './storage-errors.js';

export interface StorageFault {
  /** Operation of the latest failure. */
  readonly operation: string;
  /** The database's own error text and code, e.g. "database or disk is full (SQLITE_FULL)". */
  readonly message: string;
  readonly code: string | undefined;
  /** When the fault began and when a failure was last reported (ms since the epoch). */
  readonly since: number;
  readonly lastAt: number;
  /** Failures reported since the fault began. */
  readonly count: number;
}

export type StorageFaultListener = (fault: StorageFault | undefined) => void;

const READ_ONLY_OPERATIONS = new Set(['connect', 'read']);

export class StorageFaults {
  #current: StorageFault | undefined;
  /** A write failed during the current fault: only a successful write ends it. */
  #writeFailed = false;
  readonly #seen = new WeakSet<object>();
  readonly #listeners = new Set<StorageFaultListener>();

  current(): StorageFault | undefined {
    return this.#current;
  }

  report(error: unknown, operation: string): StorageFault {
    if (typeof error === 'object' && error !== null) {
      if (this.#seen.has(error) && this.#current) return this.#current;
      this.#seen.add(error);
    }
    const now = Date.now();
    const code = (error as { code?: unknown } | null)?.code;
    this.#current = {
      operation,
      message: describeStorageError(error),
      code: typeof code === 'string' ? code : undefined,
      since: this.#current?.since ?? now,
      lastAt: now,
      count: (this.#current?.count ?? 0) + 1,
    };
    if (!READ_ONLY_OPERATIONS.has(operation)) this.#writeFailed = true;
    this.#notify(this.#current);
    return this.#current;
  }

  cleared(): void {
    if (!this.#current) return;
    this.#current = undefined;
    this.#writeFailed = false;
    this.#notify(undefined);
  }

  /** A statement succeeded without changing rows: ends a fault that no write has hit. */
  readSucceeded(): void {
    if (this.#current && !this.#writeFailed) this.cleared();
  }

  onChange(listener: StorageFaultListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(fault: StorageFault | undefined): void {
    for (const listener of this.#listeners) listener(fault);
  }
}
