/**
 * Storage shared by the snapshot and record templates: the same account-scoped CRUD on two tables
 * that differ only in their settings columns. `snapshot-templates.ts` and `record-templates.ts`
 * bind it to their table and export the row types.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './schema.js';

export type MediaTemplateTable = 'snapshot_templates' | 'record_templates';

type Managed = 'id' | 'created_at' | 'updated_at';

export interface MediaTemplateStore<T extends MediaTemplateTable> {
  insert(db: Db, template: Omit<Insertable<Database[T]>, Managed>): Promise<number>;
  find(db: Db, appId: number, id: number): Promise<Selectable<Database[T]> | undefined>;
  /** Every account's templates when `appId` is omitted (the config cache). */
  list(db: Db, appId?: number): Promise<Array<Selectable<Database[T]>>>;
  count(db: Db, appId: number): Promise<number>;
  update(db: Db, appId: number, id: number, changes: Omit<Updateable<Database[T]>, Managed | 'app_id'>): Promise<boolean>;
  remove(db: Db, appId: number, id: number): Promise<boolean>;
}

/**
 * The queries use only the columns both tables have (id, app_id, created_at, updated_at), so they
 * are written once against one table's type; the row types stay those of `table`.
 */
export function mediaTemplateStore<T extends MediaTemplateTable>(table: T): MediaTemplateStore<T> {
  const t = table as MediaTemplateTable as 'snapshot_templates';
  type Row = Selectable<Database[T]>;
  return {
    async insert(db, template) {
      const now = Date.now();
      const values = { ...template, created_at: now, updated_at: now } as unknown as Insertable<Database['snapshot_templates']>;
      const { id } = await db.insertInto(t).values(values).returning('id').executeTakeFirstOrThrow();
      return Number(id);
    },
    find: async (db, appId, id) =>
      (await db.selectFrom(t).selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst()) as Row | undefined,
    async list(db, appId) {
      const query = db.selectFrom(t).selectAll().orderBy('id');
      return (await (appId === undefined ? query : query.where('app_id', '=', appId)).execute()) as Row[];
    },
    async count(db, appId) {
      const { n } = await db
        .selectFrom(t)
        .where('app_id', '=', appId)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(n);
    },
    async update(db, appId, id, changes) {
      const set = { ...changes, updated_at: Date.now() } as Updateable<Database['snapshot_templates']>;
      const result = await db.updateTable(t).set(set).where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async remove(db, appId, id) {
      const result = await db.deleteFrom(t).where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
