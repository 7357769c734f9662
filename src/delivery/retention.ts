/**
 * Retention: finished events (delivered, failed, or never sendable) leave the log, with their
 * attempts, once older than the retention period. Runs in small batches so a large backlog of
 * old rows never holds the writer for long.
 */
import type { Logger } from 'pino';
import type { Outbox } from './outbox.js';

export const RETENTION_SWEEP_MS = 60_000;
const BATCH = 5_000;

export class RetentionSweeper {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), RETENTION_SWEEP_MS);
    this.#timer.unref();
  }

  /** Deletes everything past retention; returns how many events were removed. */
  sweep(now = Date.now()): Promise<number> {
    this.#sweeping ??= (async () => {
      let total = 0;
      try {
        for (;;) {
          const removed = await this.outbox.pruneFinished(now - this.retentionMs, BATCH);
          total += removed;
          if (removed < BATCH) break;
        }
        if (total > 0) this.log.info({ removed: total }, 'retention: removed finished events');
      } catch (rawError) {
        this.log.error({ err: rawError }, 'retention sweep failed; retrying next interval');
      }
      return total;
    })().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }
}
