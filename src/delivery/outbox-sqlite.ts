/**
 * Outbox on SQLite (storage model and session parking: outbox-sql.ts). Limits: SQLite has one
 * writer, so claims, enqueues and recordings are serialised by the database (parking needs no
 * row locks), and leases only guard against a crashed process, never against a second live one:
 * one process per SQLite file, which therefore drops every lease it finds at start.
 */
import { sql } from 'kysely';
import { chunks } from '../store/chunks.js';
import { precompiled } from '../store/precompiled.js';
import { transact } from '../store/transact.js';
import type { ClaimedDelivery } from './outbox.js';
import { SqlOutbox, toClaimed, type Trx } from './outbox-sql.js';

// Run for every claim and every enqueued batch: compiled once per list length (store/precompiled.ts).
const lease = precompiled<{ until: number; ids: number[] }, never>((db, $) =>
  db.updateTable('deliveries').set({ lease_until: $('until') }).where('id', 'in', $.each('ids')),
);
const sessionsWithRows = precompiled<{ orderKeys: string[] }, { order_key: string | null }>((db, $) =>
  db.selectFrom('deliveries').select('order_key').distinct().where('order_key', 'in', $.each('orderKeys')),
);

export class SqliteOutbox extends SqlOutbox {
  /**
   * Two looks, both on partial indexes (migration 10): rows nobody holds (`lease_until = 0`, the
   * common case, in due order), and rows whose lease ran out (an attempt whose recording failed).
   * In-flight rows are in neither index, so a claim never scans the thousands that may be out.
   */
  async claimDue(options: { now: number; limit: number; leaseMs: number; excludeHosts: readonly string[] }): Promise<ClaimedDelivery[]> {
    const { now, limit, leaseMs, excludeHosts } = options;
    return transact(this.db, async (trx) => {
      const expired = await this.#due(trx, now, limit, excludeHosts, 'expired');
      const rows = expired.length < limit ? [...expired, ...(await this.#due(trx, now, limit - expired.length, excludeHosts, 'free'))] : expired;
      for (const batch of chunks(rows)) {
        await lease(trx, { until: now + leaseMs, ids: batch.map((r) => r.id) });
      }
      return rows.map(toClaimed);
    });
  }

  #due(trx: Trx, now: number, limit: number, excludeHosts: readonly string[], lease: 'free' | 'expired') {
    let query = trx
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .select([
        'd.id', 'd.event_id', 'e.webhook_id', 'd.url', 'd.target_host', 'd.event_type',
        'd.callback_key', 'e.payload', 'd.attempts', 'd.order_key',
      ])
      .where('d.next_attempt_at', '<=', now)
      // A push session's events go out in order: nothing is claimed while an earlier event of
      // the same session is still in the hot table (queued, in flight or awaiting retry).
      .where((eb) =>
        eb.or([
          eb('d.order_key', 'is', null),
          eb.not(
            eb.exists(
              eb.selectFrom('deliveries as p').select('p.id').whereRef('p.order_key', '=', 'd.order_key').whereRef('p.id', '<', 'd.id'),
            ),
          ),
        ]),
      );
    // Literal zeros: a parameter that decides whether a partial index applies makes SQLite
    // re-prepare the statement at every execution.
    query = lease === 'free' ? query.where('d.lease_until', '=', sql.lit(0)) : query.where('d.lease_until', '>', sql.lit(0)).where('d.lease_until', '<', now);
    if (excludeHosts.length > 0) query = query.where('d.target_host', 'not in', [...excludeHosts]);
    return query.orderBy('d.next_attempt_at').orderBy('d.id').limit(limit).execute();
  }

  protected async begin(): Promise<void> {}

  protected async busySessions(trx: Trx, orderKeys: readonly string[]): Promise<Set<string | null>> {
    const { rows } = await sessionsWithRows(trx, { orderKeys: [...orderKeys] });
    return new Set(rows.map((r) => r.order_key));
  }

  protected async enqueued(): Promise<void> {}

  /** Drops every lease: safe only because no other process can hold one (see the header). */
  async releaseAllLeases(): Promise<void> {
    await this.db.updateTable('deliveries').set({ lease_until: 0 }).where('lease_until', '>', 0).execute();
  }
}
