/**
 * `emit`: the one way events enter livehook (media, recording and moderation call it).
 * It resolves the callback template through the config cache, picks the URL for the event type,
 * and writes the event and its delivery durably before resolving. Concurrent emits share one
 * transaction (group commit): each caller still resolves only after its own row is committed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConfigCache } from '../bindings/config-cache.js';
import type { EventStatus, NewEvent, Outbox } from '../delivery/outbox.js';
import type { LiveEvent } from './builders.js';
import { callbackUrlFor } from './callback-url.js';

export interface EmittedEvent {
  readonly eventId: number;
  readonly webhookId: string;
  readonly status: EventStatus;
  readonly url: string;
}

export const newWebhookId = (): string => 'msg_' + randomUUID().replaceAll('-', '');

interface Waiting {
  readonly row: NewEvent;
  readonly resolve: (event: EmittedEvent) => void;
  readonly reject: (error: unknown) => void;
}

export class EventSink {
  readonly #outbox: Outbox;
  readonly #config: ConfigCache;
  readonly #log: Logger;
  readonly #onEnqueued: () => void;
  readonly #onStored: (rows: readonly NewEvent[]) => void;
  #waiting: Waiting[] = [];
  #writing: Promise<void> | undefined;

  constructor(options: {
    outbox: Outbox;
    config: ConfigCache;
    log: Logger;
    /** New deliveries were committed: wake the dispatcher. */
    onEnqueued: () => void;
    /** Every committed batch (metrics). */
    onStored?: (rows: readonly NewEvent[]) => void;
  }) {
    this.#outbox = options.outbox;
    this.#config = options.config;
    this.#log = options.log;
    this.#onEnqueued = options.onEnqueued;
    this.#onStored = options.onStored ?? (() => {});
  }

  /** Resolves when every emit so far has been written (or failed). */
  async drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Resolves once the event is durably stored (and queued for delivery if it has a URL). */
  emit(event: LiveEvent): Promise<EmittedEvent> {
    const row = this.#toRow(event);
    return new Promise<EmittedEvent>((resolve, reject) => {
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
      try {
        const ids = await this.#outbox.enqueue(batch.map((w) => w.row));
        batch.forEach((w, i) =>
          w.resolve({ eventId: ids[i]!, webhookId: w.row.webhookId, status: w.row.status, url: w.row.url }),
        );
        if (batch.some((w) => w.row.status === 'pending')) this.#onEnqueued();
        this.#onStored(batch.map((w) => w.row));
        for (const w of batch) {
          if (w.row.status !== 'pending') {
            this.#log.info({ domain: w.row.domain, app: w.row.appName, stream: w.row.stream, eventType: w.row.eventType, status: w.row.status }, w.row.status === 'no_callback' ? 'event recorded: no callback configured for this domain' : 'event recorded: the template has no URL for this event type');
          }
        }
      } catch (rawError) {
        for (const w of batch) w.reject(rawError);
      }
    }
    this.#writing = undefined;
  }
}
