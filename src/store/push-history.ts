/**
 * Reading push sessions as a stream's state and history (DescribeLiveStreamState, …EventList,
 * …PublishedList, …PushInfoList), and removing old ended ones. The rows are written by the push
 * lifecycle (media/push-sessions); this file only reads them, and prunes them past retention.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { PushSessionRow } from './push-sessions.js';

export interface SessionHistoryFilter {
  readonly appId: number;
  /** Sessions live at some moment of [from, to] (Unix ms, both included). */
  readonly from: number;
  readonly to: number;
  readonly domain?: string | undefined;
  readonly app?: string | undefined;
  readonly stream?: string | undefined;
  /** Exact StreamName; otherwise StreamName matches anywhere in the name, case-insensitively. */
  readonly strict?: boolean;
  /** Only pushes that started (event 1 sent): drops those that failed before starting. */
  readonly startedOnly?: boolean;
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function sessionsIn(db: Db, f: SessionHistoryFilter) {
  let query = db
    .selectFrom('push_sessions')
    .where('app_id', '=', f.appId)
    .where('admitted_at', '<=', f.to)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', f.from)]));
  if (f.domain !== undefined) query = query.where('domain_name', '=', f.domain);
  if (f.app !== undefined) query = query.where('app_name', '=', f.app);
  if (f.stream !== undefined) {
    const stream = f.stream;
    query = f.strict
      ? query.where('stream_name', '=', stream)
      : query.where(sql<boolean>`lower(stream_name) like ${`%${escapeLike(stream.toLowerCase())}%`} escape '\\'`);
  }
  if (f.startedOnly) query = query.where('started_at', 'is not', null);
  return query;
}

interface Page {
  readonly offset: number;
  readonly limit: number;
}

/** Sessions ordered by end time (a live one counts as ending now), newest first unless `ascending`. */
export async function pageSessionHistory(
  db: Db,
  filter: SessionHistoryFilter,
  page: Page,
  ascending: boolean,
): Promise<{ total: number; rows: PushSessionRow[] }> {
  const direction = ascending ? 'asc' : 'desc';
  const [{ n }, rows] = await Promise.all([
    sessionsIn(db, filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    sessionsIn(db, filter)
      .selectAll()
      .orderBy(sql`case when ended_at is null then 1 else 0 end`, direction)
      .orderBy('ended_at', direction)
      .orderBy('id', direction)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
  ]);
  return { total: Number(n), rows };
}

/** Streams pushed in the range: each stream's latest started session, newest first. */
export async function pagePublishedStreams(
  db: Db,
  filter: Omit<SessionHistoryFilter, 'startedOnly' | 'strict'>,
  page: Page,
): Promise<{ total: number; rows: PushSessionRow[] }> {
  const latestIds = sessionsIn(db, { ...filter, startedOnly: true })
    .select((eb) => eb.fn.max('id').as('id'))
    .groupBy(['domain_name', 'app_name', 'stream_name']);
  const [{ n }, rows] = await Promise.all([
    db.selectFrom(latestIds.as('latest')).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('push_sessions').selectAll().where('id', 'in', latestIds).orderBy('id', 'desc').offset(page.offset).limit(page.limit).execute(),
  ]);
  return { total: Number(n), rows };
}

/** Started, not ended sessions of the account (every instance's), oldest first. */
export async function pageLiveSessions(
  db: Db,
  filter: { appId: number; domain?: string | undefined; app?: string | undefined },
  page: Page,
): Promise<{ total: number; rows: PushSessionRow[] }> {
  let query = db.selectFrom('push_sessions').where('app_id', '=', filter.appId).where('ended_at', 'is', null).where('started_at', 'is not', null);
  if (filter.domain !== undefined) query = query.where('domain_name', '=', filter.domain);
  if (filter.app !== undefined) query = query.where('app_name', '=', filter.app);
  const [{ n }, rows] = await Promise.all([
    query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    query.selectAll().orderBy('started_at').orderBy('id').offset(page.offset).limit(page.limit).execute(),
  ]);
  return { total: Number(n), rows };
}

/** Deletes up to `limit` sessions that ended before `before`; returns how many. Live ones stay. */
export async function pruneEndedSessions(db: Db, before: number, limit: number): Promise<number> {
  const old = db.selectFrom('push_sessions').select('id').where('ended_at', '<', before).orderBy('id').limit(limit);
  const result = await db.deleteFrom('push_sessions').where('id', 'in', old).executeTakeFirst();
  return Number(result.numDeletedRows);
}
