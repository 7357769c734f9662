/**
 * Retries, seen from a real receiver and through DescribeCallbackEvents: failing answers, timeouts
 * and refused connections are retried on the `tencent` schedule (compressed by retryDelayScale),
 * every attempt is logged, the webhook-id is stable while `t`/`sign` are fresh per attempt,
 * exhausted events are dead-lettered after exactly 1 + 12 (screenshots 1 + 5) attempts and can be
 * resent, 3xx is a failure and never followed, any 2xx is success, 429 + Retry-After is honoured.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { beijingTime } from '../../src/api/beijing-time.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { flatHeaders, HANG, Receiver } from '../helpers/receiver.js';
import {
  allUrls,
  bindDomain,
  callAction,
  findEvent,
  md5,
  sleep,
  snapshotEvent,
  startEvent,
  streamContext,
  waitForEvent,
  waitUntil,
} from '../helpers/callbacks.js';

const KEY = 'RetryKey0123456789';

describe('retries on a compressed tencent schedule (60 ms steps, 300 ms timeout)', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let rx: Receiver;
  let n = 0;
  /** A fresh bound domain whose template points every type at `path` on the receiver. */
  const domainFor = async (path: string): Promise<string> => {
    const domain = `push${++n}.retries.example.com`;
    await bindDomain(client, domain, allUrls(() => rx.url(path)), KEY);
    return domain;
  };

  before(async () => {
    lh = await startTestLivehook({
      flags: { allowPrivateCallbacks: true, retryDelayScale: 0.001, callbackTimeoutMs: 300, shutdownTimeoutMs: 1000 },
    });
    client = lh.client();
    rx = await Receiver.start();
  });
  after(async () => {
    await rx?.close();
    await lh?.stop();
  });

  test('500, 500, then 200: delivered on the 3rd attempt; every attempt logged with its status, kind, latency and 2 KB excerpt', async () => {
    const errorBody = `{"error":"${'e'.repeat(5000)}"}`;
    rx.respond((req) => (req.path === '/flaky' && req.nthOnPath <= 2 ? { status: 500, body: errorBody } : 200));
    const domain = await domainFor('/flaky');
    const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '100')));
    const got = await rx.waitFor(3, { path: '/flaky' });
    const event = await waitForEvent(client, emitted.webhookId, domain, (e) => e.Status !== 'pending');
    assert.equal(event.Status, 'delivered');
    assert.equal(event.Attempts, 3);
    assert.deepEqual(event.AttemptList.map((a) => a.StatusCode), [500, 500, 200]);
    assert.deepEqual(event.AttemptList.map((a) => a.ErrorKind), ['status', 'status', '']);
    assert.deepEqual(event.AttemptList.map((a) => a.Attempt), [1, 2, 3]);
    for (const a of event.AttemptList) {
      assert.ok(Number.isInteger(a.LatencyMs) && a.LatencyMs >= 0 && a.LatencyMs < 5000, `LatencyMs ${a.LatencyMs}`);
      assert.match(a.Time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    assert.equal(event.AttemptList[0]!.ResponseExcerpt, errorBody.slice(0, 2048), 'the first 2 KB of the answer');
    assert.equal(event.AttemptList[2]!.ResponseExcerpt, '{"code":0}');
    assert.ok(event.FinishTime);
    // Same webhook-id on every attempt (and it is the EventId).
    assert.deepEqual(new Set(got.map((r) => r.headers['webhook-id'])), new Set([emitted.webhookId]));
    assert.equal(event.EventId, emitted.webhookId);
    await sleep(150);
    assert.equal(rx.onPath('/flaky').length, 3, 'nothing after success');
  });

  test('timeout (no answer within callbackTimeoutMs), then recovery', async () => {
    rx.respond((req) => (req.path === '/slow' && req.nthOnPath === 1 ? HANG : 200));
    const domain = await domainFor('/slow');
    const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '101')));
    const event = await waitForEvent(client, emitted.webhookId, domain, (e) => e.Status !== 'pending');
    assert.equal(event.Status, 'delivered');
    const [first, second] = event.AttemptList;
    assert.ok(first && second);
    assert.equal(first.ErrorKind, 'timeout');
    assert.equal(first.StatusCode, 0);
    assert.ok(first.LatencyMs >= 280 && first.LatencyMs < 2000, `timed out after ~300 ms, got ${first.LatencyMs}`);
    assert.equal(second.StatusCode, 200);
    assert.equal(event.AttemptList.length, 2);
  });

  test('all retries fail: Status failed after exactly 13 attempts (1 + 12), screenshots after 6 (1 + 5)', async () => {
    rx.respond((req) => (req.path.startsWith('/dead') ? 503 : 200));
    const domain = await domainFor('/dead');
    const push = await lh.events.emit(startEvent(streamContext(domain, 'dead_push', '102')));
    const shot = await lh.events.emit(snapshotEvent(streamContext(domain, 'dead_snap')));
    const pushEvent = await waitForEvent(client, push.webhookId, domain, (e) => e.Status !== 'pending', 15_000);
    const shotEvent = await waitForEvent(client, shot.webhookId, domain, (e) => e.Status !== 'pending', 15_000);
    await sleep(300);
    assert.equal(pushEvent.Status, 'failed');
    assert.equal(pushEvent.Attempts, 13);
    assert.equal(pushEvent.AttemptList.length, 13);
    assert.ok(pushEvent.AttemptList.every((a) => a.StatusCode === 503 && a.ErrorKind === 'status'));
    assert.ok(pushEvent.FinishTime);
    assert.equal(shotEvent.Status, 'failed');
    assert.equal(shotEvent.Attempts, 6);
    const byId = (id: string) => rx.received((r) => r.headers['webhook-id'] === id).length;
    assert.equal(byId(push.webhookId), 13, 'the receiver saw 13 attempts, no more');
    assert.equal(byId(shot.webhookId), 6);

    // ResendCallbackEvent with EventId, once the receiver is fixed: a new attempt succeeds.
    rx.respond(200);
    const resent = await callAction<{ ResentCount: number }>(client, 'ResendCallbackEvent', { EventId: push.webhookId });
    assert.equal(resent.ResentCount, 1);
    const after = await waitForEvent(client, push.webhookId, domain, (e) => e.Status !== 'pending');
    assert.equal(after.Status, 'delivered');
    assert.equal(after.AttemptList.length, 14);
    assert.equal(after.AttemptList.at(-1)!.StatusCode, 200);
    assert.equal(byId(push.webhookId), 14, 'the resend carries the same webhook-id');
    const last = rx.received((r) => r.headers['webhook-id'] === push.webhookId).at(-1)!;
    assert.equal(last.headers['webhook-signature'] !== undefined, true);
    new Webhook(Buffer.from(KEY, 'utf8').toString('base64')).verify(last.rawBody, flatHeaders(last.headers));
  });

  test('ResendCallbackEvent with StartTime/EndTime resends every failed event in range, and only those', async () => {
    rx.respond((req) => (req.path === '/range' ? 500 : 200));
    const domain = await domainFor('/range');
    // One failed event before the range.
    const early = await lh.events.emit(snapshotEvent(streamContext(domain, 'early')));
    await waitForEvent(client, early.webhookId, domain, (e) => e.Status === 'failed');
    // The range starts at the next whole second (Beijing time has second resolution).
    const startMs = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await sleep(startMs - Date.now() + 20);
    const inRange = await Promise.all(['a', 'b', 'c'].map((s) => lh.events.emit(snapshotEvent(streamContext(domain, s)))));
    const delivered = await lh.events.emit(snapshotEvent(streamContext(`push1.retries.example.com`, 'ok_in_range')));
    for (const e of inRange) await waitForEvent(client, e.webhookId, domain, (x) => x.Status === 'failed');
    const endMs = Date.now() + 1000;

    rx.respond(200);
    const resent = await callAction<{ ResentCount: number }>(client, 'ResendCallbackEvent', {
      StartTime: beijingTime(startMs),
      EndTime: beijingTime(endMs),
    });
    assert.equal(resent.ResentCount, 3, 'the three failed events in range; not the earlier one, not the delivered one');
    for (const e of inRange) {
      const event = await waitForEvent(client, e.webhookId, domain, (x) => x.Status === 'delivered');
      assert.equal(event.AttemptList.length, 7);
    }
    const earlyNow = await findEvent(client, early.webhookId, domain);
    assert.equal(earlyNow?.Status, 'failed');
    assert.equal(earlyNow?.AttemptList.length, 6);
    assert.equal((await findEvent(client, delivered.webhookId))?.AttemptList.length, 1);
  });

  test('3xx is a failure and the redirect is not followed', async () => {
    rx.respond((req) => {
      if (req.path === '/moved' && req.nthOnPath === 1) return { status: 302, headers: { location: rx.url('/moved-target') }, body: 'see other' };
      return 200;
    });
    const domain = await domainFor('/moved');
    const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '103')));
    const event = await waitForEvent(client, emitted.webhookId, domain, (e) => e.Status !== 'pending');
    assert.deepEqual(event.AttemptList.map((a) => [a.StatusCode, a.ErrorKind]), [[302, 'status'], [200, '']]);
    assert.equal(event.AttemptList[0]!.ResponseExcerpt, 'see other');
    await sleep(100);
    assert.equal(rx.onPath('/moved-target').length, 0, 'never followed');
    assert.equal(rx.onPath('/moved').length, 2);
  });

  test('any 2xx is success (204 No Content, 202 Accepted)', async () => {
    rx.respond((req) => (req.path === '/nocontent' ? 204 : req.path === '/accepted' ? 202 : 200));
    const d1 = await domainFor('/nocontent');
    const d2 = await domainFor('/accepted');
    const e1 = await lh.events.emit(startEvent(streamContext(d1, 's', '104')));
    const e2 = await lh.events.emit(startEvent(streamContext(d2, 's', '105')));
    const ev1 = await waitForEvent(client, e1.webhookId, d1, (e) => e.Status !== 'pending');
    const ev2 = await waitForEvent(client, e2.webhookId, d2, (e) => e.Status !== 'pending');
    assert.deepEqual([ev1.Status, ev1.Attempts, ev1.AttemptList[0]?.StatusCode], ['delivered', 1, 204]);
    assert.deepEqual([ev2.Status, ev2.Attempts, ev2.AttemptList[0]?.StatusCode], ['delivered', 1, 202]);
  });
});

describe('retry timing (600 ms steps)', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let rx: Receiver;
  let n = 0;
  const domainFor = async (url: (path: string) => string, path: string): Promise<string> => {
    const domain = `push${++n}.timing.example.com`;
    await bindDomain(client, domain, allUrls(() => url(path)), KEY);
    return domain;
  };

  before(async () => {
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, retryDelayScale: 0.01, shutdownTimeoutMs: 1000 } });
    client = lh.client();
    rx = await Receiver.start();
  });
  after(async () => {
    await rx?.close();
    await lh?.stop();
  });

  test('t and sign are recomputed per attempt; webhook-id stays; every attempt verifies', async () => {
    rx.respond((req) => (req.path === '/resign' && req.nthOnPath <= 2 ? 500 : 200));
    const domain = await domainFor((p) => rx.url(p), '/resign');
    const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '200')));
    const got = await rx.waitFor(3, { path: '/resign' });
    const wh = new Webhook(Buffer.from(KEY, 'utf8').toString('base64'));
    const ts = got.map((req) => {
      const body = req.json as { t: number; sign: string };
      assert.equal(body.sign, md5(KEY + String(body.t)), 'sign = md5(key + t) of this attempt');
      assert.ok(Math.abs(body.t - (Math.floor(req.at / 1000) + 600)) <= 1, 't = this attempt + 600 s');
      assert.equal(req.headers['webhook-id'], emitted.webhookId);
      wh.verify(req.rawBody, flatHeaders(req.headers));
      return body.t;
    });
    // Three attempts at least 1.2 s apart span a second boundary: a stale t would show.
    assert.ok(got[2]!.at - got[0]!.at >= 1150, `attempts ${got[2]!.at - got[0]!.at} ms apart`);
    assert.ok(ts[2]! > ts[0]!, `t moved on: ${ts.join(', ')}`);
    assert.ok(ts[0]! <= ts[1]! && ts[1]! <= ts[2]!);
    assert.notEqual(got[0]!.rawBody, got[2]!.rawBody);
    await waitForEvent(client, emitted.webhookId, domain, (e) => e.Status === 'delivered');
  });

  test('429 with Retry-After is honoured (within bounds); a short Retry-After never makes a retry earlier than its step', async () => {
    rx.respond((req) => {
      if (req.path !== '/busy') return 200;
      if (req.nthOnPath === 1) return { status: 429, headers: { 'retry-after': '120' } }; // 2 × step: 1200 ms here
      if (req.nthOnPath === 2) return { status: 429, headers: { 'retry-after': '1' } }; // below the 60 s step
      return 200;
    });
    const domain = await domainFor((p) => rx.url(p), '/busy');
    const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '201')));
    const got = await rx.waitFor(3, { path: '/busy', timeoutMs: 10_000 });
    const gap1 = got[1]!.at - got[0]!.at;
    const gap2 = got[2]!.at - got[1]!.at;
    assert.ok(gap1 >= 1190, `Retry-After: 120 (×0.01) → about 1200 ms, got ${gap1}`);
    assert.ok(gap1 < 4000, `but bounded, got ${gap1}`);
    assert.ok(gap2 >= 590, `Retry-After: 1 is below the step: still about 600 ms, got ${gap2}`);
    const event = await waitForEvent(client, emitted.webhookId, domain, (e) => e.Status === 'delivered');
    assert.deepEqual(event.AttemptList.map((a) => a.StatusCode), [429, 429, 200]);
  });

  test('connection refused (nothing listening), then recovery once a server starts on that port', async () => {
    const probe = await Receiver.start();
    const port = probe.port;
    await probe.close();
    const url = (p: string) => `http://127.0.0.1:${port}${p}`;
    const domain = await domainFor(url, '/late');
    const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '202')));
    const failing = await waitForEvent(client, emitted.webhookId, domain, (e) => e.AttemptList.length >= 2);
    assert.ok(failing.AttemptList.every((a) => a.ErrorKind === 'connect' && a.StatusCode === 0), JSON.stringify(failing.AttemptList));
    assert.match(failing.AttemptList[0]!.ResponseExcerpt, /ECONNREFUSED/);

    const late = await Receiver.start({ port });
    try {
      const [req] = await late.waitFor(1, { path: '/late' });
      assert.equal(req?.headers['webhook-id'], emitted.webhookId);
      const event = await waitForEvent(client, emitted.webhookId, domain, (e) => e.Status !== 'pending');
      assert.equal(event.Status, 'delivered');
      assert.equal(event.AttemptList.at(-1)!.StatusCode, 200);
      assert.ok(event.AttemptList.slice(0, -1).every((a) => a.ErrorKind === 'connect'));
    } finally {
      await late.close();
    }
  });

  test('a resend of a pending event is refused (FailedOperation)', async () => {
    const hole = await Receiver.start();
    hole.blackHole();
    try {
      const domain = await domainFor((p) => hole.url(p), '/hole');
      const emitted = await lh.events.emit(startEvent(streamContext(domain, 's', '203')));
      await hole.waitFor(1);
      await assert.rejects(callAction(client, 'ResendCallbackEvent', { EventId: emitted.webhookId }), (e: { code?: string }) => e.code === 'FailedOperation');
      assert.equal((await findEvent(client, emitted.webhookId, domain))?.Status, 'pending');
    } finally {
      await hole.close();
    }
  });
});
