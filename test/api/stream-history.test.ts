/**
 * Stream state and history through the official SDK, from real pushes: ffmpeg into the embedded
 * ingest (one push that ends, the same stream pushed again, one that stays live) and
 * nginx-rtmp-shaped hook POSTs (a push that starts and ends, one on a second domain that stays
 * live). DescribeLiveStreamState, DescribeLiveStreamEventList, DescribeLiveStreamPublishedList
 * and DescribeLiveStreamPushInfoList: fields, filters, order, paging, tenancy, Tencent's error
 * codes; and the retention sweep, which removes ended sessions and keeps live ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PushDataInfo, StreamEventInfo } from 'tencentcloud-sdk-nodejs/tencentcloud/services/live/v20180801/live_models.js';
import { bindDomain, callAction, sleep, waitUntil } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg, startPush, type Push } from '../helpers/ffmpeg.js';
import { utcTime as utc } from '../../src/api/actions/history-time.js';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { addTenantB } from '../helpers/media-rules.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.history.example.com';
const OTHER = 'push.history-other.example.com';
const HOOK_TOKEN = 'stream-history-hook-token';
const DAY_MS = 86_400_000;
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('stream state and history actions', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let rx: Receiver;
  let live: Push;
  let t0: number;
  /** A key of another account. */
  let b: LiveClient;

  /** An nginx-rtmp notify, shaped as nginx sends it (docs/media-servers.md). */
  async function nginxHook(call: 'publish' | 'publish_done', domain: string, stream: string): Promise<void> {
    const route = call === 'publish' ? 'on_publish' : 'on_publish_done';
    const body = `app=live&flashver=FMLE/3.0&swfurl=&tcurl=rtmp://${domain}/live&pageurl=&addr=10.1.2.3&clientid=7&call=${call}&name=${stream}${call === 'publish' ? '&type=live' : ''}`;
    const res = await fetch(`${lh.httpUrl}/hooks/nginx-rtmp/${route}?token=${HOOK_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    assert.equal(res.status, 200, `${route} ${stream}: ${await res.text()}`);
  }

  const embedded = (stream: string) => ({ url: `rtmp://127.0.0.1:${lh.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${DOMAIN}/live` });
  const range = () => ({ StartTime: utc(t0 - 2_000), EndTime: utc(Date.now()) });
  const events = (params: Record<string, unknown> = {}, as: LiveClient = client) =>
    as.DescribeLiveStreamEventList({ ...range(), ...params });
  const names = (list: StreamEventInfo[] | undefined) => (list ?? []).map((e) => e.StreamName);

  before(async () => {
    requireFfmpeg();
    rx = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, hookToken: HOOK_TOKEN } });
    client = lh.client();
    for (const domain of [DOMAIN, OTHER]) {
      await bindDomain(client, domain, { StreamBeginNotifyUrl: rx.url('/begin'), StreamEndNotifyUrl: rx.url('/end') });
      await callAction(client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
    }
    t0 = Date.now();
    for (const stream of ['hist_short', 'hist_short']) {
      const result = await push({ ...embedded(stream), seconds: 1 });
      assert.equal(result.code, 0, describeResult(result));
      await waitUntil(async () => (await client.DescribeLiveStreamState({ DomainName: DOMAIN, AppName: 'live', StreamName: stream })).StreamState === 'inactive', {
        what: `${stream} to end`,
      });
    }
    await nginxHook('publish', DOMAIN, 'hist_nginx');
    await sleep(1_100); // a whole second of push: Duration ≥ 1
    await nginxHook('publish_done', DOMAIN, 'hist_nginx');
    await nginxHook('publish', OTHER, 'other_nginx');
    b = await addTenantB(lh);
    live = startPush(embedded('hist_live'));
    await live.opened();
    await waitUntil(async () => (await client.DescribeLiveStreamPushInfoList({ PushDomain: DOMAIN })).TotalNum === 1, { what: 'hist_live to start' });
  });

  after(async () => {
    await live?.kill();
    await lh?.stop();
    await rx?.close();
  });

  test('DescribeLiveStreamState: active, inactive, forbid; another account sees inactive', async () => {
    const state = async (stream: string, domain = DOMAIN, as = client) =>
      (await as.DescribeLiveStreamState({ DomainName: domain, AppName: 'live', StreamName: stream })).StreamState;
    assert.equal(await state('hist_live'), 'active');
    assert.equal(await state('other_nginx', OTHER), 'active');
    assert.equal(await state('hist_short'), 'inactive');
    assert.equal(await state('never_pushed'), 'inactive');
    assert.equal(await state('hist_live', 'push.unknown.example.com'), 'inactive');
    await client.ForbidLiveStream({ DomainName: DOMAIN, AppName: 'live', StreamName: 'hist_banned' });
    assert.equal(await state('hist_banned'), 'forbid');
    assert.equal(await state('hist_live', DOMAIN, b), 'inactive');
    assert.equal(await errorCode(client.DescribeLiveStreamState({ DomainName: DOMAIN, AppName: 'live' } as never)), 'MissingParameter');
    assert.equal(await errorCode(client.DescribeLiveStreamState({ DomainName: 'not a domain', AppName: 'live', StreamName: 's' })), 'InvalidParameter.DomainFormatError');
  });

  test('DescribeLiveStreamEventList: one entry per push with its fields, newest end first', async () => {
    const r = await events({ DomainName: DOMAIN });
    assert.deepEqual([r.TotalNum, r.TotalPage, r.PageNum, r.PageSize], [4, 1, 1, 10]);
    assert.deepEqual(names(r.EventList), ['hist_live', 'hist_nginx', 'hist_short', 'hist_short'], 'live first (it ends now), then by end time');
    const [liveEntry, nginx, short] = r.EventList as Required<StreamEventInfo>[];
    assert.ok(liveEntry && nginx && short);
    assert.deepEqual([liveEntry.DomainName, liveEntry.AppName, liveEntry.StreamEndTime, liveEntry.StopReason], [DOMAIN, 'live', '', '']);
    assert.deepEqual([liveEntry.ClientIp, liveEntry.Resolution], ['127.0.0.1', '320*240']);
    assert.match(liveEntry.StreamStartTime, UTC);
    assert.match(short.StreamStartTime, UTC);
    assert.match(short.StreamEndTime, UTC);
    assert.ok(Date.parse(short.StreamEndTime) >= Date.parse(short.StreamStartTime));
    assert.ok(short.Duration >= 0 && short.Duration <= 3, `Duration ${short.Duration}`);
    assert.ok(short.StopReason.length > 0, 'StopReason: the errmsg of event 0');
    assert.deepEqual([short.ClientIp, short.Resolution], ['127.0.0.1', '320*240']);
    // The session rows keep what the media showed: the embedded pushes' codecs, once they ended.
    const rows = await lh.store.db.selectFrom('push_sessions').select(['video_codec', 'audio_codec']).where('stream_name', '=', 'hist_short').execute();
    assert.deepEqual(rows.map((r) => r.video_codec), ['H264', 'H264']);
    assert.equal(nginx.ClientIp, '10.1.2.3');
    assert.ok(nginx.Duration >= 1, `Duration ${nginx.Duration}`);

    const ascending = await events({ DomainName: DOMAIN, IsAsc: 1 });
    assert.deepEqual(names(ascending.EventList), ['hist_short', 'hist_short', 'hist_nginx', 'hist_live']);
    assert.equal((await events()).TotalNum, 5, 'every domain of the account');
    assert.equal((await events({ IsFilter: 1 })).TotalNum, 5, 'every push here started');
  });

  test('DescribeLiveStreamEventList: StreamName fuzzy (case-insensitive) or IsStrict, AppName, time range, paging', async () => {
    assert.equal((await events({ StreamName: 'HIST_' })).TotalNum, 4);
    assert.equal((await events({ StreamName: 'short' })).TotalNum, 2);
    assert.equal((await events({ StreamName: 'hist_', IsStrict: 1 })).TotalNum, 0);
    assert.equal((await events({ StreamName: 'hist_short', IsStrict: 1 })).TotalNum, 2);
    assert.equal((await events({ StreamName: '%' })).TotalNum, 0, 'LIKE wildcards are plain characters');
    assert.equal((await events({ AppName: 'live' })).TotalNum, 5);
    assert.equal((await events({ AppName: 'other' })).TotalNum, 0);
    assert.equal((await events({ StartTime: utc(t0 - 3_600_000), EndTime: utc(t0 - 60_000) })).TotalNum, 0);
    const pages = [];
    for (let n = 1; n <= 3; n++) pages.push(await events({ PageNum: n, PageSize: 2 }));
    assert.deepEqual(pages.map((p) => [p.TotalNum, p.TotalPage, p.EventList?.length]), [[5, 3, 2], [5, 3, 2], [5, 3, 1]]);
    // Live pushes' Duration grows between calls: compare which pushes each page holds.
    const pushes = (list: StreamEventInfo[] | undefined) => (list ?? []).map((e) => `${e.StreamName}@${e.StreamStartTime}`);
    assert.deepEqual(pages.flatMap((p) => pushes(p.EventList)), pushes((await events()).EventList));
    assert.equal((await events({}, b)).TotalNum, 0);
  });

  test('DescribeLiveStreamEventList errors: range, span over 1 month, older than 2 months, formats, paging, flags', async () => {
    const now = Date.now();
    const code = (params: Record<string, unknown>) => errorCode(events(params));
    assert.equal(await code({ StartTime: utc(now - 60_000), EndTime: utc(now - 120_000) }), 'InvalidParameterValue');
    assert.equal(await code({ StartTime: utc(now - 31 * DAY_MS), EndTime: utc(now) }), 'InvalidParameterValue');
    assert.equal(await code({ StartTime: utc(now - 61 * DAY_MS), EndTime: utc(now - 60 * DAY_MS) }), 'InvalidParameterValue');
    assert.equal(await code({ EndTime: utc(now + 3_600_000) }), 'InvalidParameterValue');
    assert.equal(await code({ StartTime: '2026-12-01 00:00:00' }), 'InvalidParameterValue', 'UTC only');
    assert.equal(await code({ PageSize: 101 }), 'InvalidParameterValue');
    assert.equal(await code({ PageNum: 1001, PageSize: 10 }), 'InvalidParameterValue', 'only the first 10,000 rows');
    assert.equal(await code({ IsFilter: 2 }), 'InvalidParameterValue');
    assert.equal(await code({ IsAsc: '1' }), 'InvalidParameter');
    assert.equal(await code({ Unknown: 1 }), 'UnknownParameter');
    assert.equal(await errorCode(client.DescribeLiveStreamEventList({ EndTime: utc(now) } as never)), 'MissingParameter');
  });

  test('DescribeLiveStreamPublishedList: one entry per stream (its latest push), DomainName required, PageSize 10–100', async () => {
    const list = (params: Record<string, unknown> = {}) => client.DescribeLiveStreamPublishedList({ DomainName: DOMAIN, ...range(), ...params });
    const r = await list();
    assert.deepEqual([r.TotalNum, r.TotalPage, r.PageNum, r.PageSize], [3, 1, 1, 10]);
    assert.deepEqual(names(r.PublishInfo).sort(), ['hist_live', 'hist_nginx', 'hist_short']);
    const shorts = (await events({ StreamName: 'hist_short', IsStrict: 1 })).EventList ?? [];
    const latest = r.PublishInfo?.find((e) => e.StreamName === 'hist_short');
    assert.deepEqual(latest, shorts[0], 'the stream’s latest push');
    assert.equal((await list({ StreamName: 'nginx' })).TotalNum, 1);
    assert.equal((await list({ AppName: 'other' })).TotalNum, 0);
    assert.equal((await list({ DomainName: OTHER })).TotalNum, 1);
    assert.equal(await errorCode(list({ PageSize: 5 })), 'InvalidParameterValue');
    assert.equal(await errorCode(list({ StartTime: utc(Date.now() - 40 * DAY_MS) })), 'InvalidParameterValue');
    assert.equal(await errorCode(client.DescribeLiveStreamPublishedList({ ...range() } as never)), 'MissingParameter');
  });

  test('DescribeLiveStreamPushInfoList: live pushes of the account with client, server and media fields', async () => {
    const r = await client.DescribeLiveStreamPushInfoList({});
    assert.deepEqual([r.TotalNum, r.TotalPage, r.PageNum, r.PageSize], [2, 1, 1, 200]);
    assert.deepEqual((r.DataInfoList ?? []).map((d) => d.StreamName), ['other_nginx', 'hist_live'], 'oldest first');
    const nginx = r.DataInfoList?.find((d) => d.StreamName === 'other_nginx') as PushDataInfo;
    assert.deepEqual([nginx.ClientIp, nginx.VideoFps, nginx.VideoSpeed], ['10.1.2.3', 0, 0], 'a media-server push is not measured');

    // testsrc: 25 fps H.264, no audio. Measured once the ingest feeds the push's meter (a second
    // or two of media); without a meter every measured figure stays 0.
    const liveInfo = async () => (await client.DescribeLiveStreamPushInfoList({ PushDomain: DOMAIN })).DataInfoList?.[0] as PushDataInfo;
    const since = Date.now();
    const info = await waitUntil(async () => {
      const i = await liveInfo();
      return i.VideoFps > 0 || Date.now() - since > 3_000 ? i : undefined;
    }, { what: 'hist_live measured' });
    assert.deepEqual([info.AppName, info.PushDomain, info.ClientIp, info.ServerIp, info.Resolution], ['live', DOMAIN, '127.0.0.1', '127.0.0.1', '320*240']);
    assert.match(info.BeginPushTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    if (info.VideoFps > 0) {
      assert.ok(Math.abs(info.VideoFps - 25) <= 1 && info.VideoSpeed > 10_000 && info.Vcodec === 'H264', JSON.stringify(info));
      assert.equal(info.MetaFps, 25, 'ffmpeg declares its frame rate in onMetaData');
    } else {
      assert.deepEqual([info.VideoSpeed, info.MetaFps], [0, 0], `no meter: ${JSON.stringify(info)}`);
    }
    assert.deepEqual([info.AudioFps, info.AudioSpeed, info.AsampleRate, info.MetaAudioSpeed], [0, 0, 0, 0], 'no audio in the push');

    assert.equal((await client.DescribeLiveStreamPushInfoList({ PushDomain: DOMAIN })).TotalNum, 1);
    assert.equal((await client.DescribeLiveStreamPushInfoList({ AppName: 'other' })).TotalNum, 0);
    const paged = await client.DescribeLiveStreamPushInfoList({ PageNum: 2, PageSize: 1 });
    assert.deepEqual([paged.TotalNum, paged.TotalPage, paged.DataInfoList?.[0]?.StreamName], [2, 2, 'hist_live']);
    assert.equal(await errorCode(client.DescribeLiveStreamPushInfoList({ PageNum: 10001 })), 'InvalidParameterValue');
    assert.equal(await errorCode(client.DescribeLiveStreamPushInfoList({ PageSize: 0 })), 'InvalidParameterValue');
    assert.equal((await b.DescribeLiveStreamPushInfoList({})).TotalNum, 0);
  });

  test('retention: the sweep removes ended sessions past --stream-history-days and keeps live ones', async () => {
    const before = await events();
    assert.equal(before.TotalNum, 5);
    const swept = await lh.retention.sweep(Date.now() + 61 * DAY_MS);
    assert.equal(swept.sessions, 3, 'the three ended pushes');
    assert.deepEqual(names((await events()).EventList).sort(), ['hist_live', 'other_nginx']);
    assert.equal((await client.DescribeLiveStreamPushInfoList({})).TotalNum, 2);
  });
});
