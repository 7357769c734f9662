/**
 * Push sessions in the store (table `push_sessions`, meanings in schema.ts): one small function
 * per statement. The partial unique index `push_sessions_one_live` is what keeps one live push per
 * (account, domain, app, stream) across every instance: an admission that violates it is refused.
 * Ends are conditional (`ended_at IS NULL`), so whoever ends a session first is the only one that
 * writes its event 0, however many instances try at once.
 */
import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { precompiled, rowParts } from './precompiled.js';
import type { PushSessionsTable } from './schema.js';

export type PushSessionRow = Selectable<PushSessionsTable>;
export type NewPushSession = Omit<
  Insertable<PushSessionsTable>,
  'id' | 'state' | 'started_at' | 'ended_at' | 'end_errcode' | 'end_errmsg' | 'width' | 'height' | 'video_codec' | 'audio_codec'
>;

const insertAdmitted = precompiled<{ rows: NewPushSession[] }, { id: number; sequence: string }>((db, $) =>
  db
    .insertInto('push_sessions')
    .values($.rows('rows').map((row) => ({ ...row, state: 'admitted', width: 0, height: 0, video_codec: '', audio_codec: '' })))
    .onConflict((conflict) => conflict.doNothing())
    .returning(['id', 'sequence']),
);

/**
 * Inserts the rows of admitted pushes, in order (precompiled.ts runs a large call in parts); for
 * each, its id, or undefined when its stream already had a live push (an earlier row of the same
 * call counts). The conflict is an answer, not an error, so that admissions can share a
 * transaction (group-commit.ts). Rows are matched to their ids by `sequence`, unique per push.
 */
export async function insertAdmittedPushSessions(db: Db, rows: readonly NewPushSession[]): Promise<(number | undefined)[]> {
  const ids = new Map<string, number>();
  for (const r of (await insertAdmitted(db, { rows: [...rows] })).rows) ids.set(r.sequence, Number(r.id));
  return rows.map((row) => ids.get(row.sequence));
}

/** Whether `insertAdmittedPushSessions` writes `count` rows with a single statement (a group commit's `oneStatement`). */
export const insertAdmittedIsOneStatement = (count: number): boolean => rowParts(count).length === 1;

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

export interface PushStart {
  readonly id: number;
  readonly startedAt: number;
  readonly width: number;
  readonly height: number;
}

export interface PushEndRow {
  readonly id: number;
  readonly endedAt: number;
  readonly errcode: number;
  readonly errmsg: string;
  readonly width: number;
  readonly height: number;
  /** Codecs measured by the embedded ingest; '' or absent keeps what the row has. */
  readonly videoCodec?: string;
  readonly audioCodec?: string;
}

/**
 * A set-based row change, 100 rows to a statement: each row's values go in as one VALUES row (with
 * CASTs, so that PostgreSQL knows their types, as SQLite accepts too), `update` names the columns
 * and the change, and the rows it changed come back by id. For each row, whether it changed.
 */
async function updateFromValues<Row extends { readonly id: number }>(
  db: Db,
  rows: readonly Row[],
  valuesOf: (row: Row) => RawBuilder<unknown>,
  update: (values: RawBuilder<unknown>) => RawBuilder<{ id: number }>,
): Promise<boolean[]> {
  const changed = new Set<number>();
  for (const batch of chunks(rows, 100)) {
    for (const r of (await update(sql.join(batch.map(valuesOf))).execute(db)).rows) changed.add(Number(r.id));
  }
  return rows.map((row) => changed.has(row.id));
}

/**
 * Admitted → started, for several sessions in one statement (the hooks of one enqueue batch); for
 * each, false when it was no longer admitted (ended meanwhile). A session must appear once.
 */
export function markPushSessionsStarted(db: Db, starts: readonly PushStart[]): Promise<boolean[]> {
  return updateFromValues(
    db,
    starts,
    (s) => sql`(CAST(${s.id} AS bigint), CAST(${s.startedAt} AS bigint), CAST(${s.width} AS integer), CAST(${s.height} AS integer))`,
    (values) => sql<{ id: number }>`WITH v(id, started_at, width, height) AS (VALUES ${values})
      UPDATE push_sessions SET state = 'started', started_at = v.started_at, last_seen_at = v.started_at, width = v.width, height = v.height
      FROM v WHERE push_sessions.id = v.id AND push_sessions.state = 'admitted' AND push_sessions.ended_at IS NULL
      RETURNING push_sessions.id`,
  );
}

/**
 * Ends live sessions in one statement; for each, false when it had already ended (someone else
 * wrote its end). A session must appear once.
 */
export function markPushSessionsEnded(db: Db, ends: readonly PushEndRow[]): Promise<boolean[]> {
  return updateFromValues(
    db,
    ends,
    (e) =>
      sql`(CAST(${e.id} AS bigint), CAST(${e.endedAt} AS bigint), CAST(${e.errcode} AS integer), CAST(${e.errmsg} AS text), CAST(${e.width} AS integer), CAST(${e.height} AS integer), CAST(${e.videoCodec ?? ''} AS text), CAST(${e.audioCodec ?? ''} AS text))`,
    (values) => sql<{ id: number }>`WITH v(id, ended_at, errcode, errmsg, width, height, video_codec, audio_codec) AS (VALUES ${values})
      UPDATE push_sessions SET state = 'ended', ended_at = v.ended_at, end_errcode = v.errcode, end_errmsg = v.errmsg, width = v.width, height = v.height,
        video_codec = CASE WHEN v.video_codec = '' THEN push_sessions.video_codec ELSE v.video_codec END,
        audio_codec = CASE WHEN v.audio_codec = '' THEN push_sessions.audio_codec ELSE v.audio_codec END
      FROM v WHERE push_sessions.id = v.id AND push_sessions.ended_at IS NULL
      RETURNING push_sessions.id`,
  );
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
