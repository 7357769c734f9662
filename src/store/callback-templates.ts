/** Callback templates: one URL per event kind plus the key that signs callbacks. */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './database.js';
import type { CallbackTemplatesTable } from './schema.js';

export type CallbackTemplateRow = Selectable<CallbackTemplatesTable>;
export type NewCallbackTemplate = Omit<Insertable<CallbackTemplatesTable>, 'id' | 'created_at' | 'updated_at'>;
export type CallbackTemplateChanges = Omit<
  Updateable<CallbackTemplatesTable>,
  'id' | 'app_id' | 'created_at' | 'updated_at'
>;

export async function insertCallbackTemplate(db: Db, template: NewCallbackTemplate): Promise<number> {
  const now = Date.now();
  const { id } = await db
    .insertInto('callback_templates')
    .values({ ...template, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

export const findCallbackTemplate = (
  db: Db,
  appId: number,
  id: number,
): Promise<CallbackTemplateRow | undefined> =>
  db
    .selectFrom('callback_templates')
    .selectAll()
    .where('app_id', '=', appId)
    .where('id', '=', id)
    .executeTakeFirst();

export const listCallbackTemplates = (db: Db, appId?: number): Promise<CallbackTemplateRow[]> => {
  const query = db.selectFrom('callback_templates').selectAll().orderBy('id');
  return (appId === undefined ? query : query.where('app_id', '=', appId)).execute();
};

export async function countCallbackTemplates(db: Db, appId: number): Promise<number> {
  const { n } = await db
    .selectFrom('callback_templates')
    .where('app_id', '=', appId)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function updateCallbackTemplate(
  db: Db,
  appId: number,
  id: number,
  changes: CallbackTemplateChanges,
): Promise<boolean> {
  const result = await db
    .updateTable('callback_templates')
    .set({ ...changes, updated_at: Date.now() })
    .where('app_id', '=', appId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteCallbackTemplate(db: Db, appId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('callback_templates')
    .where('app_id', '=', appId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
