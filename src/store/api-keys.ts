/** API key pairs (SecretId/SecretKey). The SecretKey must be kept readable: TC3 needs it to verify. */
import type { Db } from './database.js';
import type { ApiKeysTable } from './schema.js';

export type ApiKey = ApiKeysTable;

export async function insertApiKey(
  db: Db,
  key: { secretId: string; secretKey: string; appId: number },
): Promise<ApiKey> {
  const row: ApiKey = {
    secret_id: key.secretId,
    secret_key: key.secretKey,
    app_id: key.appId,
    status: 'active',
    created_at: Date.now(),
    revoked_at: null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return row;
}

export const findActiveApiKey = (db: Db, secretId: string): Promise<ApiKey | undefined> =>
  db
    .selectFrom('api_keys')
    .selectAll()
    .where('secret_id', '=', secretId)
    .where('status', '=', 'active')
    .executeTakeFirst();

export function listApiKeys(db: Db, appId?: number): Promise<ApiKey[]> {
  let query = db.selectFrom('api_keys').selectAll().orderBy('created_at');
  if (appId !== undefined) query = query.where('app_id', '=', appId);
  return query.execute();
}

/** Returns false when no active key has that SecretId. */
export async function revokeApiKey(db: Db, secretId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ status: 'revoked', revoked_at: Date.now() })
    .where('secret_id', '=', secretId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
