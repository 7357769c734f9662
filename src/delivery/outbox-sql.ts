/**
 * The outbox logic both SQL backends share (subclasses: outbox-sqlite.ts, outbox-postgres.ts; each
 * adds its claim query and says what its backend guarantees). Storage model: `events` is the
 * append-only log (one row per event, final status written once), `deliveries` the hot table
 * (only what is still to be sent; finished rows are deleted at once, so it stays small),
 * `delivery_attempts` the per-attempt record.
 * Session order is kept cheaply by parking: a delivery whose session already has an earlier row
 * in the hot table is inserted with `next_attempt_at = PARKED`, and finishing a row un-parks the
 * next one of its session, so claims never scan rows that are waiting on their predecessors.
 * A backend whose writers run concurrently must make the two steps exclude each other per session
 * (`busySessions`), or an un-park could miss a row parked at the same moment.
 * All multi-row work is set-based (`IN (…)` over chunks) because per-row statements dominate
 * the cost at thousands of events per second.
 */
import { sql, type Insertable } from 'kysely';
import { chunks } from '../store/chunks.js';
import type { Db } from '../store/database.js';
import { precompiled } from '../store/precompiled.js';
import type { DeliveriesTable, DeliveryAttemptsTable, EventsTable } from '../store/schema.js';
import { transact, type Trx } from '../store/transact.js';
import { memoizeByUrl } from './url-memo.js';
import type { AttemptOutcome, Backlog, ClaimedDelivery, HookStatement, NewEvent, Outbox, ResendItem } from './outbox.js';

/** `next_attempt_at` of a delivery waiting for an earlier event of its session to finish. */
export const PARKED = Number.MAX_SAFE_INTEGER;

export const targetHostOf = memoizeByUrl((url: string): string => {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    // An unparsable URL still needs a host bucket; the attempt will fail as invalid-url.
    return '';
  }
});

export type { Trx };

/** A claimed row as both claim queries return it (deliveries joined with its event). */
export interface ClaimRow {
  id: number;
  event_id: number;
  webhook_id: string;
  url: string;
  target_host: string;
  event_type: number;
  callback_key: string;
  payload: string;
  attempts: number;
  order_key: string | null;
}

export const toClaimed = (r: ClaimRow): ClaimedDelivery => ({
  id: Number(r.id),
  eventId: Number(r.event_id),
  webhookId: r.webhook_id,
  url: r.url,
  targetHost: r.target_host,
  eventType: Number(r.event_type),
  callbackKey: r.callback_key,
  payload: r.payload,
  attempts: Number(r.attempts),
  orderKey: r.order_key,
});

// The statements every event goes through, compiled once per row count (store/precompiled.ts).
const insertEvents = precompiled<{ rows: Insertable<EventsTable>[] }, { id: number }>((db, $) =>
  db.insertInto('events').values($.rows('rows')).returning('id'),
);
const insertDeliveries = precompiled<{ rows: Insertable<DeliveriesTable>[] }, never>((db, $) => db.insertInto('deliveries').values($.rows('rows')));
const insertAttempts = precompiled<{ rows: Insertable<DeliveryAttemptsTable>[] }, never>((db, $) =>
  db.insertInto('delivery_attempts').values($.rows('rows')),
);
const deleteDeliveries = precompiled<{ ids: number[] }, never>((db, $) => db.deleteFrom('deliveries').where('id', 'in', $.each('ids')));
const finishEvents = precompiled<{ status: string; now: number; ids: number[] }, never>((db, $) =>
  db
    .updateTable('events')
    .set((eb) => ({ status: $('status'), finished_at: $('now'), attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', $.each('ids')),
);
/** Makes the next event of each of these sessions due, if it was parked. */
const unparkNext = precompiled<{ now: number; orderKeys: string[] }, never>((db, $) =>
  db
    .updateTable('deliveries')
    .set({ next_attempt_at: $('now') })
    .where('id', 'in', (eb) =>
      eb.selectFrom('deliveries').select((e) => e.fn.min('id').as('id')).where('order_key', 'in', $.each('orderKeys')).groupBy('order_key'),
    )
    .where('next_attempt_at', '=', PARKED),
);

/**
 * Runs the events' transaction hooks set-based (outbox.ts, TransactionHook): in rounds, where a
 * hook goes one round after the previous hook with its key, and each round calls each statement
 * once with all of that round's inputs for it. Returns, per event, whether it is still written.
 */
async function runHooks(trx: Trx, events: readonly NewEvent[]): Promise<boolean[]> {
  const applies = events.map(() => true);
  const rounds: Map<HookStatement<never>, { index: number; input: never }[]>[] = [];
  const roundOfKey = new Map<string | number, number>();
  events.forEach((event, index) => {
    const hook = event.alsoInTransaction;
    if (!hook) return;
    const round = (roundOfKey.get(hook.key) ?? -1) + 1;
    roundOfKey.set(hook.key, round);
    const calls = (rounds[round] ??= new Map());
    let call = calls.get(hook.statement);
    if (!call) calls.set(hook.statement, (call = []));
    call.push({ index, input: hook.input });
  });
  for (const calls of rounds) {
    for (const [statement, call] of calls) {
      const answers = await statement(trx, call.map((c) => c.input));
      call.forEach((c, i) => (applies[c.index] = answers[i] === true));
    }
  }
  return applies;
}

export abstract class SqlOutbox implements Outbox {
  protected readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  abstract claimDue(options: { now: number; limit: number; leaseMs: number; excludeHosts: readonly string[] }): Promise<ClaimedDelivery[]>;

  /**
   * First statement of the enqueue and record transactions. `durable: false` marks a transaction
   * whose commit may be lost in a database crash at the cost of a repeated attempt, never of an event.
   */
  protected abstract begin(trx: Trx, durable: boolean): Promise<void>;

  /** The sessions among `orderKeys` that have a row in the hot table (new events of theirs park). */
  protected abstract busySessions(trx: Trx, orderKeys: readonly string[]): Promise<Set<string | null>>;

  /** Called last in an enqueue transaction that created deliveries. */
  protected abstract enqueued(trx: Trx): Promise<void>;

  async enqueue(events: readonly NewEvent[]): Promise<number[]> {
    if (events.length === 0) return [];
    const now = Date.now();
    return transact(this.db, async (trx) => {
      await this.begin(trx, true);
      const applies = await runHooks(trx, events);
      const kept = events.flatMap((_, i) => (applies[i] ? [i] : []));
      const keptIds = await this.#insertEvents(trx, kept.map((i) => events[i]!), now);
      const all = events.map(() => 0);
      kept.forEach((i, k) => (all[i] = keptIds[k]!));
      return all;
    });
  }

  async #insertEvents(trx: Trx, events: readonly NewEvent[], now: number): Promise<number[]> {
    const ids: number[] = [];
    for (const batch of chunks(events, 200)) {
      const inserted = await insertEvents(trx, {
        rows: batch.map((e) => ({
          webhook_id: e.webhookId,
          app_id: e.appId,
          domain: e.domain,
          app_name: e.appName,
          stream: e.stream,
          event_type: e.eventType,
          sequence: e.sequence,
          payload: e.payload,
          template_id: e.templateId,
          url: e.url,
          status: e.status,
          attempts: 0,
          created_at: now,
          finished_at: e.status === 'pending' ? null : now,
        })),
      });
      const batchIds = inserted.rows.map((r) => Number(r.id));
      ids.push(...batchIds);
      // Sessions that already have a row waiting: new events of theirs park behind it.
      const keys = [...new Set(batch.flatMap((e) => (e.status === 'pending' && e.orderKey ? [e.orderKey] : [])))];
      const busy = keys.length === 0 ? new Set<string | null>() : await this.busySessions(trx, keys);
      const deliveries = batch.flatMap((e, i) => {
        if (e.status !== 'pending') return [];
        const parked = e.orderKey !== null && busy.has(e.orderKey);
        if (e.orderKey !== null) busy.add(e.orderKey);
        return [{
              event_id: batchIds[i]!,
              url: e.url,
              target_host: targetHostOf(e.url),
              order_key: e.orderKey,
              event_type: e.eventType,
              callback_key: e.callbackKey,
              attempts: 0,
              next_attempt_at: parked ? PARKED : now,
              lease_until: 0,
              created_at: now,
            }];
      });
      if (deliveries.length > 0) await insertDeliveries(trx, { rows: deliveries });
    }
    if (events.some((e) => e.status === 'pending')) await this.enqueued(trx);
    return ids;
  }

  async record(outcomes: readonly AttemptOutcome[], now: number): Promise<void> {
    if (outcomes.length === 0) return;
    const finishedKeys = [
      ...new Set(outcomes.flatMap((o) => (o.verdict.kind !== 'retry' && o.delivery.orderKey !== null ? [o.delivery.orderKey] : []))),
    ];
    await transact(this.db, async (trx) => {
      await this.begin(trx, false);
      // One call: precompiled.ts runs a large batch in parts of at most 256 rows.
      await insertAttempts(trx, {
        rows: outcomes.map((o) => ({
          event_id: o.delivery.eventId,
          attempt: o.delivery.attempts + 1,
          started_at: o.startedAt,
          status_code: o.result.ok ? o.result.status : (o.result.status ?? null),
          latency_ms: Math.round(o.result.latencyMs),
          error_kind: o.result.ok ? null : o.result.kind,
          response_excerpt: o.result.responseExcerpt ?? (o.result.ok ? '' : o.result.message),
        })),
      });
      for (const status of ['delivered', 'failed'] as const) {
        const finished = outcomes.filter((o) => o.verdict.kind === status);
        for (const batch of chunks(finished)) {
          await deleteDeliveries(trx, { ids: batch.map((o) => o.delivery.id) });
          await finishEvents(trx, { status, now, ids: batch.map((o) => o.delivery.eventId) });
        }
      }
      // Un-park the next event of each session whose head just finished.
      for (const batch of chunks(finishedKeys)) {
        await unparkNext(trx, { now, orderKeys: batch });
      }
      const retries = outcomes.flatMap((o) => (o.verdict.kind === 'retry' ? [{ ...o, at: o.verdict.at }] : []));
      // Retry times differ per row (jitter, Retry-After), so these updates stay per row; retries
      // are the uncommon path.
      for (const o of retries) {
        await trx
          .updateTable('deliveries')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: o.at, lease_until: 0 }))
          .where('id', '=', o.delivery.id)
          .execute();
      }
      for (const batch of chunks(retries)) {
        await trx
          .updateTable('events')
          .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', batch.map((o) => o.delivery.eventId))
          .execute();
      }
    });
  }

  async release(ids: readonly number[]): Promise<void> {
    for (const batch of chunks(ids)) {
      await this.db.updateTable('deliveries').set({ lease_until: 0 }).where('id', 'in', batch).execute();
    }
  }

  async renew(ids: readonly number[], until: number, now: number): Promise<void> {
    for (const batch of chunks(ids)) {
      // A lease that has already run out may be someone else's by now: leave it alone.
      await this.db.updateTable('deliveries').set({ lease_until: until }).where('id', 'in', batch).where('lease_until', '>=', now).execute();
    }
  }

  async nextDueAt(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('due'))
      // A literal: as a parameter, SQLite would re-prepare at every call (partial index, outbox-sqlite.ts).
      .where('lease_until', '=', sql.lit(0))
      .where('next_attempt_at', '<', PARKED)
      .executeTakeFirst();
    return row?.due == null ? undefined : Number(row.due);
  }

  async backlog(now: number): Promise<Backlog> {
    const row = await this.db
      .selectFrom('deliveries')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
      .executeTakeFirstOrThrow();
    return { queued: Number(row.n), oldestAgeMs: row.oldest == null ? 0 : Math.max(0, now - Number(row.oldest)) };
  }

  async resend(items: readonly ResendItem[], now: number): Promise<number> {
    if (items.length === 0) return 0;
    await transact(this.db, async (trx) => {
      for (const batch of chunks(items)) {
        await trx
          .insertInto('deliveries')
          .values(
            batch.map((item) => ({
              event_id: item.eventId,
              url: item.url,
              target_host: targetHostOf(item.url),
              // A replay is a new run with no ordering promise: it must not wait behind, or hold
              // up, a live session's events.
              order_key: null,
              event_type: item.eventType,
              callback_key: item.callbackKey,
              attempts: 0,
              next_attempt_at: now,
              lease_until: 0,
              created_at: now,
            })),
          )
          .execute();
        await trx
          .updateTable('events')
          .set({ status: 'pending', finished_at: null })
          .where('id', 'in', batch.map((i) => i.eventId))
          .execute();
      }
    });
    return items.length;
  }

  async pruneFinished(before: number, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('events')
      .where('id', 'in', (eb) =>
        eb.selectFrom('events').select('id').where('finished_at', 'is not', null).where('finished_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
