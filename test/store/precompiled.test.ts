/**
 * precompiled (src/store/precompiled.ts) on real stores, SQLite and PostgreSQL in one process: each
 * call's values land in their own columns, every row count gets its own SQL and an IN list the SQL
 * of the next power of two of its length, and one statement used on both backends runs each its
 * dialect's SQL (SQLite's `?` would be a syntax error on PostgreSQL).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { insertAccount } from '../../src/store/accounts.js';
import type { Store } from '../../src/store/database.js';
import { precompiled, rowParts } from '../../src/store/precompiled.js';
import { openStoresOfEachBackend } from '../helpers/livehook.js';

interface Account {
  app_id: number;
  name: string;
  created_at: number;
}

const insertAccounts = precompiled<{ rows: Account[] }, { app_id: number }>((db, $) => db.insertInto('accounts').values($.rows('rows')).returning('app_id'));
const rename = precompiled<{ name: string; ids: number[] }, never>((db, $) => db.updateTable('accounts').set({ name: $('name') }).where('app_id', 'in', $.each('ids')));

let stores: { name: string; store: Store }[] = [];
let close = async () => {};
before(async () => ({ stores, close } = await openStoresOfEachBackend('precompiled')));
after(() => close());

const accountsOf = async (store: Store, ids: number[]) =>
  (await store.db.selectFrom('accounts').select(['app_id', 'name', 'created_at']).where('app_id', 'in', ids).orderBy('app_id').execute()).map((r) => ({
    app_id: Number(r.app_id),
    name: r.name,
    created_at: Number(r.created_at),
  }));

test('rows and IN lists: each call writes its own values, on both backends in turn', async () => {
  let next = 7_300_000;
  // Alternating backends with the same statements: a compiled text kept across dialects would fail here.
  for (const round of [1, 2]) {
    for (const { name, store } of stores) {
      for (const count of [1, 3, 2]) {
        const rows = Array.from({ length: count }, (_, i) => ({ app_id: next + i, name: `${name}-${round}-${count}-${i}`, created_at: 1000 * round + i }));
        next += count;
        const inserted = await insertAccounts(store.db, { rows });
        assert.deepEqual(inserted.rows.map((r) => Number(r.app_id)), rows.map((r) => r.app_id), `${name}: ids returned in order`);
        assert.deepEqual(await accountsOf(store, rows.map((r) => r.app_id)), rows, `${name}: ${count} rows, each column its own value`);

        const ids = rows.map((r) => r.app_id);
        // All rows but the last (the one row when there is one): lists of 1, 2 and 1 again.
        const chosen = count === 1 ? ids : ids.slice(0, -1);
        const renamed = await rename(store.db, { name: `renamed-${count}`, ids: chosen });
        assert.equal(Number(renamed.numAffectedRows), chosen.length, `${name}: an IN list of ${chosen.length}`);
        const after = await accountsOf(store, ids);
        assert.deepEqual(after.map((r) => r.name), rows.map((r) => (chosen.includes(r.app_id) ? `renamed-${count}` : r.name)));
      }
    }
  }
});

test('inside a transaction, a precompiled statement is part of it: rolled back with it', async () => {
  for (const { name, store } of stores) {
    const id = 7_400_000 + stores.findIndex((s) => s.store === store);
    await insertAccount(store.db, id, 'before');
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await rename(trx, { name: 'inside', ids: [id] });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await accountsOf(store, [id]))[0]!.name, 'before', `${name}: the update went with the rollback`);
  }
});

test("a shape's compiled statement keeps nothing of the call that built it", async () => {
  // Every shape stays compiled for the life of the process: holding its first call's arguments
  // (payloads, response excerpts) would keep a sample of data per shape alive with it.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { store } = stores[0]!;
  // Built and run in a function of its own, so that nothing of the test holds the arguments.
  const firstCall = async (): Promise<WeakRef<object>> => {
    const args = { rows: Array.from({ length: 5 }, (_, i) => ({ app_id: 7_500_000 + i, name: `kept-${i}`, created_at: i })) };
    await insertAccounts(store.db, args);
    return new WeakRef(args);
  };
  const args = await firstCall();
  // Let the statement's own promise chain end before looking.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(args.deref(), undefined, "the first call's arguments are still reachable from the compiled statement");
  // The same shape, other values: what it runs is still this call's.
  const again = Array.from({ length: 5 }, (_, i) => ({ app_id: 7_500_100 + i, name: `again-${i}`, created_at: 10 + i }));
  await insertAccounts(store.db, { rows: again });
  assert.deepEqual(await accountsOf(store, again.map((r) => r.app_id)), again);
});

test('shapes of one statement share the places of their values: hundreds of row counts stay small', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { store } = stores[0]!;
  let next = 7_600_000;
  const rowsOf = (count: number) => Array.from({ length: count }, () => ({ app_id: next++, name: 'shape', created_at: 0 }));
  // Row counts 1 to 250 of 3 columns: 94,125 places across the shapes, 750 distinct ones. One path
  // per place and shape kept ~8 MB; shared, the shapes' SQL and value lists come to ~1.9 MB.
  await insertAccounts(store.db, { rows: rowsOf(1) });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let count = 2; count <= 250; count++) await insertAccounts(store.db, { rows: rowsOf(count) });
  gc();
  const grownMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  assert.ok(grownMb < 3, `249 shapes kept ${grownMb.toFixed(1)} MB`);
});

test('an IN list is built for the next power of two of its length: lists of 5 to 8 share one statement', async () => {
  for (const { name, store } of stores) {
    const first = 7_700_000 + 100 * stores.findIndex((s) => s.store === store);
    const ids = Array.from({ length: 9 }, (_, i) => first + i);
    await insertAccounts(store.db, { rows: ids.map((app_id) => ({ app_id, name: 'listed', created_at: 0 })) });
    const seen: { sql: string; parameters: readonly unknown[] }[] = [];
    const executeQuery = store.db.executeQuery.bind(store.db);
    store.db.executeQuery = ((query: { sql: string; parameters: readonly unknown[] }) => (seen.push(query), executeQuery(query as never))) as typeof store.db.executeQuery;
    try {
      for (const length of [5, 8, 6, 9]) {
        const renamed = await rename(store.db, { name: `padded-${length}`, ids: ids.slice(0, length) });
        assert.equal(Number(renamed.numAffectedRows), length, `${name}: a list of ${length} updates ${length} rows`);
        const named = await accountsOf(store, ids);
        assert.deepEqual(named.map((r) => r.name), ids.map((_, i) => (i < length ? `padded-${length}` : named[i]!.name)));
      }
    } finally {
      store.db.executeQuery = executeQuery;
    }
    const [five, eight, six, nine] = seen;
    assert.equal(five!.sql, eight!.sql, `${name}: 5 and 8 elements, one statement`);
    assert.equal(five!.sql, six!.sql);
    assert.notEqual(nine!.sql, five!.sql, `${name}: 9 elements is the next shape`);
    assert.equal(five!.parameters.length, 1 + 8, `${name}: the name and 8 list places`);
    assert.equal(nine!.parameters.length, 1 + 16);
    assert.deepEqual(five!.parameters.slice(1), [...ids.slice(0, 5), ids[4], ids[4], ids[4]], `${name}: the last element repeated`);
  }
});

test('a multi-row statement of 32 rows or more runs in parts of 256, 128, 64 or 32 rows and a rest: its results joined in order', async () => {
  assert.deepEqual(rowParts(0), []);
  assert.deepEqual(rowParts(31), [31]);
  assert.deepEqual(rowParts(32), [32]);
  assert.deepEqual(rowParts(300), [256, 32, 12]);
  assert.deepEqual(rowParts(500), [256, 128, 64, 32, 20]);
  for (const { name, store } of stores) {
    const first = 7_800_000 + 1_000 * stores.findIndex((s) => s.store === store);
    const rows = Array.from({ length: 300 }, (_, i) => ({ app_id: first + i, name: `part-${i}`, created_at: i }));
    const placesPerCall: number[] = [];
    const inserted = await store.db.transaction().execute((trx) => {
      const executeQuery = trx.executeQuery.bind(trx);
      trx.executeQuery = ((query: { parameters: readonly unknown[] }) => (placesPerCall.push(query.parameters.length), executeQuery(query as never))) as typeof trx.executeQuery;
      return insertAccounts(trx, { rows });
    });
    assert.deepEqual(placesPerCall, [256 * 3, 32 * 3, 12 * 3], `${name}: three statements`);
    assert.deepEqual(inserted.rows.map((r) => Number(r.app_id)), rows.map((r) => r.app_id), `${name}: every id returned, in order`);
    assert.equal(Number(inserted.numAffectedRows ?? inserted.rows.length), 300);
    assert.deepEqual(await accountsOf(store, rows.map((r) => r.app_id)), rows, `${name}: each row its own values`);
  }
});
