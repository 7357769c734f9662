/** Picks the outbox for the store's backend and readies it for this process. */
import type { Store } from '../store/database.js';
import type { Outbox } from './outbox.js';
import { PostgresOutbox } from './outbox-postgres.js';
import { SqliteOutbox } from './outbox-sqlite.js';

export async function openOutbox(store: Store): Promise<Outbox> {
  // Shared by several instances: leases found at start may be live ones. Never drop them.
  if (store.backend === 'postgres') return new PostgresOutbox(store.db);
  const outbox = new SqliteOutbox(store.db);
  // One process per SQLite file: any lease found at start belongs to a process that died.
  await outbox.releaseAllLeases();
  return outbox;
}
