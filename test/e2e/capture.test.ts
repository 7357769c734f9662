/**
 * Screenshots, porn detection and recording from real pushes (issue 5): real ffmpeg pushing
 * testsrc to the embedded ingest, livehook's own ffmpeg capture processes, the real NSFW model,
 * and a real receiver. Files are fetched over HTTP and measured with ffprobe.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { callAction, forStream, md5, waitUntil } from '../helpers/callbacks.js';
import { requireFfmpeg, requireFfprobe, startPush } from '../helpers/ffmpeg.js';
import type { OptionName } from '../../src/config.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.capture.example.com';
const KEY = 'captureKey01';
const COS = { CosAppId: 1250000000, CosBucket: 'shots', CosRegion: 'ap-guangzhou' };
type Payload = Record<string, unknown>;

/**
 * ffprobe's view of a URL: first video stream size and the container duration. Asynchronous:
 * livehook serves the URL from this very process, so a blocking call would deadlock.
 */
async function probe(target: string): Promise<{ width: number; height: number; duration: number }> {
  const { stdout: out } = await promisify(execFile)('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:format=duration', '-of', 'json', target], { encoding: 'utf8' });
  const json = JSON.parse(out) as { streams: Array<{ width: number; height: number }>; format: { duration?: string } };
  return { width: json.streams[0]!.width, height: json.streams[0]!.height, duration: Number(json.format.duration ?? NaN) };
}

/** ffmpeg processes whose parent is this test process (livehook runs in it). */
function ffmpegChildren(): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.trim().endsWith('ffmpeg'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

interface Suite {
  lh: TestLivehook;
  receiver: Receiver;
  client: LiveClient;
}

/** For one describe block: a livehook (private callbacks allowed, plus `flags`) whose domain is bound to a receiver. */
function captureSuite(flags: Partial<Record<OptionName, unknown>>): Suite {
  const suite = {} as Suite;
  before(async () => {
    requireFfmpeg();
    requireFfprobe();
    suite.receiver = await Receiver.start();
    suite.lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, ...flags } });
    suite.client = await setUp(suite.lh, suite.receiver);
  });
  after(async () => {
    await suite.lh?.stop();
    await suite.receiver?.close();
  });
  return suite;
}

async function setUp(lh: TestLivehook, receiver: Receiver): Promise<LiveClient> {
  const client = lh.client();
  await callAction(client, 'AddLiveDomain', { DomainName: DOMAIN, DomainType: 0 });
  await callAction(client, 'ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });
  const { TemplateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
    TemplateName: 'capture',
    StreamBeginNotifyUrl: receiver.url('/begin'),
    StreamEndNotifyUrl: receiver.url('/end'),
    SnapshotNotifyUrl: receiver.url('/snapshot'),
    PornCensorshipNotifyUrl: receiver.url('/porn'),
    RecordNotifyUrl: receiver.url('/record'),
    CallbackKey: KEY,
  });
  await callAction(client, 'CreateLiveCallbackRule', { DomainName: DOMAIN, AppName: '', TemplateId });
  return client;
}

async function snapshotRule(client: LiveClient, stream: string, template: Record<string, unknown>): Promise<void> {
  const { TemplateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveSnapshotTemplate', { TemplateName: `snap_${stream}`, ...COS, ...template });
  await callAction(client, 'CreateLiveSnapshotRule', { DomainName: DOMAIN, AppName: 'live', StreamName: stream, TemplateId });
}

const pushTo = (lh: TestLivehook, stream: string, seconds: number) =>
  startPush({ url: `rtmp://127.0.0.1:${lh.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${DOMAIN}/live`, seconds });

describe('screenshots, porn detection and recording (default moderation thresholds)', () => {
  const suite = captureSuite({});

  test('event 200 about every SnapshotInterval; pic_full_url downloads a JPEG of the requested size; ffmpeg stops with the stream', async () => {
    const stream = 'snap_size';
    await snapshotRule(suite.client, stream, { SnapshotInterval: 2, Width: 160, Height: 0 });
    const pushing = pushTo(suite.lh, stream, 9);
    const shots = await suite.receiver.waitFor(3, { path: '/snapshot', filter: forStream(stream), timeoutMs: 20_000 });
    const payloads = shots.map((r) => r.json as Payload);
    for (const [i, p] of payloads.entries()) {
      assert.equal(p.event_type, 200);
      assert.equal(p.sign, md5(KEY + String(p.t)));
      assert.equal(p.width, 160);
      assert.equal(p.height, 120, 'Height 0 keeps the aspect ratio of the 320x240 source');
      assert.equal(p.pic_full_url, suite.lh.publicUrl + String(p.pic_url));
      const res = await fetch(String(p.pic_full_url));
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /^image\/jpeg/);
      const jpeg = Buffer.from(await res.arrayBuffer());
      assert.equal(jpeg.length, p.file_size);
      if (i > 0) {
        const gap = Number(p.create_time) - Number(payloads[i - 1]!.create_time);
        assert.ok(gap >= 1 && gap <= 4, `screenshots ~2 s apart, got ${gap} s`);
      }
    }
    const picture = await probe(String(payloads[0]!.pic_full_url));
    assert.deepEqual([picture.width, picture.height], [160, 120], 'ffprobe agrees on the JPEG size');

    await pushing.done;
    await suite.receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 10_000 });
    await waitUntil(() => ffmpegChildren().length === 0, { timeoutMs: 8_000, intervalMs: 100, what: `no ffmpeg left (still: ${ffmpegChildren().join(', ')})` });
  });

  test('PornFlag=1 with default thresholds: the model classifies each frame, testsrc passes and no event 317 is sent', async () => {
    const stream = 'snap_clean';
    await snapshotRule(suite.client, stream, { SnapshotInterval: 2, PornFlag: 1 });
    const pushing = pushTo(suite.lh, stream, 8);
    await suite.receiver.waitFor(2, { path: '/snapshot', filter: forStream(stream), timeoutMs: 20_000 });
    // Wait until the classifier (started by the first frame, model load included) has judged frames.
    await waitUntil(async () => {
      const health = (await (await fetch(`${suite.lh.httpUrl}/healthz`)).json()) as { capture: { moderation: { classified: number } | null } };
      return (health.capture.moderation?.classified ?? 0) >= 2;
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'two classified frames' });
    const metrics = await (await fetch(`${suite.lh.httpUrl}/metrics`)).text();
    const classified = Number(/^livehook_moderation_frames\{outcome="classified"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(classified >= 2, `/metrics counts the classified frames: ${classified}`);
    await pushing.done;
    await suite.receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 10_000 });
    assert.equal(suite.receiver.received((r) => r.path === '/porn').length, 0, 'a plain test pattern is not flagged');
    const { TotalNum } = await callAction<{ TotalNum: number }>(suite.client, 'DescribeModerationResults', { StreamName: stream });
    assert.equal(TotalNum, 0);
  });

  test('record rule (flv, mp4, hls): event 100 per file; each downloads and ffprobe agrees with duration', async () => {
    const stream = 'rec_all';
    const param = { Enable: 1, RecordInterval: 10, StorageTime: 0 };
    const { TemplateId } = await callAction<{ TemplateId: number }>(suite.client, 'CreateLiveRecordTemplate', {
      TemplateName: 'rec_all',
      FlvParam: param,
      Mp4Param: param,
      HlsParam: param,
    });
    await callAction(suite.client, 'CreateLiveRecordRule', { DomainName: DOMAIN, AppName: 'live', StreamName: stream, TemplateId });
    const pushing = pushTo(suite.lh, stream, 6);
    await pushing.done;
    const records = await suite.receiver.waitFor(3, { path: '/record', filter: forStream(stream), timeoutMs: 20_000 });
    const byFormat = new Map(records.map((r) => [(r.json as Payload).file_format, r.json as Payload]));
    assert.deepEqual([...byFormat.keys()].sort(), ['flv', 'hls', 'mp4']);
    for (const [format, p] of byFormat) {
      assert.equal(p.event_type, 100);
      assert.equal(p.sign, md5(KEY + String(p.t)));
      assert.match(String(p.record_file_id), /^\d+$/, 'record_file_id is a decimal string, as Tencent sends it');
      const url = String(p.video_url);
      const res = await fetch(url);
      assert.equal(res.status, 200, `${format} file downloads`);
      const body = Buffer.from(await res.arrayBuffer());
      if (format !== 'hls') assert.equal(body.length, p.file_size, `${format}: file_size`);
      const media = await probe(url);
      const duration = Number(p.duration);
      assert.ok(duration >= 4, `${format}: duration ${duration} s for a 6 s push`);
      assert.ok(Math.abs(media.duration - duration) <= Math.max(0.1 * duration, 0.6), `${format}: ffprobe ${media.duration} s vs duration ${duration} s`);
      assert.deepEqual([media.width, media.height], [320, 240]);
    }
    await waitUntil(() => ffmpegChildren().length === 0, { timeoutMs: 8_000, intervalMs: 100, what: 'no ffmpeg left after the recording' });
  });
});

describe('porn detection with thresholds that flag the test pattern', () => {
  const suite = captureSuite({ moderationThresholds: '{"block":{},"review":{"Porn":0,"Hentai":0,"Sexy":0}}' });

  test('event 317 arrives with consistent fields and the flagged screenshot is kept for the console', async () => {
    const stream = 'snap_flagged';
    await snapshotRule(suite.client, stream, { SnapshotInterval: 2, PornFlag: 1 });
    const pushing = pushTo(suite.lh, stream, 30);
    const [flagged] = await suite.receiver.waitFor(1, { path: '/porn', filter: forStream(stream), timeoutMs: 60_000 });
    await pushing.stop();
    const p = flagged!.json as Payload;
    assert.equal(p.event_type, 317);
    assert.equal(p.sign, md5(KEY + String(p.t)));
    assert.equal(p.streamId, stream);
    assert.equal(p.suggestion, 'Review');
    assert.ok(['Porn', 'Sexy'].includes(String(p.label)), `label ${String(p.label)}`);
    assert.ok(Array.isArray(p.type) && Array.isArray(p.score) && p.type.length === p.score.length);
    for (const score of p.score as unknown[]) assert.ok(Number.isInteger(score) && (score as number) >= 0 && (score as number) <= 100);
    const labelResults = p.labelResults as Array<{ Scene: string; Details: Array<{ Name: string }> }>;
    assert.deepEqual(labelResults[0]!.Details.map((d) => d.Name), ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    // The image the event names is one of the screenshots, and it downloads.
    const shots = suite.receiver.received((r) => r.path === '/snapshot' && forStream(stream)(r)).map((r) => (r.json as Payload).pic_full_url);
    assert.ok(shots.includes(p.img), `img ${String(p.img)} is one of the screenshots`);
    assert.equal((await fetch(String(p.img))).status, 200);

    const results = await callAction<{ TotalNum: number; ResultList: Array<Record<string, unknown>> }>(suite.client, 'DescribeModerationResults', { DomainName: DOMAIN });
    assert.ok(results.TotalNum >= 1);
    const kept = results.ResultList.find((r) => r.PicFullUrl === p.img);
    assert.ok(kept, 'the flagged screenshot is listed by DescribeModerationResults');
    assert.equal(kept.Suggestion, 'Review');
    assert.equal(kept.Label, p.label);
    assert.equal(kept.StreamName, stream);
  });
});
