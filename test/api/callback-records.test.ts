/**
 * DescribeCallbackRecordsList through the official SDK: a real ffmpeg push into the embedded
 * ingest; the receiver accepts its push start and refuses its push end (every retry), so the
 * delivery log holds one accepted and several refused attempts. Records: one per attempt, with
 * request, response, times in the request's format, ResultCode, filters, paging, tenancy and
 * Tencent's error codes for bad ranges and paging.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallbackEventInfo } from 'tencentcloud-sdk-nodejs/tencentcloud/services/live/v20180801/live_models.js';
import { beijingTime } from '../../src/api/beijing-time.js';
import { bindDomain, callAction, describeEvents, waitUntil } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg } from '../helpers/ffmpeg.js';
import { utcTime as utc } from '../../src/api/actions/history-time.js';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { addTenantB } from '../helpers/media-rules.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.records.example.com';
const STREAM = 'records_1';

describe('DescribeCallbackRecordsList', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let rx: Receiver;
  let pushedAt: number;
  let endAttempts: number;

  const list = (params: Record<string, unknown>, as: LiveClient = client) =>
    as.DescribeCallbackRecordsList({
      StartTime: utc(pushedAt - 5_000),
      EndTime: utc(Date.now()),
      StreamName: STREAM,
      PageNum: 1,
      PageSize: 100,
      ...params,
    });

  before(async () => {
    requireFfmpeg();
    rx = await Receiver.start();
    rx.respondByPath({ '/begin': { status: 200, body: '{"code":0}' }, '/end': { status: 503, body: 'busy' } });
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, retryDelayScale: 0.001 } });
    client = lh.client();
    await bindDomain(client, DOMAIN, { StreamBeginNotifyUrl: rx.url('/begin'), StreamEndNotifyUrl: rx.url('/end') });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });

    pushedAt = Date.now();
    const result = await push({ url: `rtmp://127.0.0.1:${lh.rtmpPort}/live/${STREAM}`, tcUrl: `rtmp://${DOMAIN}/live`, seconds: 1 });
    assert.equal(result.code, 0, describeResult(result));
    const end = await waitUntil(
      async () => (await describeEvents(client, { EventType: 0, Status: 'failed' })).EventList[0],
      { timeoutMs: 20_000, what: 'the push end to fail for good' },
    );
    endAttempts = end.Attempts;
    assert.ok(endAttempts > 1, 'the push end was retried');
  });

  after(async () => {
    await lh?.stop();
    await rx?.close();
  });

  test('one record per attempt: request, response, times (UTC as asked), ResultCode, StreamId', async () => {
    const r = await list({});
    assert.equal(r.TotalNum, 1 + endAttempts);
    assert.deepEqual([r.PageNum, r.PageSize, r.TotalPage], [1, 100, 1]);
    const records = r.DataInfoList ?? [];
    assert.equal(records.length, 1 + endAttempts);
    const [start, ...ends] = records as Required<CallbackEventInfo>[];
    assert.ok(start);
    assert.deepEqual([start.EventType, start.ResultCode, start.Response, start.StreamId], [1, 0, '{"code":0}', STREAM]);
    const request = JSON.parse(start.Request) as Record<string, unknown>;
    assert.deepEqual([request.event_type, request.stream_id, request.app], [1, STREAM, DOMAIN]);
    assert.equal(start.Request, rx.onPath('/begin')[0]?.rawBody.replace(/,"t":\d+}$/, '}'), 'the payload that was sent, without t');
    for (const e of ends) {
      assert.deepEqual([e.EventType, e.ResultCode, e.Response, e.StreamId], [0, 503, 'busy', STREAM]);
    }
    for (const e of records) {
      assert.match(e.EventTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.match(e.ResponseTime!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(Date.parse(e.ResponseTime!) >= Date.parse(e.EventTime!) && Date.parse(e.EventTime!) >= pushedAt - 1000);
    }
    const times = records.map((e) => Date.parse(e.ResponseTime!));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest attempt first');
  });

  test('Beijing-time request → Beijing-time answer, the same records', async () => {
    const r = await list({ StartTime: beijingTime(pushedAt - 5_000), EndTime: beijingTime(Date.now()) });
    assert.equal(r.TotalNum, 1 + endAttempts);
    for (const e of r.DataInfoList ?? []) {
      assert.match(e.EventTime!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.match(e.ResponseTime!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
  });

  test('filters: EventType, ResultCode (0 accepted, other refused), exact StreamName, time range', async () => {
    assert.equal((await list({ EventType: 1 })).TotalNum, 1);
    assert.equal((await list({ EventType: 0 })).TotalNum, endAttempts);
    assert.equal((await list({ EventType: 100 })).TotalNum, 0);
    assert.equal((await list({ ResultCode: 0 })).TotalNum, 1);
    assert.equal((await list({ ResultCode: 1 })).TotalNum, endAttempts);
    assert.equal((await list({ EventType: 0, ResultCode: 0 })).TotalNum, 0);
    assert.equal((await list({ StreamName: 'records_' })).TotalNum, 0, 'StreamName is exact');
    assert.equal((await list({ StartTime: utc(pushedAt - 60_000), EndTime: utc(pushedAt - 10_000) })).TotalNum, 0);
  });

  test('paging partitions the records; another account sees none', async () => {
    const pages = [];
    for (let n = 1; n <= Math.ceil((1 + endAttempts) / 2); n++) pages.push(await list({ PageNum: n, PageSize: 2 }));
    assert.ok(pages.every((p) => p.TotalNum === 1 + endAttempts && p.TotalPage === Math.ceil((1 + endAttempts) / 2)));
    const all = pages.flatMap((p) => p.DataInfoList ?? []);
    assert.deepEqual(all, (await list({})).DataInfoList);
    const b = await addTenantB(lh);
    assert.equal((await list({}, b)).TotalNum, 0);
  });

  test('errors: bad range, span over 1 day, older than 14 days, bad format, bad paging, missing parameters', async () => {
    const now = Date.now();
    const code = (params: Record<string, unknown>) => errorCode(list(params));
    assert.equal(await code({ StartTime: utc(now - 60_000), EndTime: utc(now - 120_000) }), 'InvalidParameterValue');
    assert.equal(await code({ StartTime: utc(now - 25 * 3600_000), EndTime: utc(now) }), 'InvalidParameterValue');
    assert.equal(await code({ StartTime: utc(now - 15 * 86400_000), EndTime: utc(now - 15 * 86400_000 + 60_000) }), 'InvalidParameterValue');
    assert.equal(await code({ EndTime: utc(now + 3600_000) }), 'InvalidParameterValue', 'EndTime in the future');
    assert.equal(await code({ StartTime: '2026-13-01T00:00:00Z' }), 'InvalidParameterValue');
    assert.equal(await code({ StartTime: '2026-12-01 00:00' }), 'InvalidParameterValue');
    assert.equal(await code({ PageNum: 0 }), 'InvalidParameterValue');
    assert.equal(await code({ PageSize: 101 }), 'InvalidParameterValue');
    assert.equal(await code({ PageSize: '10' }), 'InvalidParameter');
    assert.equal(await code({ EventType: 7 }), 'InvalidParameterValue');
    assert.equal(await errorCode(client.DescribeCallbackRecordsList({ StartTime: utc(now - 60_000), EndTime: utc(now), StreamName: STREAM, PageNum: 1 } as never)), 'MissingParameter');
    assert.equal(await errorCode(client.DescribeCallbackRecordsList({ StartTime: utc(now - 60_000), EndTime: utc(now), PageNum: 1, PageSize: 10 } as never)), 'MissingParameter');
  });
});
