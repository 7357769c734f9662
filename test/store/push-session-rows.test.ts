/**
 * The set-based push-session statements (src/store/push-sessions.ts) and the set-based transaction
 * hooks of an enqueue (src/delivery/outbox-sql.ts), on SQLite and PostgreSQL: each row of a call
 * gets its own answer and its own values, a conflict (with a live row, or with an earlier row of
 * the same call) refuses only that row, and a push's start and end queued in one enqueue batch are
 * written in that order, both events kept; on PostgreSQL, a batch's ends notify their holders with
 * one statement; a group commit of admissions that is one statement sends no BEGIN and COMMIT.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openOutbox } from '../../src/delivery/open-outbox.js';
import { transactionHook, type NewEvent } from '../../src/delivery/outbox.js';
import { insertAccount } from '../../src/store/accounts.js';
import { CHANNELS } from '../../src/store/channels.js';
import { openStore, type Store } from '../../src/store/database.js';
import { registerInstance } from '../../src/store/instances.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { notifyPushesEnded } from '../../src/store/push-commands.js';
import {
  insertAdmittedIsOneStatement,
  insertAdmittedPushSessions,
  markPushSessionsEnded,
  markPushSessionsStarted,
  type NewPushSession,
} from '../../src/store/push-sessions.js';
import { openStoresOfEachBackend } from '../helpers/livehook.js';

const APP_ID = 7_500_000;
const INSTANCE = 'push-session-rows';
let stores: { name: string; store: Store; url: string }[] = [];
let close = async () => {};
before(async () => {
  ({ stores, close } = await openStoresOfEachBackend('pushsessionrows'));
  for (const { store } of stores) {
    await insertAccount(store.db, APP_ID, 'rows');
    await registerInstance(store.db, { id: INSTANCE, host: 'test', pid: process.pid, startedAt: Date.now(), leaseUntil: Date.now() + 3_600_000 });
  }
});
after(() => close());

let nextSequence = 1;
const admission = (stream: string): NewPushSession => ({
  app_id: APP_ID,
  domain_name: 'push.rows.example.com',
  app_name: 'live',
  stream_name: stream,
  sequence: String(nextSequence++),
  source: 'srs',
  instance_id: INSTANCE,
  client_ip: '127.0.0.1',
  node: '127.0.0.1',
  stream_param: '',
  admitted_at: 1000,
  last_seen_at: 1000,
});
const rowsOf = (store: Store, ids: number[]) =>
  store.db.selectFrom('push_sessions').selectAll().where('id', 'in', ids).orderBy('id').execute();

test('admissions in one statement: each its id; a stream already live, or taken by an earlier row of the call, is refused', async () => {
  for (const { name, store } of stores) {
    const [live] = await insertAdmittedPushSessions(store.db, [admission(`${name}-live`)]);
    assert.ok(live, `${name}: a first admission`);
    const rows = [admission(`${name}-a`), admission(`${name}-a`), admission(`${name}-live`), admission(`${name}-b`)];
    const ids = await insertAdmittedPushSessions(store.db, rows);
    assert.equal(typeof ids[0], 'number', `${name}: a`);
    assert.equal(ids[1], undefined, `${name}: a second push of a in the same call`);
    assert.equal(ids[2], undefined, `${name}: a stream with a live push`);
    assert.equal(typeof ids[3], 'number', `${name}: b`);
    const stored = await rowsOf(store, [ids[0]!, ids[3]!]);
    assert.deepEqual(stored.map((r) => [r.stream_name, r.sequence, r.state]), [[`${name}-a`, rows[0]!.sequence, 'admitted'], [`${name}-b`, rows[3]!.sequence, 'admitted']]);
  }
});

test('starts and ends in one statement each: every row its own values and its own answer', async () => {
  for (const { name, store } of stores) {
    const ids = (await insertAdmittedPushSessions(store.db, ['x', 'y', 'z'].map((s) => admission(`${name}-${s}`)))) as number[];
    const [x, y, z] = ids as [number, number, number];
    assert.deepEqual(await markPushSessionsEnded(store.db, [{ id: y, endedAt: 1500, errcode: 1, errmsg: 'gone', width: 0, height: 0 }]), [true]);
    const started = await markPushSessionsStarted(store.db, [
      { id: x, startedAt: 2001, width: 640, height: 360 },
      { id: y, startedAt: 2002, width: 1, height: 1 },
      { id: z, startedAt: 2003, width: 1280, height: 720 },
    ]);
    assert.deepEqual(started, [true, false, true], `${name}: y had ended`);
    await markPushSessionsEnded(store.db, [{ id: x, endedAt: 3001, errcode: 1, errmsg: 'stopped', width: 640, height: 360, videoCodec: 'h264', audioCodec: 'aac' }]);
    const ended = await markPushSessionsEnded(store.db, [
      { id: x, endedAt: 3999, errcode: 9, errmsg: 'again', width: 0, height: 0 },
      { id: z, endedAt: 3003, errcode: 0, errmsg: 'ok', width: 1280, height: 720 },
    ]);
    assert.deepEqual(ended, [false, true], `${name}: x had ended already`);
    const rows = (await rowsOf(store, ids)).map((r) => ({
      state: r.state,
      started: r.started_at === null ? null : Number(r.started_at),
      ended: r.ended_at === null ? null : Number(r.ended_at),
      errmsg: r.end_errmsg,
      size: `${r.width}x${r.height}`,
      codecs: `${r.video_codec}/${r.audio_codec}`,
    }));
    assert.deepEqual(rows, [
      { state: 'ended', started: 2001, ended: 3001, errmsg: 'stopped', size: '640x360', codecs: 'h264/aac' },
      { state: 'ended', started: null, ended: 1500, errmsg: 'gone', size: '0x0', codecs: '/' },
      { state: 'ended', started: 2003, ended: 3003, errmsg: 'ok', size: '1280x720', codecs: '/' },
    ]);
  }
});

test("an enqueue batch holding a push's start and end writes the start first: both rows changed, both events kept", async () => {
  for (const { name, store } of stores) {
    const outbox = await openOutbox(store);
    const [a, b] = (await insertAdmittedPushSessions(store.db, [admission(`${name}-hooked-a`), admission(`${name}-hooked-b`)])) as [number, number];
    const event = (eventType: number, session: number): NewEvent => ({
      webhookId: `msg_rows_${name}_${session}_${eventType}`,
      appId: APP_ID,
      domain: 'push.rows.example.com',
      appName: 'live',
      stream: `s${session}`,
      eventType,
      sequence: String(session),
      payload: '{}',
      templateId: null,
      url: '',
      callbackKey: '',
      orderKey: null,
      status: 'no_callback',
    });
    const start = (id: number) => transactionHook(markPushSessionsStarted, id, { id, startedAt: 5000 + id, width: 0, height: 0 });
    const end = (id: number) => transactionHook(markPushSessionsEnded, id, { id, endedAt: 6000 + id, errcode: 1, errmsg: 'done', width: 0, height: 0 });
    // b's end is queued before a's start: only the order within a session is kept, and b never started.
    const ids = await outbox.enqueue([
      { ...event(0, b), alsoInTransaction: end(b) },
      { ...event(1, a), alsoInTransaction: start(a) },
      { ...event(0, a), alsoInTransaction: end(a) },
      { ...event(1, b), alsoInTransaction: start(b) },
    ]);
    assert.deepEqual(ids.map((id) => id > 0), [true, true, true, false], `${name}: b's late start is not written; the rest are`);
    const rows = await rowsOf(store, [a, b]);
    assert.deepEqual(rows.map((r) => [r.state, r.started_at === null ? null : Number(r.started_at), Number(r.ended_at)]), [
      ['ended', 5000 + a, 6000 + a],
      ['ended', null, 6000 + b],
    ]);
  }
});

test('PostgreSQL: the ends of one batch notify their holders in one statement, one notification per session, at commit', async () => {
  const { store, url } = stores.find((s) => s.name === 'PostgreSQL')!;
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  try {
    const heard: string[] = [];
    listener.on('notification', (message) => message.channel === CHANNELS.push && heard.push(message.payload ?? ''));
    await listener.query(`LISTEN ${CHANNELS.push}`);
    await store.db.transaction().execute(async (trx) => {
      await notifyPushesEnded(trx, 'postgres', [11, 12, 13]);
      await notifyPushesEnded(trx, 'postgres', []);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(heard, [], 'nothing before the commit');
    });
    const deadline = Date.now() + 5_000;
    while (heard.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(heard.sort(), ['11', '12', '13']);
  } finally {
    await listener.end();
  }
});

test('PostgreSQL: a group commit of admissions is one round trip when it is one statement (up to 31 rows, or a whole part), a transaction otherwise', async () => {
  const { name, url } = stores.find((s) => s.name === 'PostgreSQL')!;
  assert.deepEqual([1, 31, 32, 33, 256, 300].map(insertAdmittedIsOneStatement), [true, true, true, false, true, false]);
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  // Every statement the server receives from a store opened after this (its clients bind `query` when they connect).
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text: string };
    sent.push((typeof config === 'string' ? config : config.text).trim().split(/\s+/)[0]!.toLowerCase());
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  const store = await openStore(url);
  try {
    const group = new GroupCommit(store.db, insertAdmittedPushSessions, { oneStatement: insertAdmittedIsOneStatement });
    sent.length = 0;
    const few = await Promise.all(Array.from({ length: 5 }, (_, i) => group.run(admission(`${name}-group-${i}`))));
    assert.deepEqual(sent, ['insert'], 'five admissions: one INSERT, no BEGIN or COMMIT');
    sent.length = 0;
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => group.run(admission(`${name}-group-many-${i}`))));
    assert.deepEqual(sent, ['begin', 'insert', 'insert', 'commit'], 'forty: parts of 32 and 8, in one transaction');
    assert.equal(new Set([...few, ...many]).size, 45, 'each admission its own id');
    assert.equal((await rowsOf(store, [...few, ...many] as number[])).length, 45);
  } finally {
    pg.Client.prototype.query = query;
    await store.close();
  }
});
