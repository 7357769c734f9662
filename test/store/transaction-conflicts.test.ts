/**
 * A PostgreSQL transaction that loses a deadlock is run again (src/store/transact.ts). Shown where
 * it happened under load (the hooks bench with two instances): an outbox recording deletes its
 * delivered rows while another transaction, as an enqueue of another instance does with the rows
 * of its sessions, holds one of them share-locked and then wants one the recording already
 * deleted. PostgreSQL aborts the recording; before, its rows then stayed leased until the leases
 * ran out, and were sent a second time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openOutbox } from '../../src/delivery/open-outbox.js';
import type { NewEvent } from '../../src/delivery/outbox.js';
import { newWebhookId } from '../../src/events/emit.js';
import { openStore } from '../../src/store/database.js';
import { TEST_APPID } from '../helpers/livehook.js';
import { delivered } from '../helpers/outcomes.js';
import { createTestDatabase } from '../helpers/postgres.js';

const pushEvent = (sequence: string): NewEvent => ({
  webhookId: newWebhookId(),
  appId: TEST_APPID,
  domain: 'push.conflicts.example.com',
  appName: 'live',
  stream: sequence,
  eventType: 1,
  sequence,
  payload: '{}',
  templateId: null,
  url: 'http://127.0.0.1:9/cb',
  callbackKey: '',
  orderKey: `${TEST_APPID}:${sequence}`,
  status: 'pending',
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a recording that loses a deadlock on PostgreSQL is run again and finishes its rows', async () => {
  const database = await createTestDatabase('conflicts');
  const store = await openStore(database.url);
  const other = new pg.Client({ connectionString: database.url });
  await other.connect();
  try {
    const outbox = await openOutbox(store);
    await outbox.enqueue([pushEvent('1001'), pushEvent('1002')]);
    const [first, second] = (await outbox.claimDue({ now: Date.now(), limit: 10, leaseMs: 60_000, excludeHosts: [] })).sort((a, b) => a.id - b.id);
    assert.ok(first && second);

    await other.query('BEGIN');
    // The recording's backend, waiting since before this one, is the one that finds the deadlock.
    await other.query(`SET LOCAL deadlock_timeout = '60s'`);
    await other.query('SELECT id FROM deliveries WHERE id = $1 FOR SHARE', [second.id]);
    const recording = outbox.record([delivered(first), delivered(second)], Date.now());
    const waiting = async () =>
      Number((await other.query(`SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()`)).rows[0].n) > 0;
    await until(waiting, 'the recording waits for the share-locked row');
    // The recording has deleted the first row (holds it) and waits for the second: close the cycle.
    await other.query('SAVEPOINT probe');
    await assert.rejects(other.query('SELECT id FROM deliveries WHERE id = $1 FOR UPDATE NOWAIT', [first.id]), { code: '55P03' });
    await other.query('ROLLBACK TO SAVEPOINT probe');
    await other.query('SELECT id FROM deliveries WHERE id = $1 FOR UPDATE', [first.id]);
    // Granted: PostgreSQL aborted the recording, which gave the first row back.
    await other.query('COMMIT');

    await recording;
    const { rows: left } = await other.query('SELECT id FROM deliveries');
    assert.deepEqual(left, [], 'both rows were finished by the recording run again');
    const { rows: events } = await other.query('SELECT status FROM events ORDER BY id');
    assert.deepEqual(events.map((e: { status: string }) => e.status), ['delivered', 'delivered']);
    const { rows: attempts } = await other.query('SELECT count(*)::int AS n FROM delivery_attempts');
    assert.equal(attempts[0].n, 2, 'one attempt each: the aborted run left nothing behind');
  } finally {
    await other.end();
    await store.close();
    await database.drop();
  }
});
