/** Console administrators (username + password hash), each acting for one account. */
import type { Db } from './database.js';
import type { AdminsTable } from './schema.js';

export type Admin = AdminsTable;

export async function insertAdmin(
  db: Db,
  admin: { username: string; passwordHash: string; appId: number },
): Promise<void> {
  await db
    .insertInto('admins')
    .values({
      username: admin.username,
      password_hash: admin.passwordHash,
      app_id: admin.appId,
      created_at: Date.now(),
    })
    .execute();
}

export const findAdmin = (db: Db, username: string): Promise<Admin | undefined> =>
  db.selectFrom('admins').selectAll().where('username', '=', username).executeTakeFirst();
