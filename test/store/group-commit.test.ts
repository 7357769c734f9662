/**
 * Group commit (src/store/group-commit.ts) on a real SQLite store: writes queued together share one
 * transaction and each resolves after it commits; a write that throws fails only its caller; a
 * storage fault fails the whole batch at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/database.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import type { Trx } from '../../src/store/transact.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-group-commit-'));
const store = await openStore(`sqlite:${path.join(dir, 'livehook.db')}`);
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let nextAppId = 9_000_000;
const insertAccount = (trx: Trx) => {
  const appId = nextAppId++;
  return trx.insertInto('accounts').values({ app_id: appId, name: `group-${appId}`, created_at: Date.now() }).execute().then(() => appId);
};
const stored = async (appIds: number[]) =>
  (await store.db.selectFrom('accounts').select('app_id').where('app_id', 'in', appIds).execute()).map((r) => r.app_id).sort();

test('writes queued in one turn share one transaction, and each resolves after the commit', async () => {
  const group = new GroupCommit(store.db);
  const seen = new Set<Trx>();
  const ids = await Promise.all(
    Array.from({ length: 20 }, () =>
      group.run(async (trx) => {
        seen.add(trx);
        return insertAccount(trx);
      }),
    ),
  );
  assert.equal(seen.size, 1, 'one transaction for the 20 writes');
  assert.deepEqual(await stored(ids), [...ids].sort());
});

test('a write that throws fails only its caller; the others are committed', async () => {
  const group = new GroupCommit(store.db);
  const results = await Promise.allSettled([
    group.run(insertAccount),
    group.run(async () => {
      throw new Error('this write is wrong');
    }),
    group.run(insertAccount),
  ]);
  assert.equal(results[1]!.status, 'rejected');
  assert.match(String((results[1] as PromiseRejectedResult).reason), /this write is wrong/);
  const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value as number] : []));
  assert.equal(ids.length, 2);
  assert.deepEqual(await stored(ids), ids.sort());
});

test('a storage fault fails every write of the batch at once, with its cause', async () => {
  const group = new GroupCommit(store.db);
  let tries = 0;
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const results = await Promise.allSettled(
    Array.from({ length: 3 }, (_, i) =>
      group.run(async (trx) => {
        tries++;
        if (i === 1) throw full;
        return insertAccount(trx);
      }),
    ),
  );
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
  for (const r of results) assert.equal((r as PromiseRejectedResult).reason, full);
  assert.equal(tries, 2, 'not tried again one by one');
});
