/**
 * The dispatcher on the real outbox of the test backend (LIVEHOOK_TEST_BACKEND; both run), with
 * its idle poll out of reach: push start/end pairs enqueued concurrently, as hooks do, must all be
 * delivered, each session in order, by wakes alone (enqueues, recordings, un-parks). A delivery
 * that waited for the idle poll would take a minute; the whole run takes about a second.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { sendWith } from '../../src/delivery/callback-sender.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import type { CallbackHttpClient, CallbackResult } from '../../src/delivery/http-client.js';
import { openOutbox } from '../../src/delivery/open-outbox.js';
import type { NewEvent, Outbox } from '../../src/delivery/outbox.js';
import { newWebhookId } from '../../src/events/emit.js';
import type { Store } from '../../src/store/database.js';
import { openTestStore, TEST_APPID, TEST_BACKEND } from '../helpers/livehook.js';

const SESSIONS = 400;
const CONCURRENCY = 32;

let store: Store;
let close: () => Promise<void>;
let outbox: Outbox;
before(async () => {
  ({ store, close } = await openTestStore());
  outbox = await openOutbox(store);
});
after(() => close());

const event = (session: number, eventType: number): NewEvent => ({
  webhookId: newWebhookId(),
  appId: TEST_APPID,
  domain: 'push.wakes.example.com',
  appName: 'live',
  stream: `s${session}`,
  eventType,
  sequence: String(session),
  payload: JSON.stringify({ session, eventType }),
  templateId: null,
  url: 'http://receiver.wakes.example.com/cb',
  callbackKey: '',
  orderKey: `${TEST_APPID}:${session}`,
  status: 'pending',
});

test(`${TEST_BACKEND}: start/end pairs enqueued concurrently are all delivered in session order by wakes alone`, async () => {
  const arrived: { session: number; eventType: number }[] = [];
  const http: CallbackHttpClient = {
    async post(_url: string, body: string): Promise<CallbackResult> {
      // A receiver that takes a little time, so that recordings, claims and enqueues overlap.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      const { session, eventType } = JSON.parse(body) as { session: number; eventType: number };
      arrived.push({ session, eventType });
      return { ok: true, status: 200, latencyMs: 1, responseExcerpt: '' };
    },
    async close() {},
  };
  const dispatcher = new Dispatcher({ outbox, sender: sendWith(http), log: pino({ level: 'silent' }), schedule: 'tencent', leaseMs: 30_000, idlePollMs: 60_000 });
  dispatcher.start();
  const emit = async (events: NewEvent[]) => {
    await outbox.enqueue(events);
    dispatcher.enqueued(events.map((e) => e.url));
  };
  try {
    const started = Date.now();
    // Each worker pushes sessions one after another: start, then end after a moment (as a
    // publish hook and its publish-done do), so ends often arrive while their start is in flight.
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SESSIONS) {
          const session = next++;
          await emit([event(session, 1)]);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
          await emit([event(session, 0)]);
        }
      }),
    );
    const deadline = Date.now() + 20_000;
    while (arrived.length < SESSIONS * 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(arrived.length, SESSIONS * 2, `every callback arrived within 20 s (the idle poll is 60 s); took ${Date.now() - started} ms so far`);
    const firstSeen = new Map<number, number>();
    for (const { session, eventType } of arrived) {
      if (eventType === 1) firstSeen.set(session, 1);
      else assert.equal(firstSeen.get(session), 1, `session ${session}: its end arrived before its start`);
    }
  } finally {
    await dispatcher.stop(1000);
  }
});
