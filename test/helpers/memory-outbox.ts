/**
 * An outbox in memory, behind the same interface as the SQL ones (src/delivery/outbox.ts), so the
 * dispatcher's scheduling, ordering and per-host caps can be tested in milliseconds. It keeps the
 * same rules as the SQL outbox:
 * - a delivery can be claimed when it is due, not leased, its host is not excluded, and no earlier
 *   delivery of its session (order key) is still in the hot table (the SQL outbox parks it);
 * - a finished delivery (delivered or failed) leaves the hot table at once; a retry stays, with
 *   its next time and no lease;
 * - a renewal extends only leases that have not yet run out.
 * It also checks the dispatcher's invariants as it goes, and throws at the first breach: a
 * delivery recorded or released while not claimed, or claimed twice under one live lease.
 */
import type { AttemptOutcome, Backlog, ClaimedDelivery, NewEvent, Outbox, ResendItem } from '../../src/delivery/outbox.js';
import { targetHostOf } from '../../src/delivery/outbox-sql.js';

interface Row {
  readonly id: number;
  readonly eventId: number;
  readonly url: string;
  readonly targetHost: string;
  readonly orderKey: string | null;
  readonly eventType: number;
  readonly callbackKey: string;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number;
  readonly createdAt: number;
}

export interface StoredEvent {
  readonly id: number;
  readonly event: NewEvent;
  status: NewEvent['status'] | 'delivered' | 'failed';
  attempts: number;
}

export class MemoryOutbox implements Outbox {
  readonly events = new Map<number, StoredEvent>();
  readonly attempts: { eventId: number; attempt: number; status: number | undefined }[] = [];
  readonly #rows = new Map<number, Row>();
  #nextEventId = 1;
  #nextRowId = 1;
  /** How many claim queries were made (a cost figure, as the dispatcher's own). */
  claims = 0;

  async enqueue(events: readonly NewEvent[]): Promise<number[]> {
    const now = Date.now();
    return events.map((event) => {
      const id = this.#nextEventId++;
      this.events.set(id, { id, event, status: event.status, attempts: 0 });
      if (event.status === 'pending') this.#insert(id, event, now);
      return id;
    });
  }

  async claimDue(options: { now: number; limit: number; leaseMs: number; excludeHosts: readonly string[] }): Promise<ClaimedDelivery[]> {
    this.claims++;
    const excluded = new Set(options.excludeHosts);
    const headOf = new Map<string, number>();
    for (const row of this.#rows.values()) if (row.orderKey !== null && !headOf.has(row.orderKey)) headOf.set(row.orderKey, row.id);
    const due = [...this.#rows.values()]
      .filter((r) => r.nextAttemptAt <= options.now && r.leaseUntil < options.now && !excluded.has(r.targetHost))
      .filter((r) => r.orderKey === null || headOf.get(r.orderKey) === r.id)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id)
      .slice(0, options.limit);
    return due.map((row) => {
      row.leaseUntil = options.now + options.leaseMs;
      const { event } = this.events.get(row.eventId)!;
      return {
        id: row.id,
        eventId: row.eventId,
        webhookId: event.webhookId,
        url: row.url,
        targetHost: row.targetHost,
        eventType: row.eventType,
        callbackKey: row.callbackKey,
        payload: event.payload,
        attempts: row.attempts,
        orderKey: row.orderKey,
      };
    });
  }

  async record(outcomes: readonly AttemptOutcome[]): Promise<void> {
    for (const o of outcomes) {
      const row = this.#held(o.delivery.id, 'recorded');
      const stored = this.events.get(row.eventId)!;
      stored.attempts++;
      this.attempts.push({ eventId: row.eventId, attempt: row.attempts + 1, status: o.result.status });
      if (o.verdict.kind === 'retry') {
        row.attempts++;
        row.nextAttemptAt = o.verdict.at;
        row.leaseUntil = 0;
      } else {
        stored.status = o.verdict.kind;
        this.#rows.delete(row.id);
      }
    }
  }

  async release(ids: readonly number[]): Promise<void> {
    for (const id of ids) this.#held(id, 'released').leaseUntil = 0;
  }

  async renew(ids: readonly number[], until: number, now: number): Promise<void> {
    for (const id of ids) {
      const row = this.#rows.get(id);
      if (row && row.leaseUntil >= now) row.leaseUntil = until;
    }
  }

  async nextDueAt(): Promise<number | undefined> {
    const due = [...this.#rows.values()].filter((r) => r.leaseUntil === 0).map((r) => r.nextAttemptAt);
    return due.length === 0 ? undefined : Math.min(...due);
  }

  async backlog(now: number): Promise<Backlog> {
    const created = [...this.#rows.values()].map((r) => r.createdAt);
    return { queued: created.length, oldestAgeMs: created.length === 0 ? 0 : Math.max(0, now - Math.min(...created)) };
  }

  async resend(items: readonly ResendItem[], now: number): Promise<number> {
    for (const item of items) {
      const stored = this.events.get(item.eventId)!;
      stored.status = 'pending';
      this.#insert(item.eventId, { ...stored.event, url: item.url, eventType: item.eventType, callbackKey: item.callbackKey, orderKey: null }, now);
    }
    return items.length;
  }

  /** Finished events are never pruned here: the tests read them all. */
  async pruneFinished(): Promise<number> {
    return 0;
  }

  /** Deliveries still to be sent (the hot table). */
  get queued(): number {
    return this.#rows.size;
  }

  #insert(eventId: number, event: Pick<NewEvent, 'url' | 'orderKey' | 'eventType' | 'callbackKey'>, now: number): void {
    const id = this.#nextRowId++;
    this.#rows.set(id, {
      id,
      eventId,
      url: event.url,
      targetHost: targetHostOf(event.url),
      orderKey: event.orderKey,
      eventType: event.eventType,
      callbackKey: event.callbackKey,
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: 0,
      createdAt: now,
    });
  }

  #held(id: number, what: string): Row {
    const row = this.#rows.get(id);
    if (!row || row.leaseUntil === 0) throw new Error(`delivery ${id} ${what} while not claimed`);
    return row;
  }
}
