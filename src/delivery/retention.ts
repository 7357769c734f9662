/**
 * Retention: finished events (delivered, failed, or never sendable) leave the log, with their
 * attempts, once older than the retention period; ended push sessions (the streams' history)
 * leave once older than theirs. Runs in small batches so a large backlog of old rows never holds
 * the writer for long.
 */
import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import { pruneEndedSessions } from '../store/push-history.js';
import type { Outbox } from './outbox.js';

export const RETENTION_SWEEP_MS = 60_000;
const BATCH = 5_000;

/** How long ended push sessions are kept (--stream-history-days). */
export interface HistoryRetention {
  readonly db: Db;
  readonly retentionMs: number;
}

export interface SweepResult {
  readonly events: number;
  readonly sessions: number;
}

/** Calls `prune` batch after batch until a batch comes back short; returns how many went. */
async function pruneAll(prune: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await prune(BATCH);
    total += removed;
    if (removed < BATCH) return total;
  }
}

export class RetentionSweeper {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepResult> | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly retentionMs: number,
    private readonly log: Logger,
    private readonly history?: HistoryRetention,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), RETENTION_SWEEP_MS);
    this.#timer.unref();
  }

  /** Deletes everything past retention; returns how many events and push sessions were removed. */
  sweep(now = Date.now()): Promise<SweepResult> {
    this.#sweeping ??= (async () => {
      let events = 0;
      let sessions = 0;
      try {
        events = await pruneAll((limit) => this.outbox.pruneFinished(now - this.retentionMs, limit));
        const history = this.history;
        if (history) sessions = await pruneAll((limit) => pruneEndedSessions(history.db, now - history.retentionMs, limit));
        if (events > 0 || sessions > 0) this.log.info({ removed: events, sessions }, 'retention: removed finished events and ended push sessions');
      } catch (rawError) {
        this.log.error({ err: rawError }, 'retention sweep failed; retrying next interval');
      }
      return { events, sessions };
    })().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }
}
