/**
 * Recording status (332) and recording exceptions (341) from real pushes: real ffmpeg pushing to
 * the embedded ingest, livehook's own recording ffmpeg processes, a real receiver. Field sets and
 * types are checked against Tencent's tables (pages 267/58590 and 267/68622), written out here
 * independently of livehook's registry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { callAction, forStream, md5 } from '../helpers/callbacks.js';
import { describeResult, requireFfmpeg, startPush, type PushOptions } from '../helpers/ffmpeg.js';
import { startTestLivehook, tempDir, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';

const DOMAIN = 'push.record-events.example.com';
const ERRORS_ONLY_DOMAIN = 'push.record-errors.example.com';
const KEY = 'recordEvents01';
type Payload = Record<string, unknown>;

/** Tencent's 332 fields (267/58590) and their JSON types; `t`/`sign` are added by delivery. */
const STATUS_FIELDS: Record<string, string> = {
  event_type: 'number', appid: 'number', appname: 'string', domain: 'string', event_time: 'number', record_detail: 'string',
  record_event: 'string', task_id: 'string', seq: 'string', session_id: 'string', stream_id: 'string', t: 'number', sign: 'string',
};
/** Tencent's 341 fields (267/68622, table and sample). */
const EXCEPTION_FIELDS: Record<string, string> = {
  interface: 'string', event_type: 'number', appid: 'number', domain: 'string', path: 'string', stream_id: 'string',
  session_id: 'string', file_format: 'string', timestamp: 'number', exception_level: 'string', exception: 'object', t: 'number', sign: 'string',
};

function assertFields(p: Payload, fields: Record<string, string>): void {
  assert.deepEqual(Object.keys(p).sort(), Object.keys(fields).sort(), 'exactly Tencent’s fields');
  for (const [name, type] of Object.entries(fields)) assert.equal(typeof p[name], type, `${name} is a ${type}`);
  assert.equal(p.sign, md5(KEY + String(p.t)), 'signed with the template key');
}

const json = (r: ReceivedRequest) => r.json as Payload;

/** The recording ffmpeg processes livehook (running in this process) started for a stream. */
function recorderPids(stream: string): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes('framecrc') && line.includes(`/${stream}?`))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('recording status (332) and recording exceptions (341) from real pushes', () => {
  let lh: TestLivehook;
  let receiver: Receiver;
  let client: LiveClient;
  const media = tempDir('livehook-record-events-');

  const pushTo = (stream: string, options: Omit<PushOptions, 'url' | 'tcUrl'> & { domain?: string }) =>
    startPush({ url: `rtmp://127.0.0.1:${lh.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${options.domain ?? DOMAIN}/live`, ...options });

  /** A record template (these formats, 10 s files) for one stream. */
  async function recordRule(stream: string, formats: Array<'FlvParam' | 'HlsParam' | 'Mp4Param'>, domain = DOMAIN): Promise<void> {
    const param = { Enable: 1, RecordInterval: 10, StorageTime: 0 };
    const { TemplateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveRecordTemplate', {
      TemplateName: `rec_${stream}`,
      ...Object.fromEntries(formats.map((f) => [f, param])),
    });
    await callAction(client, 'CreateLiveRecordRule', { DomainName: domain, AppName: 'live', StreamName: stream, TemplateId });
  }

  async function bind(domain: string, prefix: string, levels: string[]): Promise<void> {
    await callAction(client, 'AddLiveDomain', { DomainName: domain, DomainType: 0 });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
    const { TemplateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
      TemplateName: prefix,
      StreamEndNotifyUrl: receiver.url(`/${prefix}/end`),
      RecordNotifyUrl: receiver.url(`/${prefix}/record`),
      RecordStatusNotifyUrl: receiver.url(`/${prefix}/status`),
      RecordExceptionNotifyUrl: receiver.url(`/${prefix}/exception`),
      RecordExceptionLevels: levels,
      CallbackKey: KEY,
    });
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: '', TemplateId });
  }

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = lh.client();
    await bind(DOMAIN, 'all', ['error', 'warning']);
    await bind(ERRORS_ONLY_DOMAIN, 'errors', ['error']);
  });
  after(async () => {
    await lh?.stop();
    await receiver?.close();
    fs.rmSync(media, { recursive: true, force: true });
  });

  test('332: per recorded format one session: start succeeded, then ended, one session_id, increasing seq, signed, Tencent’s fields', async () => {
    const stream = 'status_two_formats';
    await recordRule(stream, ['FlvParam', 'HlsParam']);
    const pushing = pushTo(stream, { seconds: 5 });
    const result = await pushing.done;
    assert.equal(result.code, 0, describeResult(result));
    const events = (await receiver.waitFor(4, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 })).sort((a, b) => a.order - b.order);
    assert.equal(events.length, 4, 'two events per format, nothing else');
    const bySession = new Map<string, ReceivedRequest[]>();
    for (const r of events) bySession.set(String(json(r).session_id), [...(bySession.get(String(json(r).session_id)) ?? []), r]);
    assert.equal(bySession.size, 2, 'one session per format');
    const formats = new Set<number>();
    for (const [sessionId, session] of bySession) {
      assert.match(sessionId, /^\d+$/, 'session_id is a decimal string');
      const payloads = session.map(json);
      assert.deepEqual(payloads.map((p) => p.record_event), ['record_start_succeeded', 'record_ended'], 'start arrives before end');
      assert.deepEqual(payloads.map((p) => Number(p.seq)), [1, 2], 'seq counts the session’s messages');
      for (const p of payloads) {
        assertFields(p, STATUS_FIELDS);
        assert.equal(p.event_type, 332);
        assert.equal(p.appid, TEST_APPID);
        assert.equal(p.domain, DOMAIN);
        assert.equal(p.appname, 'live');
        assert.equal(p.stream_id, stream);
        const detail = JSON.parse(String(p.record_detail)) as Record<string, number>;
        assert.deepEqual(Object.keys(detail), ['file_format', 'record_bps', 'start_model', 'record_content', 'source_type', 'codec_temp_id']);
        formats.add(detail.file_format!);
      }
      assert.ok(Number(payloads[0]!.event_time) <= Number(payloads[1]!.event_time));
    }
    assert.deepEqual([...formats].sort(), [1, 2], 'record_detail.file_format: 1 FLV, 2 HLS');
  });

  test('341: a healthy audio+video push (x264 with B-frames, AAC) recorded as FLV and HLS reports no exception at all', async () => {
    const stream = 'exception_none';
    await recordRule(stream, ['FlvParam', 'HlsParam']);
    const file = path.join(media, 'healthy.flv');
    // OBS-like: 30 fps, 2 s GOP, B-frames (dts and pts differ), 44.1 kHz AAC.
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '8', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', '-y', file,
    ]);
    const result = await pushTo(stream, { file, loop: false }).done;
    assert.equal(result.code, 0, describeResult(result));
    await receiver.waitFor(4, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 });
    const exceptions = receiver.received((r) => r.path === '/all/exception' && forStream(stream)(r)).map(json);
    assert.deepEqual(exceptions, [], 'no false positive');
  });

  test('341: a video-only push recorded as FLV reports "no audio" (-17, warning) for that session; no other exception', async () => {
    const stream = 'exception_no_audio';
    await recordRule(stream, ['FlvParam']);
    const result = await pushTo(stream, { seconds: 4 }).done;
    assert.equal(result.code, 0, describeResult(result));
    const [status] = await receiver.waitFor(2, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 });
    const [exception] = await receiver.waitFor(1, { path: '/all/exception', filter: forStream(stream), timeoutMs: 20_000 });
    const p = json(exception!);
    assertFields(p, EXCEPTION_FIELDS);
    assert.equal(p.event_type, 341);
    assert.equal(p.interface, 'general_callback');
    assert.equal(p.domain, DOMAIN);
    assert.equal(p.path, 'live');
    assert.equal(p.file_format, 'flv');
    assert.equal(p.session_id, json(status!).session_id, 'the same session as its 332 events');
    assert.equal(p.exception_level, 'warning');
    const detail = p.exception as { type: number; occurs: number; desc: string };
    assert.deepEqual(Object.keys(detail).sort(), ['desc', 'occurs', 'type']);
    assert.equal(detail.type, -17);
    assert.equal(detail.occurs, 1);
    assert.equal(receiver.received((r) => r.path === '/all/exception' && forStream(stream)(r)).length, 1, 'a healthy push has no other exception');
  });

  test('341: video timestamps that jump 10 s mid-push are reported as -9 with the jump in desc', async () => {
    const stream = 'exception_jump';
    await recordRule(stream, ['FlvParam']);
    // After 2 s every video timestamp is pushed 10 s later: one forward jump. `-t` counts output
    // time, so 16 s of it last about 6 s.
    const result = await pushTo(stream, { seconds: 16, outputArgs: ['-vf', 'setpts=PTS+gte(T\\,2)*10/TB'] }).done;
    assert.equal(result.code, 0, describeResult(result));
    await receiver.waitFor(2, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 });
    const exceptions = receiver.received((r) => r.path === '/all/exception' && forStream(stream)(r)).map(json);
    const jump = exceptions.find((p) => (p.exception as { type: number }).type === -9);
    assert.ok(jump, `a -9 event among ${JSON.stringify(exceptions)}`);
    assert.equal(jump.exception_level, 'warning');
    assert.match((jump.exception as { desc: string }).desc, /video timestamp jumped by 1\d{4} ms/);
  });

  test('341: an audio-only push where the template records video (MP4) reports "no video" (-18)', async () => {
    const stream = 'exception_audio_only';
    await recordRule(stream, ['Mp4Param']);
    const audio = path.join(media, 'audio.flv');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '4', '-c:a', 'aac', '-f', 'flv', '-y', audio]);
    const result = await pushTo(stream, { file: audio, loop: false }).done;
    assert.equal(result.code, 0, describeResult(result));
    await receiver.waitFor(2, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 });
    const [exception] = await receiver.waitFor(1, { path: '/all/exception', filter: forStream(stream), timeoutMs: 10_000 });
    const p = json(exception!);
    assert.equal((p.exception as { type: number }).type, -18);
    assert.equal(p.file_format, 'mp4');
  });

  test('a recorder that dies mid-push: 332 record_error then record_ended, and 341 -16 (error)', async () => {
    const stream = 'recorder_killed';
    await recordRule(stream, ['FlvParam']);
    const pushing = pushTo(stream, { seconds: 8 });
    const [started] = await receiver.waitFor(1, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 });
    assert.equal(json(started!).record_event, 'record_start_succeeded');
    const pids = recorderPids(stream);
    assert.equal(pids.length, 1, 'one recording ffmpeg for one format');
    process.kill(pids[0]!, 'SIGKILL');
    const statuses = await receiver.waitFor(3, { path: '/all/status', filter: forStream(stream), timeoutMs: 20_000 });
    assert.deepEqual(statuses.map((r) => json(r).record_event), ['record_start_succeeded', 'record_error', 'record_ended']);
    const failed = receiver.received((r) => r.path === '/all/exception' && forStream(stream)(r)).map(json).find((p) => (p.exception as { type: number }).type === -16);
    assert.ok(failed, 'a -16 exception');
    assert.equal(failed.exception_level, 'error');
    assert.equal(failed.session_id, json(started!).session_id);
    assert.match((failed.exception as { desc: string }).desc, /SIGKILL/);
    const result = await pushing.done;
    assert.equal(result.code, 0, `the push itself goes on: ${describeResult(result)}`);
  });

  test('RecordExceptionLevels ["error"]: the "no audio" warning is not sent, while 332 still is', async () => {
    const stream = 'exception_filtered';
    await recordRule(stream, ['FlvParam'], ERRORS_ONLY_DOMAIN);
    const result = await pushTo(stream, { seconds: 4, domain: ERRORS_ONLY_DOMAIN }).done;
    assert.equal(result.code, 0, describeResult(result));
    const statuses = await receiver.waitFor(2, { path: '/errors/status', filter: forStream(stream), timeoutMs: 20_000 });
    assert.deepEqual(statuses.map((r) => json(r).record_event), ['record_start_succeeded', 'record_ended']);
    await receiver.waitFor(1, { path: '/errors/end', filter: forStream(stream), timeoutMs: 10_000 });
    assert.equal(receiver.received((r) => r.path === '/errors/exception').length, 0);
  });
});
