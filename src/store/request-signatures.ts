/**
 * Request signatures (TC3) and v1 nonces the API has accepted, each kept until its validity window
 * closes. One table shared by every instance on the same database, so a replay is refused whichever
 * instance it reaches.
 */
import type { Db } from './database.js';

/** Records `signature` until `expiresAt` (Unix ms). False when it was already recorded. */
export async function claimRequestSignature(db: Db, signature: string, expiresAt: number): Promise<boolean> {
  const result = await db
    .insertInto('request_signatures')
    .values({ signature, expires_at: expiresAt })
    .onConflict((oc) => oc.column('signature').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Forgets the signatures whose window closed before `now` (Unix ms); returns how many. */
export async function purgeExpiredRequestSignatures(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('request_signatures').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
