/**
 * Instance leases (table `instances`): each running livehook renews its row; a row whose lease ran
 * out belongs to a dead instance. Claiming deletes the row, so exactly one survivor claims each
 * dead instance (DELETE … RETURNING: a second claimer finds nothing to delete).
 */
import type { Db } from './database.js';

export async function registerInstance(db: Db, row: { id: string; host: string; pid: number; startedAt: number; leaseUntil: number }): Promise<void> {
  await db
    .insertInto('instances')
    .values({ id: row.id, host: row.host, pid: row.pid, started_at: row.startedAt, lease_until: row.leaseUntil })
    .onConflict((oc) => oc.column('id').doUpdateSet({ lease_until: row.leaseUntil }))
    .execute();
}

/** False when the row is gone: another instance took this one for dead and claimed it. */
export async function renewInstanceLease(db: Db, id: string, leaseUntil: number): Promise<boolean> {
  const result = await db.updateTable('instances').set({ lease_until: leaseUntil }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Claims (deletes) every instance whose lease ended before `now`; returns their ids. */
export async function claimExpiredInstances(db: Db, now: number): Promise<string[]> {
  const rows = await db.deleteFrom('instances').where('lease_until', '<', now).returning('id').execute();
  return rows.map((r) => r.id);
}

/** Claims every instance but `selfId` (SQLite: one process per file, so any other row is a dead one). */
export async function claimOtherInstances(db: Db, selfId: string): Promise<string[]> {
  const rows = await db.deleteFrom('instances').where('id', '<>', selfId).returning('id').execute();
  return rows.map((r) => r.id);
}

export async function deleteInstance(db: Db, id: string): Promise<void> {
  await db.deleteFrom('instances').where('id', '=', id).execute();
}
