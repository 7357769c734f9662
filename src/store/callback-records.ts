/**
 * Callback records (DescribeCallbackRecordsList): one per delivery attempt, with the event it
 * carried. A record's time is its attempt's start; events that were never sent have none.
 */
import type { Db } from './database.js';

export interface CallbackRecordFilter {
  readonly appId: number;
  readonly stream: string;
  /** Attempt start, Unix ms, both ends included. */
  readonly from: number;
  readonly to: number;
  readonly eventType?: number | undefined;
  /** true: attempts the receiver accepted; false: the others; undefined: all. */
  readonly succeeded?: boolean | undefined;
}

export interface CallbackRecordRow {
  readonly attempt_id: number;
  readonly started_at: number;
  readonly latency_ms: number;
  readonly status_code: number | null;
  readonly error_kind: string | null;
  readonly response_excerpt: string;
  readonly event_created_at: number;
  readonly event_type: number;
  readonly payload: string;
  readonly stream: string;
}

function filtered(db: Db, f: CallbackRecordFilter) {
  let query = db
    .selectFrom('delivery_attempts as a')
    .innerJoin('events as e', 'e.id', 'a.event_id')
    .where('e.app_id', '=', f.appId)
    .where('e.stream', '=', f.stream)
    .where('a.started_at', '>=', f.from)
    .where('a.started_at', '<=', f.to);
  if (f.eventType !== undefined) query = query.where('e.event_type', '=', f.eventType);
  if (f.succeeded !== undefined) query = query.where('a.error_kind', f.succeeded ? 'is' : 'is not', null);
  return query;
}

/** One page of records, oldest attempt first, and how many match in all. */
export async function pageCallbackRecords(
  db: Db,
  filter: CallbackRecordFilter,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: CallbackRecordRow[] }> {
  const [{ n }, rows] = await Promise.all([
    filtered(db, filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    filtered(db, filter)
      .select([
        'a.id as attempt_id',
        'a.started_at',
        'a.latency_ms',
        'a.status_code',
        'a.error_kind',
        'a.response_excerpt',
        'e.created_at as event_created_at',
        'e.event_type',
        'e.payload',
        'e.stream',
      ])
      .orderBy('a.started_at')
      .orderBy('a.id')
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
  ]);
  return { total: Number(n), rows };
}
