/**
 * Group commit (src/store/group-commit.ts) on a real SQLite store: inputs queued together are written
 * by one set-based call in one transaction and each resolves with its own answer after the commit;
 * a bad input fails only its caller; a storage fault fails the whole batch at once; a batch its
 * write makes in one statement runs outside a transaction, and again when it lost a conflict.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/database.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import type { Db } from '../../src/store/database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-group-commit-'));
const store = await openStore(`sqlite:${path.join(dir, 'livehook.db')}`);
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let nextAppId = 9_000_000;
/** Inserts one account per input (its name), set-based, as a BatchWrite does; a name 'bad' makes the statement fail. */
const insertAccounts = async (trx: Db, names: readonly string[]) => {
  const rows = names.map((name) => ({ app_id: nextAppId++, name, created_at: Date.now() }));
  await trx.insertInto('accounts').values(rows.map((r) => (r.name === 'bad' ? { ...r, name: null as unknown as string } : r))).execute();
  return rows.map((r) => r.app_id);
};
const stored = async (appIds: number[]) =>
  (await store.db.selectFrom('accounts').select('app_id').where('app_id', 'in', appIds).execute()).map((r) => r.app_id).sort();

test('inputs queued in one turn are written by one call in one transaction, and each resolves with its own answer after the commit', async () => {
  const calls: { trx: Db; names: readonly string[] }[] = [];
  const group = new GroupCommit(store.db, (trx: Db, names: readonly string[]) => (calls.push({ trx, names }), insertAccounts(trx, names)));
  const names = Array.from({ length: 20 }, (_, i) => `group-${i}`);
  const ids = await Promise.all(names.map((name) => group.run(name)));
  assert.equal(calls.length, 1, 'one call for the 20 writes');
  assert.equal(calls[0]!.trx.isTransaction, true, 'in a transaction');
  assert.deepEqual(calls[0]!.names, names, 'in the order they were queued');
  assert.deepEqual(await stored(ids), [...ids].sort());
  const named = await store.db.selectFrom('accounts').select(['app_id', 'name']).where('app_id', 'in', ids).execute();
  for (const row of named) assert.equal(row.name, names[ids.indexOf(row.app_id)], 'each caller got the id of its own row');
});

test('a batch that throws is written again one input at a time: only the bad input fails its caller', async () => {
  const group = new GroupCommit(store.db, insertAccounts);
  const results = await Promise.allSettled([group.run('good-1'), group.run('bad'), group.run('good-2')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason), /NOT NULL/);
  const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.deepEqual(await stored(ids), ids.sort());
});

test('a storage fault fails every write of the batch at once, with its cause', async () => {
  let calls = 0;
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const group = new GroupCommit(store.db, async (): Promise<number[]> => {
    calls++;
    throw full;
  });
  const results = await Promise.allSettled(Array.from({ length: 3 }, (_, i) => group.run(`full-${i}`)));
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
  for (const r of results) assert.equal((r as PromiseRejectedResult).reason, full);
  assert.equal(calls, 1, 'not tried again one by one');
});

test('a batch its write makes in one statement runs on the store, without BEGIN and COMMIT; larger batches keep the transaction', async () => {
  const calls: { inTransaction: boolean; count: number }[] = [];
  const group = new GroupCommit(
    store.db,
    (db: Db, names: readonly string[]) => (calls.push({ inTransaction: db.isTransaction, count: names.length }), insertAccounts(db, names)),
    { oneStatement: (count) => count <= 3 },
  );
  const small = await Promise.all(['one-1', 'one-2', 'one-3'].map((name) => group.run(name)));
  const large = await Promise.all(['many-1', 'many-2', 'many-3', 'many-4'].map((name) => group.run(name)));
  assert.deepEqual(calls, [
    { inTransaction: false, count: 3 },
    { inTransaction: true, count: 4 },
  ]);
  assert.deepEqual(await stored([...small, ...large]), [...small, ...large].sort());
});

test('a one-statement batch that lost a deadlock (PostgreSQL 40P01) is written again, and its callers get their answers', async () => {
  const calls: boolean[] = [];
  const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
  const group = new GroupCommit(
    store.db,
    async (db: Db, names: readonly string[]) => {
      calls.push(db.isTransaction);
      if (calls.length === 1) throw deadlock;
      return insertAccounts(db, names);
    },
    { oneStatement: () => true },
  );
  const ids = await Promise.all(['retried-1', 'retried-2'].map((name) => group.run(name)));
  assert.deepEqual(calls, [false, false], 'the whole batch once more, on the store both times (not one input at a time, not in a transaction)');
  assert.deepEqual(await stored(ids), [...ids].sort());
});
