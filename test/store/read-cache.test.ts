/**
 * ReadCache (src/store/read-cache.ts) on a real SQLite store: a repeated read is answered from
 * memory while nothing commits, and read again after any commit: this connection's, another
 * connection's on the same file (as the CLI's, from another process), or one made while it read.
 * A request's arrival stamp (store/database.ts) looks at other connections' commits once per turn.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { insertAccount } from '../../src/store/accounts.js';
import { openStore } from '../../src/store/database.js';
import { ReadCache } from '../../src/store/read-cache.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-read-cache-'));
const file = path.join(dir, 'livehook.db');
const store = await openStore(`sqlite:${file}`);
const other = new SQLite(file);
after(async () => {
  other.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let nextAppId = 9_100_000;
const countAccounts = async () => (await store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

/** A cache over the account count that also counts how often it really read. */
function countingCache(changeStamp: (() => string) | undefined) {
  const cache = new ReadCache<number>(changeStamp);
  let reads = 0;
  const get = () => cache.get('accounts', () => (reads++, countAccounts()));
  return { get, reads: () => reads };
}

test('nothing committed: the second read is answered from memory', async () => {
  const c = countingCache(store.changeStamp);
  const first = await c.get();
  assert.equal(await c.get(), first);
  assert.equal(c.reads(), 1);
});

test("this connection's commit: read again, and the new row is seen", async () => {
  const c = countingCache(store.changeStamp);
  const before = await c.get();
  await insertAccount(store.db, nextAppId++, 'read-cache-own');
  assert.equal(await c.get(), before + 1);
  assert.equal(c.reads(), 2);
});

test("another connection's commit on the same file (another process's): read again", async () => {
  const c = countingCache(store.changeStamp);
  const before = await c.get();
  other.prepare('INSERT INTO accounts (app_id, name, created_at) VALUES (?, ?, ?)').run(nextAppId++, 'read-cache-other', Date.now());
  assert.equal(await c.get(), before + 1);
  assert.equal(c.reads(), 2);
});

test('a commit while the value was read: that value is not kept', async () => {
  const cache = new ReadCache<number>(store.changeStamp);
  let reads = 0;
  const read = async () => {
    reads++;
    const n = await countAccounts();
    if (reads === 1) await insertAccount(store.db, nextAppId++, 'read-cache-during');
    return n;
  };
  const stale = await cache.get('accounts', read);
  assert.equal(await cache.get('accounts', read), stale + 1, 'the second call reads again and sees the row');
  assert.equal(reads, 2);
});

test('no change stamp (PostgreSQL): every call reads', async () => {
  const c = countingCache(undefined);
  await c.get();
  await c.get();
  assert.equal(c.reads(), 2);
});

test("a request's arrival stamp: one look at other connections' commits per turn, this connection's writes at once", async () => {
  const arrival = store.arrivalStamp!;
  const before = arrival();
  other.prepare('INSERT INTO accounts (app_id, name, created_at) VALUES (?, ?, ?)').run(nextAppId++, 'read-cache-arrival', Date.now());
  assert.equal(arrival(), before, 'the same turn: requests that arrived with this one share its look');
  assert.notEqual(store.changeStamp!(), before, 'a fresh look sees the commit');
  await new Promise((resolve) => setImmediate(resolve));
  const nextTurn = arrival();
  assert.notEqual(nextTurn, before, 'the next turn looks again and sees it');
  await insertAccount(store.db, nextAppId++, 'read-cache-arrival-own');
  assert.notEqual(arrival(), nextTurn, "this connection's write moves it at once");
});
