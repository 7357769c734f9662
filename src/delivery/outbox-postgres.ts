/**
 * Outbox on PostgreSQL, shared by every livehook instance on the database (storage model and
 * session parking: outbox-sql.ts).
 * - Claims take a batch with `FOR UPDATE SKIP LOCKED`: instances never wait on each other's rows
 *   and never claim the same row while its lease runs.
 * - A lease outlives the HTTP timeout by a margin and the dispatcher renews it while it holds the
 *   row; a crashed instance's rows become claimable again when their leases run out (the claim
 *   query is the reaper). Leases are never dropped wholesale at start: other instances hold them.
 * - Writers run concurrently, so an enqueue share-locks the rows its sessions already have in the
 *   hot table before deciding to park: a recording that deletes such a row waits for the enqueue
 *   to commit and then un-parks what it parked (or the enqueue waits, and sees the row gone).
 *   The two can still deadlock (a DELETE … IN locks rows in the order its plan visits them, not
 *   by id): the two-instance hooks bench under the profiler stalled on it in 3 of 6 runs.
 *   PostgreSQL aborts one, and store/transact.ts runs it again at once, so neither an emit nor a
 *   recording fails for it (a recording that failed left its rows leased until the leases ran
 *   out, then re-sent).
 * - Every enqueue NOTIFYs `livehook_delivery` at commit; store/change-feed.ts wakes idle
 *   dispatchers with it, so an idle instance does not poll for new work.
 * - The hot table only holds undelivered rows and is vacuumed aggressively (migration 2).
 * - Only enqueues wait for the WAL flush. Claims and recorded attempts commit asynchronously
 *   (`synchronous_commit = off`): a server crash may forget the last fraction of a second of them,
 *   which re-sends those attempts (same webhook-id) and loses nothing, while a flush per claim and
 *   per recording would cap throughput at the disk's sync rate.
 */
import { sql } from 'kysely';
import { CHANNELS } from '../store/channels.js';
import { transact } from '../store/transact.js';
import type { ClaimedDelivery } from './outbox.js';
import { SqlOutbox, toClaimed, type ClaimRow, type Trx } from './outbox-sql.js';

export class PostgresOutbox extends SqlOutbox {
  async claimDue(options: { now: number; limit: number; leaseMs: number; excludeHosts: readonly string[] }): Promise<ClaimedDelivery[]> {
    const { now, limit, leaseMs, excludeHosts } = options;
    // The session test mirrors SQLite's: nothing is claimed while an earlier row of its session is
    // in the hot table. Rows are re-checked after locking, so a row another instance leased
    // between our snapshot and our lock is dropped from the batch, not claimed twice.
    const { rows } = await transact(this.db, async (trx) => {
      await asynchronousCommit(trx);
      return sql<ClaimRow & { next_attempt_at: number }>`
        WITH picked AS (
          SELECT d.id FROM deliveries d
          WHERE d.next_attempt_at <= ${now}
            AND d.lease_until < ${now}
            AND d.target_host <> ALL(${[...excludeHosts]}::text[])
            AND (d.order_key IS NULL OR NOT EXISTS (
              SELECT 1 FROM deliveries p WHERE p.order_key = d.order_key AND p.id < d.id))
          ORDER BY d.next_attempt_at, d.id
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE deliveries d SET lease_until = ${now + leaseMs}
        FROM picked, events e
        WHERE d.id = picked.id AND e.id = d.event_id
        RETURNING d.id, d.event_id, e.webhook_id, d.url, d.target_host, d.event_type,
          d.callback_key, e.payload, d.attempts, d.order_key, d.next_attempt_at`.execute(trx);
    });
    // RETURNING has no order; hand them out in the SQLite claim's order (due first, then oldest).
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id).map(toClaimed);
  }

  protected async begin(trx: Trx, durable: boolean): Promise<void> {
    if (!durable) await asynchronousCommit(trx);
  }

  protected async busySessions(trx: Trx, orderKeys: readonly string[]): Promise<Set<string | null>> {
    const rows = await trx
      .selectFrom('deliveries')
      .select('order_key')
      .where('order_key', 'in', [...orderKeys])
      .orderBy('id')
      .forShare()
      .execute();
    return new Set(rows.map((r) => r.order_key));
  }

  protected async enqueued(trx: Trx): Promise<void> {
    await sql`SELECT pg_notify(${CHANNELS.delivery}, '')`.execute(trx);
  }
}

const asynchronousCommit = (trx: Trx) => sql`SET LOCAL synchronous_commit = off`.execute(trx);
