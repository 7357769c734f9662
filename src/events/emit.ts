/**
 * `emit`: the one way events enter livehook (media, recording and moderation call it).
 * It resolves the callback template through the config cache, picks the URL for the event type,
 * and writes the event and its delivery durably before resolving. Concurrent emits share one
 * transaction (group commit): each caller still resolves only after its own row is committed.
 * An emit may carry statements of its own (`alsoInTransaction`: a push session's state change),
 * written in that same transaction, so the event and the state it reports are stored together.
 *
 * When the store fails (disk full, database unreachable), events are not lost: they stay in memory,
 * in order, and the batch is written again with backoff until the store takes it; the emits resolve
 * then. At most `maxUnstored` events are held: beyond that, new emits are refused at once (counted)
 * so memory stays bounded. An error the statement itself causes (a constraint) is not retried.
 */
import type { Logger } from 'pino';
import type { ConfigCache } from '../bindings/config-cache.js';
import type { EventStatus, NewEvent, Outbox, TransactionHook } from '../delivery/outbox.js';
import { isTransientStorageError } from '../store/storage-errors.js';
import type { LiveEvent } from './builders.js';
import { callbackUrlFor } from './callback-url.js';
import { randomHex } from './random-pool.js';

export interface EmittedEvent {
  readonly eventId: number;
  readonly webhookId: string;
  readonly status: EventStatus;
  readonly url: string;
}

/**
 * A new event's webhook-id: `msg_` and 32 hex digits, the first 12 its creation time in ms, the
 * other 20 random (80 bits). Time first, so that the unique index on events.webhook_id grows at
 * its end: random ids put every insert on a random page of that index, and the pages an insert
 * dirties are what its commit writes (half the time of inserting events, bench/hooks.ts).
 */
export const newWebhookId = (): string => 'msg_' + Date.now().toString(16).padStart(12, '0') + randomHex(10);

export interface EmitOptions {
  /** Written first in the event's transaction (set-based with the batch's other hooks); when it answers false, the event is not written and the emit resolves undefined. */
  readonly alsoInTransaction?: TransactionHook;
}

/** Default cap on events held in memory while the store refuses writes. */
export const DEFAULT_MAX_UNSTORED = 10_000;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;

interface Waiting {
  readonly row: NewEvent;
  readonly resolve: (event: EmittedEvent | undefined) => void;
  readonly reject: (error: unknown) => void;
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export class EventSink {
  readonly #outbox: Outbox;
  readonly #config: ConfigCache;
  readonly #log: Logger;
  readonly #onEnqueued: (urls: readonly string[]) => void;
  readonly #onStored: (rows: readonly NewEvent[]) => void;
  readonly #onStorageError: (error: unknown, operation: string) => void;
  readonly #onStorageRecovered: () => void;
  readonly #onDropped: () => void;
  readonly #maxUnstored: number;
  #waiting: Waiting[] = [];
  #writing: Promise<void> | undefined;
  /** Set while the store refuses writes; the delay before the next try. */
  #retryMs: number | undefined;

  constructor(options: {
    outbox: Outbox;
    config: ConfigCache;
    log: Logger;
    /** New deliveries were committed, to these callback URLs: wake the dispatcher. */
    onEnqueued: (urls: readonly string[]) => void;
    /** Every committed batch (metrics). */
    onStored?: (rows: readonly NewEvent[]) => void;
    /** Each failed write of a batch, with the store's own error (health, metrics). */
    onStorageError?: (error: unknown, operation: string) => void;
    /** The first successful write after failures. */
    onStorageRecovered?: () => void;
    /** An emit refused because `maxUnstored` events were already held (metrics). */
    onDropped?: () => void;
    maxUnstored?: number;
  }) {
    this.#outbox = options.outbox;
    this.#config = options.config;
    this.#log = options.log;
    this.#onEnqueued = options.onEnqueued;
    this.#onStored = options.onStored ?? (() => {});
    this.#onStorageError = options.onStorageError ?? (() => {});
    this.#onStorageRecovered = options.onStorageRecovered ?? (() => {});
    this.#onDropped = options.onDropped ?? (() => {});
    this.#maxUnstored = options.maxUnstored ?? DEFAULT_MAX_UNSTORED;
  }

  /** Events waiting for the store while it refuses writes (0 when it is healthy). */
  get unstored(): number {
    return this.#retryMs === undefined ? 0 : this.#waiting.length;
  }

  /** Resolves when every emit so far has been written (or failed). */
  async drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Resolves once the event is durably stored (and queued for delivery if it has a URL). */
  emit(event: LiveEvent): Promise<EmittedEvent>;
  /** The same, with statements of the caller in the event's transaction; undefined when they voided the event. */
  emit(event: LiveEvent, options: EmitOptions): Promise<EmittedEvent | undefined>;
  emit(event: LiveEvent, options: EmitOptions = {}): Promise<EmittedEvent | undefined> {
    if (this.#retryMs !== undefined && this.#waiting.length >= this.#maxUnstored) {
      this.#onDropped();
      return Promise.reject(new StoreUnavailableError(`the store refuses writes and ${this.#waiting.length} events are already waiting for it`));
    }
    const row = { ...this.#toRow(event), ...(options.alsoInTransaction ? { alsoInTransaction: options.alsoInTransaction } : {}) };
    return new Promise<EmittedEvent | undefined>((resolve, reject) => {
      this.#waiting.push({ row, resolve, reject });
      this.#writing ??= this.#write();
    });
  }

  #toRow(event: LiveEvent): NewEvent {
    const { context: c, payload } = event;
    const template = this.#config.callbackTemplate(c.domain, c.appName);
    // A rule can only name a template of the domain's own account; checked again here so that an
    // event can never be sent with another account's key.
    const owned = template && template.appId === c.appId ? template : undefined;
    const url = owned ? callbackUrlFor(owned, payload.event_type) : '';
    const status = !owned ? 'no_callback' : url ? 'pending' : 'no_url';
    return {
      webhookId: newWebhookId(),
      appId: c.appId,
      domain: c.domain,
      appName: c.appName,
      stream: c.stream,
      eventType: payload.event_type,
      sequence: c.sequence,
      payload: JSON.stringify(payload),
      templateId: owned?.id ?? null,
      url,
      callbackKey: owned?.callbackKey ?? '',
      orderKey: c.sequence ? `${c.appId}:${c.sequence}` : null,
      status,
    };
  }

  async #write(): Promise<void> {
    // Let every emit of the current tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#waiting.length > 0) {
      const batch = this.#waiting;
      this.#waiting = [];
      const unstored = await this.#store(batch);
      if (unstored.length === 0) continue;
      // Back at the head, in order; whatever was emitted meanwhile joins the next try.
      this.#waiting = [...unstored, ...this.#waiting];
      await new Promise((resolve) => setTimeout(resolve, this.#retryMs));
      this.#retryMs = Math.min(this.#retryMs! * 2, RETRY_MAX_MS);
    }
    this.#writing = undefined;
  }

  /** Writes one batch; returns what the store could not take for now (to be tried again). */
  async #store(batch: Waiting[]): Promise<Waiting[]> {
    let ids: number[];
    try {
      ids = await this.#outbox.enqueue(batch.map((w) => w.row));
    } catch (rawError) {
      if (isTransientStorageError(rawError)) {
        this.#log.error({ err: rawError, waiting: batch.length + this.#waiting.length }, 'could not store events; they are kept in memory and written again when the store accepts them');
        this.#retryMs ??= RETRY_FIRST_MS;
        this.#onStorageError(rawError, 'store events');
        return batch;
      }
      if (batch.length === 1) {
        batch[0]!.reject(rawError);
        return [];
      }
      // One bad event must not take the others with it: write them one by one.
      for (const [i, w] of batch.entries()) {
        const unstored = await this.#store([w]);
        if (unstored.length > 0) return [...unstored, ...batch.slice(i + 1)];
      }
      return [];
    }
    if (this.#retryMs !== undefined) {
      this.#log.info({ stored: batch.length }, 'the store accepts events again');
      this.#retryMs = undefined;
      this.#onStorageRecovered();
    }
    const stored = batch.filter((_, i) => ids[i] !== 0);
    batch.forEach((w, i) =>
      w.resolve(ids[i] === 0 ? undefined : { eventId: ids[i]!, webhookId: w.row.webhookId, status: w.row.status, url: w.row.url }),
    );
    const enqueued = stored.filter((w) => w.row.status === 'pending').map((w) => w.row.url);
    if (enqueued.length > 0) this.#onEnqueued(enqueued);
    this.#onStored(stored.map((w) => w.row));
    for (const w of stored) {
      if (w.row.status !== 'pending') {
        this.#log.info({ domain: w.row.domain, app: w.row.appName, stream: w.row.stream, eventType: w.row.eventType, status: w.row.status }, w.row.status === 'no_callback' ? 'event recorded: no callback configured for this domain' : 'event recorded: the template has no URL for this event type');
      }
    }
    return [];
  }
}
