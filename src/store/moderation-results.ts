/** Flagged screenshots (moderation results that are not Pass): written by capture, read by the API. */
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './database.js';
import type { ModerationResultsTable } from './schema.js';

export type ModerationResultRow = Selectable<ModerationResultsTable>;

export interface ModerationResultFilter {
  appId: number;
  from?: number | undefined;
  to?: number | undefined;
  domain?: string | undefined;
  stream?: string | undefined;
}

export async function insertModerationResult(db: Db, row: Insertable<ModerationResultsTable>): Promise<void> {
  await db.insertInto('moderation_results').values(row).execute();
}

function filtered(db: Db, f: ModerationResultFilter) {
  let query = db.selectFrom('moderation_results').where('app_id', '=', f.appId);
  if (f.from !== undefined) query = query.where('screenshot_at', '>=', f.from);
  if (f.to !== undefined) query = query.where('screenshot_at', '<=', f.to);
  if (f.domain !== undefined) query = query.where('domain_name', '=', f.domain);
  if (f.stream !== undefined) query = query.where('stream_name', '=', f.stream);
  return query;
}

/** Newest first. */
export async function pageModerationResults(
  db: Db,
  filter: ModerationResultFilter,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: ModerationResultRow[] }> {
  const [{ n }, rows] = await Promise.all([
    filtered(db, filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    filtered(db, filter).selectAll().orderBy('id', 'desc').offset(page.offset).limit(page.limit).execute(),
  ]);
  return { total: Number(n), rows };
}

/** Results whose screenshot is older than `before` go with the files they point at. */
export async function deleteModerationResultsBefore(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('moderation_results').where('screenshot_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
