/**
 * livehook's own delivery actions, through the official SDK's generic request:
 * SendTestCallback (a signed sample of each type at the template's URL, the receiver's answer
 * reported back), DescribeCallbackEvents (filters, paging) and tenancy of both plus
 * ResendCallbackEvent (another account sees none of these events and cannot resend them).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { beijingTime } from '../../src/api/beijing-time.js';
import { errorCode, startTestLivehook, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { addTenantB, APPID_B } from '../helpers/media-rules.js';
import { flatHeaders, Receiver } from '../helpers/receiver.js';
import {
  allEvents,
  allUrls,
  bindDomain,
  callAction,
  createTemplate,
  describeEvents,
  endEvent,
  findEvent,
  md5,
  pornEvent,
  recordEvent,
  sleep,
  snapshotEvent,
  startEvent,
  streamContext,
  waitForEvent,
  waitUntil,
} from '../helpers/callbacks.js';

const KEY = 'ApiKey2026abc';

interface TestCallbackResponse {
  Url: string;
  Success: boolean;
  StatusCode: number;
  LatencyMs: number;
  ResponseExcerpt: string;
  ErrorKind: string;
  ErrorMessage: string;
  Body: string;
}

describe('delivery API actions', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let rx: Receiver;

  before(async () => {
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, retryDelayScale: 0.001, shutdownTimeoutMs: 500 } });
    client = lh.client();
    rx = await Receiver.start();
  });
  after(async () => {
    await rx?.close();
    await lh?.stop();
  });

  describe('SendTestCallback', () => {
    let templateId: number;
    before(async () => {
      templateId = await createTemplate(client, allUrls((p) => rx.url(`/test${p}`)), KEY);
    });

    for (const [eventType, path] of [[1, '/test/begin'], [0, '/test/end'], [100, '/test/record'], [200, '/test/snapshot'], [317, '/test/porn']] as const) {
      test(`event type ${eventType}: Success, StatusCode, LatencyMs, ResponseExcerpt; the receiver got a correctly signed sample`, async () => {
        rx.respond((req) => (req.path === path ? { status: 200, body: `{"code":0,"got":${eventType}}` } : 404));
        const r = await callAction<TestCallbackResponse>(client, 'SendTestCallback', {
          TemplateId: templateId,
          EventType: eventType,
          DomainName: 'push.sample.example.com',
        });
        assert.equal(r.Success, true);
        assert.equal(r.StatusCode, 200);
        assert.ok(Number.isInteger(r.LatencyMs) && r.LatencyMs >= 0 && r.LatencyMs < 5000);
        assert.equal(r.ResponseExcerpt, `{"code":0,"got":${eventType}}`);
        assert.equal(r.ErrorKind, '');
        assert.equal(r.Url, rx.url(path));

        const got = rx.onPath(path);
        assert.equal(got.length, 1, 'one POST, answered before the action returned');
        const req = got[0]!;
        assert.equal(req.rawBody, r.Body, 'the reported body is what was sent');
        assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
        const body = req.json as Record<string, unknown>;
        assert.equal(body.event_type, eventType);
        assert.equal(body.appid, TEST_APPID);
        assert.equal(body.app, 'push.sample.example.com');
        assert.equal(body.sign, md5(KEY + String(body.t)));
        assert.ok(Math.abs((body.t as number) - (Math.floor(req.at / 1000) + 600)) <= 2);
        new Webhook(Buffer.from(KEY, 'utf8').toString('base64')).verify(req.rawBody, flatHeaders(req.headers));
      });
    }

    test("a failing receiver: Success false with its status, kind and answer; nothing is queued or retried", async () => {
      rx.respond((req) => (req.path === '/test/begin' ? { status: 503, body: 'down for maintenance' } : 404));
      const before = rx.onPath('/test/begin').length;
      const r = await callAction<TestCallbackResponse>(client, 'SendTestCallback', { TemplateId: templateId, EventType: 1 });
      assert.deepEqual([r.Success, r.StatusCode, r.ErrorKind, r.ResponseExcerpt], [false, 503, 'status', 'down for maintenance']);
      await sleep(200);
      assert.equal(rx.onPath('/test/begin').length, before + 1, 'a test callback is not retried');
      assert.equal((await describeEvents(client)).TotalNum, 0, 'and not logged as an event');
    });

    test('no URL for the type → InvalidParameterValue; unknown template → InvalidParameter.ConfNotFound', async () => {
      const beginOnly = await createTemplate(client, { StreamBeginNotifyUrl: rx.url('/test/begin') });
      assert.equal(await errorCode(callAction(client, 'SendTestCallback', { TemplateId: beginOnly, EventType: 100 })), 'InvalidParameterValue');
      assert.equal(await errorCode(callAction(client, 'SendTestCallback', { TemplateId: 987654321, EventType: 1 })), 'InvalidParameter.ConfNotFound');
    });
  });

  describe('DescribeCallbackEvents, ResendCallbackEvent and tenancy', () => {
    const A = 'push.a.api.example.com';
    const B = 'push.b.api.example.com';
    const C = 'push.c.api.example.com';
    const FAILING = 'push.failing.api.example.com';
    let boundary: number;
    let failedId: string;
    let b: LiveClient;

    before(async () => {
      rx.respond((req) => (req.path.startsWith('/fail') ? 500 : 200));
      await bindDomain(client, A, allUrls((p) => rx.url(`/a${p}`)), KEY);
      await bindDomain(client, B, { StreamBeginNotifyUrl: rx.url('/b/begin') }, KEY);
      await callAction(client, 'AddLiveDomain', { DomainName: C, DomainType: 0 });
      await bindDomain(client, FAILING, { SnapshotNotifyUrl: rx.url('/fail') }, KEY);

      // First batch: 8 events.
      const first = await Promise.all([
        lh.events.emit(startEvent(streamContext(A, 's1', '11'))),
        lh.events.emit(endEvent(streamContext(A, 's1', '11'))),
        lh.events.emit(recordEvent(streamContext(A, 's1'))),
        lh.events.emit(snapshotEvent(streamContext(A, 's2'))),
        lh.events.emit(startEvent(streamContext(B, 's3', '12'))),
        lh.events.emit(recordEvent(streamContext(B, 's3'))), // no_url
        lh.events.emit(startEvent(streamContext(C, 's4', '13'))), // no_callback
        lh.events.emit(snapshotEvent(streamContext(FAILING, 's9'))), // fails for good
      ]);
      failedId = first[7]!.webhookId;
      await waitForEvent(client, failedId, FAILING, (e) => e.Status === 'failed');
      await waitUntil(async () => (await describeEvents(client, { Status: 'pending' })).TotalNum === 0, { what: 'first batch finished' });

      // Second batch, from a whole second at least 1 s after the first batch (Beijing time has
      // second resolution, so EndTime = boundary - 1 s must lie after every first-batch event): 2 events.
      boundary = Math.ceil((Date.now() + 1001) / 1000) * 1000;
      await sleep(boundary - Date.now() + 20);
      await Promise.all([lh.events.emit(startEvent(streamContext(A, 's5', '14'))), lh.events.emit(pornEvent(streamContext(A, 's5')))]);
      await waitUntil(async () => (await describeEvents(client, { Status: 'pending' })).TotalNum === 0, { what: 'second batch finished' });

      b = await addTenantB(lh);
    });

    const count = async (params: Record<string, unknown>, as: LiveClient = client): Promise<number> => (await describeEvents(as, params)).TotalNum;

    test('filters: DomainName, StreamName, EventType, Status, StartTime/EndTime, and combinations', async () => {
      assert.equal(await count({}), 10);
      assert.equal(await count({ DomainName: A }), 6);
      assert.equal(await count({ DomainName: A.toUpperCase() }), 6, 'domain names are case-insensitive');
      assert.equal(await count({ StreamName: 's1' }), 3);
      assert.equal(await count({ EventType: 100 }), 2);
      assert.equal(await count({ EventType: 0 }), 1);
      assert.equal(await count({ EventType: 317 }), 1);
      assert.equal(await count({ Status: 'delivered' }), 7);
      assert.equal(await count({ Status: 'no_url' }), 1);
      assert.equal(await count({ Status: 'no_callback' }), 1);
      assert.equal(await count({ Status: 'failed' }), 1);
      assert.equal(await count({ Status: 'pending' }), 0);
      assert.equal(await count({ StartTime: beijingTime(boundary) }), 2);
      assert.equal(await count({ EndTime: beijingTime(boundary - 1000) }), 8);
      assert.equal(await count({ StartTime: beijingTime(boundary), EndTime: beijingTime(boundary + 60_000) }), 2);
      assert.equal(await count({ DomainName: A, EventType: 1 }), 2);
      assert.equal(await count({ DomainName: A, StartTime: beijingTime(boundary), EventType: 317 }), 1);

      const [noUrl] = (await describeEvents(client, { Status: 'no_url' })).EventList;
      assert.deepEqual([noUrl?.DomainName, noUrl?.StreamName, noUrl?.EventType, noUrl?.Attempts], [B, 's3', 100, 0]);
      const [end] = (await describeEvents(client, { EventType: 0 })).EventList;
      assert.ok(end);
      assert.deepEqual([end.DomainName, end.AppName, end.StreamName, end.Sequence, end.Url, end.Status], [A, 'live', 's1', '11', rx.url('/a/end'), 'delivered']);
      assert.equal(JSON.parse(end.Payload).push_duration, '61234', 'Payload: the stored event without t/sign');
      assert.ok(!('sign' in JSON.parse(end.Payload)));
      assert.match(end.CreateTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.match(end.FinishTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    });

    test('paging: TotalNum, TotalPage, PageNum, PageSize; pages partition the result', async () => {
      const pages = [];
      for (let page = 1; page <= 3; page++) pages.push(await describeEvents(client, { PageNum: page, PageSize: 4 }));
      for (const [i, p] of pages.entries()) {
        assert.deepEqual([p.TotalNum, p.TotalPage, p.PageNum, p.PageSize], [10, 3, i + 1, 4]);
      }
      assert.deepEqual(pages.map((p) => p.EventList.length), [4, 4, 2]);
      const ids = pages.flatMap((p) => p.EventList.map((e) => e.EventId));
      assert.equal(new Set(ids).size, 10);
      assert.deepEqual(new Set(ids), new Set((await allEvents(client)).map((e) => e.EventId)));
      const beyond = await describeEvents(client, { PageNum: 4, PageSize: 4 });
      assert.deepEqual([beyond.TotalNum, beyond.EventList.length], [10, 0]);
      const defaults = await describeEvents(client);
      assert.deepEqual([defaults.PageNum, defaults.PageSize, defaults.EventList.length], [1, 20, 10]);
      assert.equal(await errorCode(describeEvents(client, { PageSize: 101 })), 'InvalidParameterValue');
    });

    test("tenancy: another account's key sees none of these events, cannot resend them, cannot test-fire the templates", async () => {
      assert.equal(await count({}, b), 0);
      assert.equal(await count({ DomainName: A }, b), 0);
      assert.equal(await count({ Status: 'failed' }, b), 0);
      assert.equal(await errorCode(callAction(b, 'ResendCallbackEvent', { EventId: failedId })), 'FailedOperation.NotFound');
      const ranged = await callAction<{ ResentCount: number }>(b, 'ResendCallbackEvent', {
        StartTime: beijingTime(boundary - 3_600_000),
        EndTime: beijingTime(boundary + 3_600_000),
      });
      assert.equal(ranged.ResentCount, 0, "A's failed event is not B's to resend");
      const failed = await findEvent(client, failedId, FAILING);
      assert.deepEqual([failed?.Status, failed?.AttemptList.length], ['failed', 6]);

      const aTemplate = (await describeEvents(client, { DomainName: A, PageSize: 1 })).EventList[0]!.TemplateId;
      assert.equal(await errorCode(callAction(b, 'SendTestCallback', { TemplateId: aTemplate, EventType: 1 })), 'InvalidParameter.ConfNotFound');

      // An event that claims account B on A's domain never picks up A's template (or key).
      const foreign = await lh.events.emit(startEvent(streamContext(A, 'spoof', '15', APPID_B)));
      assert.equal(foreign.status, 'no_callback');
      assert.equal(await count({}, b), 1);
      assert.equal(await count({}), 10);
    });

    test('ResendCallbackEvent in its own account: a failed event is resent by EventId', async () => {
      rx.respond(200);
      const r = await callAction<{ ResentCount: number }>(client, 'ResendCallbackEvent', { EventId: failedId });
      assert.equal(r.ResentCount, 1);
      const event = await waitForEvent(client, failedId, FAILING, (e) => e.Status === 'delivered');
      assert.equal(event.AttemptList.length, 7);
      assert.equal(await errorCode(callAction(client, 'ResendCallbackEvent', { EventId: 'msg_' + '0'.repeat(32) })), 'FailedOperation.NotFound');
    });
  });
});
