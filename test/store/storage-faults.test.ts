/**
 * The store's storage-fault recorder on real storage: SQLite on a tmpfs that fills up (the real
 * SQLITE_FULL propagates, not "cannot rollback - no transaction is active"; the fault lasts until a
 * write succeeds), and PostgreSQL whose server ends a connection mid-query (the fault ends with the
 * next statement that succeeds).
 */
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import type { StorageFault } from '../../src/store/storage-faults.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { mountTmpfs, type SmallFilesystem } from '../helpers/tmpfs.js';

const mounts: SmallFilesystem[] = [];
const stores: Store[] = [];
const databases: TestDatabase[] = [];

after(async () => {
  for (const store of stores) await store.close().catch(() => {});
  for (const mount of mounts) mount.unmount();
  for (const database of databases) await database.drop();
});

/** Resolves with what a promise rejected with; fails the test if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (rawError) {
    return rawError as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const insertAccount = (store: Store, appId: number) =>
  store.db.insertInto('accounts').values({ app_id: appId, name: 'x'.repeat(20_000), created_at: Date.now() }).execute();

describe('storage faults', () => {
  test('SQLite on a full disk: the real cause propagates, a fault is current until a write succeeds', async () => {
    const fsys = mountTmpfs(4 * 1024 * 1024);
    mounts.push(fsys);
    const store = await openStore(`sqlite:${path.join(fsys.dir, 'livehook.db')}`);
    stores.push(store);
    const changes: (StorageFault | undefined)[] = [];
    store.faults.onChange((fault) => changes.push(fault));
    await insertAccount(store, 1);
    assert.equal(store.faults.current(), undefined);

    fsys.fill();
    // A transaction fails at its commit; SQLite has already rolled it back by then.
    const inTransaction = await rejection(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts').values({ app_id: 2, name: 'x'.repeat(20_000), created_at: Date.now() }).execute();
      }),
    );
    assert.equal(inTransaction.code, 'SQLITE_FULL', inTransaction.message);
    assert.doesNotMatch(inTransaction.message, /cannot rollback/);
    const fault = store.faults.current();
    assert.ok(fault);
    assert.equal(fault.message, 'database or disk is full (SQLITE_FULL)');
    assert.equal(fault.code, 'SQLITE_FULL');
    assert.equal(fault.operation, 'commit');

    const autocommit = await rejection(insertAccount(store, 3));
    assert.equal(autocommit.code, 'SQLITE_FULL');
    assert.equal(store.faults.current()?.count, 2);
    // Its caller reporting the same error again does not count it twice; the start stays.
    store.faults.report(autocommit, 'events');
    assert.equal(store.faults.current()?.count, 2);
    assert.equal(store.faults.current()?.since, fault.since);
    assert.equal(changes.length, 2);

    // Reads work on a full disk, but only a write ends a write fault.
    assert.equal((await store.db.selectFrom('accounts').select('app_id').execute()).length, 1);
    assert.ok(store.faults.current());

    fsys.free();
    await insertAccount(store, 4);
    assert.equal(store.faults.current(), undefined);
    assert.deepEqual(changes.at(-1), undefined);
    assert.equal(changes.length, 3);
    assert.deepEqual((await store.db.selectFrom('accounts').select('app_id').orderBy('app_id').execute()).map((r) => r.app_id), [1, 4]);
  });

  test('a constraint violation is not a storage fault', async () => {
    const fsys = mountTmpfs(4 * 1024 * 1024);
    mounts.push(fsys);
    const store = await openStore(`sqlite:${path.join(fsys.dir, 'livehook.db')}`);
    stores.push(store);
    await insertAccount(store, 1);
    const duplicate = await rejection(insertAccount(store, 1));
    assert.match(duplicate.code ?? '', /^SQLITE_CONSTRAINT/);
    assert.equal(store.faults.current(), undefined);
  });

  test('PostgreSQL: a connection the server ends mid-query is a fault until the next statement succeeds', async () => {
    const database = await createTestDatabase('faults');
    databases.push(database);
    const store = await openStore(database.url);
    stores.push(store);

    const sleeping = rejection(sql`SELECT pg_sleep(30)`.execute(store.db));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      // Wait until the query runs, then end its backend as an administrator (or a failover) would.
      for (let terminated = 0; terminated === 0; ) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'`,
          [database.name],
        );
        terminated = rowCount ?? 0;
        if (terminated === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await admin.end();
    }
    const failure = await sleeping;
    const fault = store.faults.current();
    assert.ok(fault, `no fault after ${failure.message}`);
    assert.equal(fault.operation, 'read');
    assert.equal(fault.code, '57P01', fault.message);
    assert.match(fault.message, /terminating connection due to administrator command/);

    await sql`SELECT 1`.execute(store.db);
    assert.equal(store.faults.current(), undefined);
  });
});
