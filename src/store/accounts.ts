/** Accounts: one per AppId; every other resource belongs to exactly one. */
import type { Db } from './database.js';
import type { AccountsTable } from './schema.js';

export type Account = AccountsTable;

export const countAccounts = async (db: Db): Promise<number> =>
  Number((await db.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

export const findAccount = (db: Db, appId: number): Promise<Account | undefined> =>
  db.selectFrom('accounts').selectAll().where('app_id', '=', appId).executeTakeFirst();

export const listAccounts = (db: Db): Promise<Account[]> =>
  db.selectFrom('accounts').selectAll().orderBy('app_id').execute();

export async function insertAccount(db: Db, appId: number, name = ''): Promise<Account> {
  const row = { app_id: appId, name, created_at: Date.now() };
  await db.insertInto('accounts').values(row).execute();
  return row;
}
