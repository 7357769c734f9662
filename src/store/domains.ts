/** Live domains (push and play) with their push-authentication settings. */
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from './database.js';
import type { DomainsTable } from './schema.js';

export type DomainRow = Selectable<DomainsTable>;

/** Remote push authentication starts off, with the table's defaults. */
export type NewDomain = Omit<Insertable<DomainsTable>, 'created_at' | 'updated_at'>;

export async function insertDomain(db: Db, domain: NewDomain): Promise<void> {
  const now = Date.now();
  await db.insertInto('domains').values({ ...domain, created_at: now, updated_at: now }).execute();
}

/** Any account's domain: names are global, since ingest maps a host to exactly one owner. */
export const findDomainAnyAccount = (db: Db, name: string): Promise<DomainRow | undefined> =>
  db.selectFrom('domains').selectAll().where('name', '=', name).executeTakeFirst();

export const findDomain = (db: Db, appId: number, name: string): Promise<DomainRow | undefined> =>
  db
    .selectFrom('domains')
    .selectAll()
    .where('app_id', '=', appId)
    .where('name', '=', name)
    .executeTakeFirst();

export interface DomainFilter {
  status?: number | undefined;
  type?: number | undefined;
  isDelayLive?: number | undefined;
  prefix?: string | undefined;
  playType?: number | undefined;
}

function filteredDomains(db: Db, appId: number, filter: DomainFilter) {
  let query = db.selectFrom('domains').where('app_id', '=', appId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.isDelayLive !== undefined) query = query.where('is_delay_live', '=', filter.isDelayLive);
  if (filter.playType !== undefined) query = query.where('play_type', '=', filter.playType);
  if (filter.prefix) {
    // substr instead of LIKE: a prefix is literal text, with no wildcards to escape.
    query = query.where(sql<boolean>`substr(name, 1, ${filter.prefix.length}) = ${filter.prefix}`);
  }
  return query;
}

export async function pageDomains(
  db: Db,
  appId: number,
  filter: DomainFilter,
  page: { offset: number; limit: number },
): Promise<{ total: number; rows: DomainRow[] }> {
  const base = filteredDomains(db, appId, filter);
  const [{ n }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    base.selectAll().orderBy('created_at', 'desc').orderBy('name').offset(page.offset).limit(page.limit).execute(),
  ]);
  return { total: Number(n), rows };
}

export const listDomains = (db: Db, appId?: number): Promise<DomainRow[]> => {
  const query = db.selectFrom('domains').selectAll().orderBy('name');
  return (appId === undefined ? query : query.where('app_id', '=', appId)).execute();
};

export async function countDomains(db: Db, appId: number): Promise<number> {
  const { n } = await db
    .selectFrom('domains')
    .where('app_id', '=', appId)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function updateDomain(
  db: Db,
  appId: number,
  name: string,
  changes: Omit<Updateable<DomainRow>, 'name' | 'app_id' | 'created_at' | 'updated_at'>,
): Promise<boolean> {
  const result = await db
    .updateTable('domains')
    .set({ ...changes, updated_at: Date.now() })
    .where('app_id', '=', appId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes the domain and (by cascade) every rule that binds it. */
export async function deleteDomain(db: Db, appId: number, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom('domains')
    .where('app_id', '=', appId)
    .where('name', '=', name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
