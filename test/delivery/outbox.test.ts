/**
 * The outbox of the test backend (LIVEHOOK_TEST_BACKEND; run on both by scripts/run-tests.ts),
 * driven directly: two outboxes on one store stand for two livehook instances.
 * - concurrent claims never hand out the same row twice, and together cover everything;
 * - what happens to leases at start: SQLite (one process per file) drops them, PostgreSQL keeps
 *   them (another instance may be sending those rows); a renewal extends only live leases;
 * - parking: an event enqueued while its session's head is being recorded is never left parked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openOutbox } from '../../src/delivery/open-outbox.js';
import type { NewEvent, Outbox } from '../../src/delivery/outbox.js';
import { newWebhookId } from '../../src/events/emit.js';
import type { Store } from '../../src/store/database.js';
import { openTestStore, TEST_APPID, TEST_BACKEND } from '../helpers/livehook.js';
import { delivered } from '../helpers/outcomes.js';

const LEASE_MS = 60_000;

let serial = 0;
const event = (orderKey: string | null = null): NewEvent => ({
  webhookId: newWebhookId(),
  appId: TEST_APPID,
  domain: 'push.outbox.example.com',
  appName: 'live',
  stream: `s${++serial}`,
  eventType: 1,
  sequence: orderKey ?? '',
  payload: '{}',
  templateId: null,
  url: `http://127.0.0.1:9/cb${serial % 3}`,
  callbackKey: '',
  orderKey,
  status: 'pending',
});

const claim = (outbox: Outbox, limit = 1000, now = Date.now()) => outbox.claimDue({ now, limit, leaseMs: LEASE_MS, excludeHosts: [] });

describe(`outbox on ${TEST_BACKEND}`, () => {
  let store: Store;
  let close: () => Promise<void>;
  let a: Outbox;
  let b: Outbox;

  before(async () => {
    ({ store, close } = await openTestStore());
    a = await openOutbox(store);
    b = await openOutbox(store);
  });
  after(async () => close());

  test('two outboxes claiming at once get disjoint batches that cover every due row', async () => {
    await a.enqueue(Array.from({ length: 600 }, () => event()));
    const batches = await Promise.all([claim(a, 100), claim(b, 100), claim(a, 100), claim(b, 100), claim(a, 400), claim(b, 400)]);
    const ids = batches.flat().map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, 'no row was claimed twice');
    assert.equal(ids.length, 600, 'every row was claimed once');
    assert.deepEqual(await claim(a), [], 'nothing is left to claim while the leases run');
    await a.record(batches.flat().map(delivered), Date.now());
    assert.equal((await a.backlog(Date.now())).queued, 0);
  });

  test(`leases at start: ${TEST_BACKEND === 'sqlite' ? 'dropped (one process per file)' : 'kept (another instance may hold them)'}`, async () => {
    await a.enqueue([event(), event()]);
    const held = await claim(a);
    assert.equal(held.length, 2);
    const restarted = await openOutbox(store);
    const reclaimed = await claim(restarted);
    assert.deepEqual(reclaimed.map((d) => d.id), TEST_BACKEND === 'sqlite' ? held.map((d) => d.id) : []);
    await a.record(held.map(delivered), Date.now());
  });

  test('a renewal extends a live lease, and leaves an expired one to be claimed again', async () => {
    await a.enqueue([event(), event()]);
    const t = Date.now();
    const [renewed, expired] = await claim(a, 1000, t);
    assert.ok(renewed && expired);
    await a.renew([renewed.id], t + 3 * LEASE_MS, t);
    await a.renew([expired.id], t + 3 * LEASE_MS, t + LEASE_MS + 1); // too late: its lease ran out
    const later = await claim(b, 1000, t + 2 * LEASE_MS);
    assert.deepEqual(later.map((d) => d.id), [expired.id], 'only the row whose lease ran out is claimed again');
    await b.record([delivered(renewed), delivered(expired)], Date.now());
  });

  test('an event enqueued while its session head is being recorded is claimable once the head is done', async () => {
    // The two transactions race differently each round; a lost un-park leaves a successor parked.
    for (let round = 0; round < 40; round++) {
      const keys = Array.from({ length: 20 }, (_, i) => `race-${round}-${i}`);
      await a.enqueue(keys.map((k) => event(k)));
      const heads = await claim(a);
      assert.equal(heads.length, keys.length);
      const [, nextIds] = await Promise.all([a.record(heads.map(delivered), Date.now()), b.enqueue(keys.map((k) => event(k)))]);
      const successors = await claim(b);
      assert.deepEqual(successors.map((d) => d.eventId).sort((x, y) => x - y), [...nextIds].sort((x, y) => x - y), `round ${round}: no successor is left parked`);
      await b.record(successors.map(delivered), Date.now());
    }
  });
});
