/** Forbidden streams (ForbidLiveStream / ResumeLiveStream): refused at push time until resume_at. */
import type { Db } from './database.js';
import type { ForbiddenStreamsTable } from './schema.js';

export type ForbiddenStreamRow = ForbiddenStreamsTable;

export async function upsertForbiddenStream(db: Db, row: ForbiddenStreamRow): Promise<void> {
  await db
    .insertInto('forbidden_streams')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['domain_name', 'app_name', 'stream_name']).doUpdateSet({ reason: row.reason, resume_at: row.resume_at, created_at: row.created_at }),
    )
    .execute();
}

export async function deleteForbiddenStream(db: Db, appId: number, domain: string, app: string, stream: string): Promise<boolean> {
  const result = await db
    .deleteFrom('forbidden_streams')
    .where('app_id', '=', appId)
    .where('domain_name', '=', domain)
    .where('app_name', '=', app)
    .where('stream_name', '=', stream)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Rows still in force at `now`; expired rows are simply ignored (a later forbid overwrites them). */
export function listForbiddenStreams(db: Db, now: number, appId?: number): Promise<ForbiddenStreamRow[]> {
  let query = db.selectFrom('forbidden_streams').selectAll().where('resume_at', '>', now).orderBy('created_at', 'desc');
  if (appId !== undefined) query = query.where('app_id', '=', appId);
  return query.execute();
}
