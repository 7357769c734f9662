/** Reading the event log (events + their attempts) for DescribeCallbackEvents and resend. */
import type { Db } from './database.js';
import type { DeliveryAttemptsTable, EventsTable } from './schema.js';
import type { Selectable } from 'kysely';

export type EventRow = Selectable<EventsTable>;
export type AttemptRow = Selectable<DeliveryAttemptsTable>;

export interface EventFilter {
  appId: number;
  from?: number | undefined;
  to?: number | undefined;
  domain?: string | undefined;
  stream?: string | undefined;
  eventType?: number | undefined;
  status?: string | undefined;
}

function filtered(db: Db, f: EventFilter) {
  let query = db.selectFrom('events').where('app_id', '=', f.appId);
  if (f.from !== undefined) query = query.where('created_at', '>=', f.from);
  if (f.to !== undefined) query = query.where('created_at', '<=', f.to);
  if (f.domain !== undefined) query = query.where('domain', '=', f.domain);
  if (f.stream !== undefined) query = query.where('stream', '=', f.stream);
  if (f.eventType !== undefined) query = query.where('event_type', '=', f.eventType);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  return query;
}

export async function pageEvents(
  db: Db,
  filter: EventFilter,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: EventRow[] }> {
  const [{ n }, rows] = await Promise.all([
    filtered(db, filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    filtered(db, filter).selectAll().orderBy('id', 'desc').offset(page.offset).limit(page.limit).execute(),
  ]);
  return { total: Number(n), rows };
}

/** Ids of events matching the filter, oldest first, at most `limit`. */
export async function findEventIds(db: Db, filter: EventFilter, limit: number): Promise<number[]> {
  const rows = await filtered(db, filter).select('id').orderBy('id').limit(limit).execute();
  return rows.map((r) => Number(r.id));
}

export const findEventByWebhookId = (db: Db, appId: number, webhookId: string): Promise<EventRow | undefined> =>
  db.selectFrom('events').selectAll().where('app_id', '=', appId).where('webhook_id', '=', webhookId).executeTakeFirst();

export async function findEventsByIds(db: Db, ids: readonly number[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('events').selectAll().where('id', 'in', [...ids]).orderBy('id').execute();
}

export async function listAttempts(db: Db, eventIds: readonly number[]): Promise<AttemptRow[]> {
  if (eventIds.length === 0) return [];
  return db.selectFrom('delivery_attempts').selectAll().where('event_id', 'in', [...eventIds]).orderBy('id').execute();
}
