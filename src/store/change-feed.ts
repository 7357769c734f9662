/**
 * Tells this process about changes other processes made to the shared store. On PostgreSQL a
 * dedicated connection (outside the pool, so it is never starved) LISTENs on two channels:
 * - `livehook_config`: sent at commit by triggers on every table the config cache reads
 *   (migration 3), whoever made the change; the handler reloads the cache.
 * - `livehook_delivery`: sent by every enqueue; the handler wakes the dispatcher.
 * - `livehook_push`: a push session was ended by another instance (push-commands.ts); the
 *   handler closes the publisher if this instance holds it.
 * Notifications sent while the connection is down are lost, so after every reconnect (with
 * backoff) both handlers run once, and the config is also reloaded every `SAFETY_RELOAD_MS`.
 * On SQLite there is one process per file and it already applies its own changes: nothing to do.
 */
import type { Logger } from 'pino';
import pg from 'pg';
import { CHANNELS } from './channels.js';
import { postgresClientConfig, type Store } from './database.js';

/** Full config reload even without a notification, in case one was missed. */
export const SAFETY_RELOAD_MS = 30_000;
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export interface ChangeHandlers {
  /** Another process (or this one) changed the config tables. */
  config(): Promise<void>;
  /** Deliveries were enqueued somewhere. */
  delivery(): void;
  /** A push session was ended elsewhere (the payload names it). */
  push?(payload: string): void;
}

export interface ChangeFeed {
  /** False while the LISTEN connection is down and being re-established. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** Resolves once the feed listens (PostgreSQL), so no change made after start-up is missed. */
export async function watchChanges(store: Store, handlers: ChangeHandlers, log: Logger): Promise<ChangeFeed> {
  if (store.backend === 'sqlite') return { connected: true, close: async () => {} };
  const feed = new PostgresChangeFeed(store.url, handlers, log);
  try {
    await feed.connect();
  } catch (rawError) {
    await feed.close(); // stops the safety reload of a feed that never listened
    throw rawError;
  }
  return feed;
}

class PostgresChangeFeed implements ChangeFeed {
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = RECONNECT_FIRST_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #safetyTimer: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly handlers: ChangeHandlers,
    private readonly log: Logger,
  ) {
    this.#safetyTimer = setInterval(() => void this.#reloadConfig(), SAFETY_RELOAD_MS);
    this.#safetyTimer.unref();
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  async connect(): Promise<void> {
    const client = new pg.Client({ ...postgresClientConfig(this.url), keepAlive: true });
    // A dropped connection emits 'error' and/or 'end'; either one starts a single reconnect.
    const lost = (rawError?: unknown): void => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => {}); // already broken: nothing to report
      if (!this.#closed) {
        this.log.warn({ err: rawError, retryMs: this.#retryMs }, 'change feed: connection lost; reconnecting');
        this.#scheduleReconnect();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === CHANNELS.config) void this.#reloadConfig();
      else if (message.channel === CHANNELS.delivery) this.handlers.delivery();
      else if (message.channel === CHANNELS.push) this.handlers.push?.(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNELS.config}; LISTEN ${CHANNELS.delivery}; LISTEN ${CHANNELS.push}`);
    } catch (rawError) {
      client.removeAllListeners();
      client.on('error', () => {}); // late errors of a client we are discarding
      await client.end().catch(() => {});
      throw rawError;
    }
    this.#client = client;
    this.#retryMs = RECONNECT_FIRST_MS;
  }

  #scheduleReconnect(): void {
    this.#retryTimer = setTimeout(async () => {
      if (this.#closed) return;
      try {
        await this.connect();
      } catch (rawError) {
        this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
        this.log.warn({ err: rawError, retryMs: this.#retryMs }, 'change feed: reconnect failed; retrying');
        this.#scheduleReconnect();
        return;
      }
      this.log.info('change feed: reconnected');
      // Whatever was notified while we were away is lost: catch up now.
      void this.#reloadConfig();
      this.handlers.delivery();
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  async #reloadConfig(): Promise<void> {
    try {
      await this.handlers.config();
    } catch (rawError) {
      // The store is unreachable too; the reconnect or the next safety reload tries again.
      this.log.warn({ err: rawError }, 'change feed: config reload failed');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#safetyTimer);
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end();
  }
}
