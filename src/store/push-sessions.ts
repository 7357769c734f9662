/**
 * Push sessions in the store (table `push_sessions`, meanings in schema.ts): one small function
 * per statement. The partial unique index `push_sessions_one_live` is what keeps one live push per
 * (account, domain, app, stream) across every instance: an admission that violates it is refused.
 * Ends are conditional (`ended_at IS NULL`), so whoever ends a session first is the only one that
 * writes its event 0, however many instances try at once.
 */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './database.js';
import { precompiled } from './precompiled.js';
import type { PushSessionsTable } from './schema.js';

export type PushSessionRow = Selectable<PushSessionsTable>;
export type NewPushSession = Omit<
  Insertable<PushSessionsTable>,
  'id' | 'state' | 'started_at' | 'ended_at' | 'end_errcode' | 'end_errmsg' | 'width' | 'height' | 'video_codec' | 'audio_codec'
>;

const insertAdmitted = precompiled<NewPushSession, { id: number }>((db, $) =>
  db
    .insertInto('push_sessions')
    .values({
      app_id: $('app_id'),
      domain_name: $('domain_name'),
      app_name: $('app_name'),
      stream_name: $('stream_name'),
      sequence: $('sequence'),
      source: $('source'),
      instance_id: $('instance_id'),
      client_ip: $('client_ip'),
      node: $('node'),
      stream_param: $('stream_param'),
      admitted_at: $('admitted_at'),
      last_seen_at: $('last_seen_at'),
      state: 'admitted',
      width: 0,
      height: 0,
      video_codec: '',
      audio_codec: '',
    })
    .onConflict((conflict) => conflict.doNothing())
    .returning('id'),
);

/**
 * Inserts the row of an admitted push; undefined when the stream already has a live one. The
 * conflict is an answer, not an error, so that admissions can share a transaction (group-commit.ts).
 */
export async function insertAdmittedPushSession(db: Db, row: NewPushSession): Promise<number | undefined> {
  const inserted = (await insertAdmitted(db, row)).rows[0];
  return inserted && Number(inserted.id);
}

/** The live session of a stream (admitted or started), if any. */
export function findLivePushSession(db: Db, appId: number, domain: string, app: string, stream: string): Promise<PushSessionRow | undefined> {
  return db
    .selectFrom('push_sessions')
    .selectAll()
    .where('app_id', '=', appId)
    .where('domain_name', '=', domain)
    .where('app_name', '=', app)
    .where('stream_name', '=', stream)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
}

const markStarted = precompiled<{ id: number; startedAt: number; width: number; height: number }, never>((db, $) =>
  db
    .updateTable('push_sessions')
    .set({ state: 'started', started_at: $('startedAt'), last_seen_at: $('startedAt'), width: $('width'), height: $('height') })
    .where('id', '=', $('id'))
    .where('state', '=', 'admitted')
    .where('ended_at', 'is', null),
);

/** Admitted → started; false when the session is no longer admitted (ended meanwhile). */
export async function markPushSessionStarted(
  db: Db,
  id: number,
  start: { startedAt: number; width: number; height: number },
): Promise<boolean> {
  const result = await markStarted(db, { id, ...start });
  return Number(result.numAffectedRows) > 0;
}

type PushEndRow = { endedAt: number; errcode: number; errmsg: string; width: number; height: number; videoCodec?: string; audioCodec?: string };

const markEnded = precompiled<PushEndRow & { id: number }, never>(
  (db, $, end) =>
    db
      .updateTable('push_sessions')
      .set({ state: 'ended', ended_at: $('endedAt'), end_errcode: $('errcode'), end_errmsg: $('errmsg'), width: $('width'), height: $('height') })
      // Codecs measured by the embedded ingest; a session without them keeps what its row has.
      .$if(Boolean(end.videoCodec), (q) => q.set({ video_codec: $('videoCodec')! }))
      .$if(Boolean(end.audioCodec), (q) => q.set({ audio_codec: $('audioCodec')! }))
      .where('id', '=', $('id'))
      .where('ended_at', 'is', null),
  (end) => `${end.videoCodec ? 'v' : ''}${end.audioCodec ? 'a' : ''}`,
);

/** Ends a live session; false when it had already ended (someone else wrote its end). */
export async function markPushSessionEnded(db: Db, id: number, end: PushEndRow): Promise<boolean> {
  const result = await markEnded(db, { id, ...end });
  return Number(result.numAffectedRows) > 0;
}

/** Removes an admitted session that never started (no event was ever written for it). */
export async function deleteAdmittedPushSession(db: Db, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('push_sessions')
    .where('id', '=', id)
    .where('state', '=', 'admitted')
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The owner's heartbeat: its live sessions were seen alive at `now`. */
export async function touchLivePushSessions(db: Db, instanceId: string, now: number): Promise<void> {
  await db.updateTable('push_sessions').set({ last_seen_at: now }).where('instance_id', '=', instanceId).where('ended_at', 'is', null).execute();
}

/** Which of `ids` have ended (by another instance, a hook elsewhere, or recovery). */
export async function endedPushSessionIds(db: Db, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('push_sessions').select('id').where('id', 'in', [...ids]).where('ended_at', 'is not', null).execute();
  return rows.map((r) => Number(r.id));
}

/** The live sessions an instance owns, per the store. */
export function livePushSessionsOf(db: Db, instanceId: string): Promise<PushSessionRow[]> {
  return db.selectFrom('push_sessions').selectAll().where('instance_id', '=', instanceId).where('ended_at', 'is', null).execute();
}

/** The stream's latest push that started and is live or ended after `endedSince` (recording hooks come after the end). */
export function latestStartedPushSession(
  db: Db,
  appId: number,
  stream: { domain: string; app: string; stream: string },
  endedSince: number,
): Promise<PushSessionRow | undefined> {
  return db
    .selectFrom('push_sessions')
    .selectAll()
    .where('app_id', '=', appId)
    .where('domain_name', '=', stream.domain)
    .where('app_name', '=', stream.app)
    .where('stream_name', '=', stream.stream)
    .where('state', '<>', 'admitted')
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', endedSince)]))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Started, not ended: the account's live pushes on every instance, oldest first. */
export function listLivePushSessions(
  db: Db,
  appId: number,
  filter: { domain?: string | undefined; app?: string | undefined; stream?: string | undefined },
): Promise<PushSessionRow[]> {
  let query = db.selectFrom('push_sessions').selectAll().where('app_id', '=', appId).where('state', '=', 'started').where('ended_at', 'is', null);
  if (filter.domain !== undefined) query = query.where('domain_name', '=', filter.domain);
  if (filter.app !== undefined) query = query.where('app_name', '=', filter.app);
  if (filter.stream !== undefined) query = query.where('stream_name', '=', filter.stream);
  return query.orderBy('started_at').orderBy('id').execute();
}

/** Live sessions whose owner has no instance row any more (its lease was claimed, or it is gone). */
export function orphanedPushSessions(db: Db, limit: number): Promise<PushSessionRow[]> {
  return db
    .selectFrom('push_sessions')
    .selectAll()
    .where('ended_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('instances').select('instances.id').whereRef('instances.id', '=', 'push_sessions.instance_id'))))
    .orderBy('id')
    .limit(limit)
    .execute();
}
