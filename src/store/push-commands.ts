/**
 * Telling the instance that holds a publisher that its push was ended elsewhere (DropLiveStream or
 * a media-server hook through another instance, a takeover, recovery after a lease was wrongly
 * claimed). PostgreSQL: a NOTIFY on `livehook_push`, sent at the commit of the end itself, that
 * every instance's change feed hears; the holder closes its publisher. SQLite: one process, which
 * ends its own pushes directly, so nothing is sent. A lost notification is caught up by the
 * holder's heartbeat, which finds the session ended in the store.
 */
import { sql } from 'kysely';
import { CHANNELS } from './channels.js';
import type { Db, Store } from './database.js';

/** One notification per session, all sent by one statement (a batch of ends is one round trip). */
export async function notifyPushesEnded(trx: Db, backend: Store['backend'], sessionIds: readonly number[]): Promise<void> {
  if (backend !== 'postgres' || sessionIds.length === 0) return;
  await sql`SELECT pg_notify(${CHANNELS.push}, id) FROM unnest(${sessionIds.map(String)}::text[]) AS id`.execute(trx);
}

/** The session id a `livehook_push` notification names, or undefined for anything else. */
export function endedSessionOf(payload: string | undefined): number | undefined {
  return payload && /^[1-9]\d{0,15}$/.test(payload) ? Number(payload) : undefined;
}
