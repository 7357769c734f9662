/**
 * Livehook ending live pushes (issue 4 §3–4): DropLiveStream, ForbidLiveStream (until
 * ResumeLiveStream or its ResumeTime), ForbidLiveDomain — each ends the real ffmpeg push and sends
 * event 0 with errcode 10 — and a publisher that vanishes (SIGKILL) gives event 0 with the network
 * errcode (12) within 2 s. A publisher that reconnects while its old connection has gone quiet
 * but not timed out (OBS after a network blip, docs/live-state.md; the quiet connection is an
 * ffmpeg stopped with SIGSTOP) takes its stream over at once: the old push ends (errcode 12,
 * "reconnected") before the new push starts; another query is still refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndReason } from '../../src/media/end-reasons.js';
import { TAKEOVER_IDLE_MS } from '../../src/media/push-sessions.js';
import { callAction, forStream, sleep } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg, startPush, type Push, type PushResult } from '../helpers/ffmpeg.js';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';

const DOMAIN = 'push.control.example.com';
const DAY_MS = 24 * 3600 * 1000;
const REFUSED_PUSH_SECONDS = 6;

/** `YYYY-MM-DD HH:MM:SS` Beijing time → epoch ms. */
const fromBeijing = (text: string): number => Date.parse(`${text.replace(' ', 'T')}+08:00`);

interface ForbidList {
  TotalNum: number;
  ForbidStreamList: { StreamName: string; AppName: string; DomainName: string; CreateTime: string; ExpireTime: string; Reason: string }[];
}

type Payload = Record<string, unknown>;

describe('embedded RTMP ingest: livehook ends live pushes', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  let client: LiveClient;
  let templateId: number;
  const running = new Set<Push>();

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = livehook.client();
    ({ TemplateId: templateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
      TemplateName: 'control',
      StreamBeginNotifyUrl: receiver.url('/begin'),
      StreamEndNotifyUrl: receiver.url('/end'),
      CallbackKey: 'controlKey',
    }));
    await addBoundDomain(DOMAIN);
  });

  after(async () => {
    await Promise.all([...running].map((p) => p.kill()));
    await livehook?.stop();
    await receiver?.close();
  });

  async function addBoundDomain(domain: string): Promise<void> {
    await callAction(client, 'AddLiveDomain', { DomainName: domain, DomainType: 0 });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: '', TemplateId: templateId });
  }

  const url = (stream: string): string => `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`;

  /** Starts an open-ended push and waits for its event 1. */
  async function goLive(stream: string, domain = DOMAIN): Promise<{ push: Push; begin: Payload }> {
    const p = startPush({ url: url(stream), tcUrl: `rtmp://${domain}/live` });
    running.add(p);
    void p.done.then(() => running.delete(p));
    const [begin] = await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });
    return { push: p, begin: begin?.json as Payload };
  }

  /** Waits for ffmpeg to end (it must, by itself, soon) and for the stream's event 0. */
  async function ended(p: Push, stream: string): Promise<{ result: PushResult; end: ReceivedRequest }> {
    const result = await Promise.race([p.done, sleep(5000).then(() => undefined)]);
    assert.ok(result, 'ffmpeg must stop once livehook ends its push');
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
    assert.ok(end);
    return { result, end };
  }

  async function assertRefused(stream: string, domain = DOMAIN): Promise<void> {
    const before = receiver.received(forStream(stream)).length;
    const result = await push({ url: url(stream), tcUrl: `rtmp://${domain}/live`, seconds: REFUSED_PUSH_SECONDS });
    assert.notEqual(result.code, 0, `the push must be refused\n${describeResult(result)}`);
    assert.ok(result.elapsedMs < 3000, `refused quickly, took ${result.elapsedMs} ms`);
    await sleep(200);
    assert.equal(receiver.received(forStream(stream)).length, before, 'a refused push calls nothing back');
  }

  test('DropLiveStream ends a live push: ffmpeg stops, event 0 errcode 10; not live → StreamNotAlive', async () => {
    const stream = 'drop_me';
    const { push: p, begin } = await goLive(stream);
    const droppedAt = Date.now();
    await callAction(client, 'DropLiveStream', { DomainName: DOMAIN, AppName: 'live', StreamName: stream });
    const { result, end } = await ended(p, stream);
    assert.ok(end.at - droppedAt < 2000, `event 0 ${end.at - droppedAt} ms after the drop`);
    assert.ok(result.exitedAt - droppedAt < 3000, `ffmpeg ended ${result.exitedAt - droppedAt} ms after the drop`);
    const payload = end.json as Payload;
    assert.equal(payload.errcode, 10);
    assert.match(String(payload.errmsg), /DropLiveStream/);
    assert.equal(payload.sequence, begin.sequence);
    assert.match(String(payload.push_duration), /^\d+$/);

    assert.equal(
      await errorCode(callAction(client, 'DropLiveStream', { DomainName: DOMAIN, AppName: 'live', StreamName: stream })),
      'ResourceNotFound.StreamNotAlive',
    );
    assert.equal(
      await errorCode(callAction(client, 'DropLiveStream', { DomainName: DOMAIN, AppName: 'live', StreamName: 'never_pushed' })),
      'ResourceNotFound.StreamNotAlive',
    );
    // A dropped stream is not forbidden: it can be pushed again at once.
    const again = await push({ url: url(stream), tcUrl: `rtmp://${DOMAIN}/live`, seconds: 1 });
    assert.equal(again.code, 0, describeResult(again));
  });

  test('ForbidLiveStream while live ends it (errcode 10), refuses new pushes for 7 days, until ResumeLiveStream', async () => {
    const stream = 'forbid_me';
    const { push: p, begin } = await goLive(stream);
    const forbiddenAt = Date.now();
    await callAction(client, 'ForbidLiveStream', { DomainName: DOMAIN, AppName: 'live', StreamName: stream, Reason: 'test forbid' });
    const { end } = await ended(p, stream);
    assert.ok(end.at - forbiddenAt < 2000, `event 0 ${end.at - forbiddenAt} ms after the forbid`);
    const payload = end.json as Payload;
    assert.equal(payload.errcode, 10);
    assert.match(String(payload.errmsg), /ForbidLiveStream/);
    assert.equal(payload.sequence, begin.sequence);

    const list = await callAction<ForbidList>(client, 'DescribeLiveForbidStreamList', { StreamName: stream });
    assert.equal(list.TotalNum, 1);
    const entry = list.ForbidStreamList[0]!;
    assert.deepEqual([entry.DomainName, entry.AppName, entry.StreamName, entry.Reason], [DOMAIN, 'live', stream, 'test forbid']);
    const expire = fromBeijing(entry.ExpireTime);
    assert.ok(Math.abs(expire - (forbiddenAt + 7 * DAY_MS)) < 5000, `ExpireTime ${entry.ExpireTime} ≈ now + 7 days`);
    assert.ok(Math.abs(fromBeijing(entry.CreateTime) - forbiddenAt) < 5000, `CreateTime ${entry.CreateTime} ≈ now`);

    await assertRefused(stream);

    await callAction(client, 'ResumeLiveStream', { DomainName: DOMAIN, AppName: 'live', StreamName: stream });
    const listed = await callAction<ForbidList>(client, 'DescribeLiveForbidStreamList', { StreamName: stream });
    assert.equal(listed.TotalNum, 0);
    const again = await push({ url: url(stream), tcUrl: `rtmp://${DOMAIN}/live`, seconds: 1 });
    assert.equal(again.code, 0, describeResult(again));
    await receiver.waitFor(2, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
  });

  test('ForbidLiveStream with a ResumeTime: refused until then, accepted after it without ResumeLiveStream', async () => {
    const stream = 'forbid_briefly';
    const resumeAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const resumeTime = new Date(resumeAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await callAction(client, 'ForbidLiveStream', { DomainName: DOMAIN, AppName: 'live', StreamName: stream, ResumeTime: resumeTime });
    const list = await callAction<ForbidList>(client, 'DescribeLiveForbidStreamList', { StreamName: stream });
    assert.equal(list.TotalNum, 1);
    assert.equal(fromBeijing(list.ForbidStreamList[0]!.ExpireTime), resumeAt, `ExpireTime is the ResumeTime ${resumeTime}`);
    await assertRefused(stream);

    await sleep(Math.max(0, resumeAt - Date.now()) + 100);
    const after = await callAction<ForbidList>(client, 'DescribeLiveForbidStreamList', { StreamName: stream });
    assert.equal(after.TotalNum, 0, 'an expired forbid is no longer listed');
    const again = await push({ url: url(stream), tcUrl: `rtmp://${DOMAIN}/live`, seconds: 1 });
    assert.equal(again.code, 0, describeResult(again));
    await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
  });

  test('ForbidLiveDomain while live ends the push (errcode 10) and refuses new ones; EnableLiveDomain lets them in', async () => {
    const domain = 'forbid-domain.control.example.com';
    await addBoundDomain(domain);
    const stream = 'domain_forbidden';
    const { push: p, begin } = await goLive(stream, domain);
    const forbiddenAt = Date.now();
    await callAction(client, 'ForbidLiveDomain', { DomainName: domain });
    const { end } = await ended(p, stream);
    assert.ok(end.at - forbiddenAt < 2000, `event 0 ${end.at - forbiddenAt} ms after the forbid`);
    const payload = end.json as Payload;
    assert.equal(payload.errcode, 10);
    assert.equal(payload.app, domain);
    assert.equal(payload.sequence, begin.sequence);
    await assertRefused(stream, domain);
    await callAction(client, 'EnableLiveDomain', { DomainName: domain });
    const again = await push({ url: url(stream), tcUrl: `rtmp://${domain}/live`, seconds: 1 });
    assert.equal(again.code, 0, describeResult(again));
  });

  test('a publisher killed with SIGKILL: event 0 with the network errcode (12) within 2 s', async () => {
    const stream = 'killed_publisher';
    const { push: p, begin } = await goLive(stream);
    const result = await p.kill('SIGKILL');
    assert.equal(result.signal, 'SIGKILL');
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
    assert.ok(end);
    assert.ok(end.at - result.exitedAt <= 2000, `event 0 ${end.at - result.exitedAt} ms after the kill`);
    const payload = end.json as Payload;
    assert.equal(payload.errcode, 12);
    assert.equal(payload.sequence, begin.sequence);
    assert.equal(livehook.pushes.find(DOMAIN, 'live', stream), undefined, 'no longer live');
  });

  test('a reconnect (same address and query) takes over its quiet old connection at once, old push ended first; another query is refused', async () => {
    const stream = 'blip';
    const query = 'client=obs1';
    const withQuery = (q: string): string => `${url(stream)}?${q}`;
    const tcUrl = `rtmp://${DOMAIN}/live`;
    const old = startPush({ url: withQuery(query), tcUrl, noDelay: true });
    running.add(old);
    await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });

    // The same URL while the old connection still sends media: refused, the old push goes on.
    const duplicate = await push({ url: withQuery(query), tcUrl, seconds: REFUSED_PUSH_SECONDS });
    assert.notEqual(duplicate.code, 0, `a second live connection is refused\n${describeResult(duplicate)}`);
    assert.ok(old.running);

    // Network blip: the old connection goes quiet without closing.
    process.kill(old.pid, 'SIGSTOP');
    await sleep(TAKEOVER_IDLE_MS + 300);

    // Another publisher (another query) is refused even now.
    const stranger = await push({ url: withQuery('client=someone-else'), tcUrl, seconds: REFUSED_PUSH_SECONDS });
    assert.notEqual(stranger.code, 0, `a different publisher is refused\n${describeResult(stranger)}`);
    assert.equal(receiver.received(forStream(stream)).length, 1, 'no event for the refused publishers');

    // The same publisher reconnects: it takes over at once.
    const reconnectedAt = Date.now();
    const fresh = startPush({ url: withQuery(query), tcUrl, noDelay: true });
    running.add(fresh);
    const [, secondBegin] = await receiver.waitFor(2, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5_000 });
    assert.ok(secondBegin!.at - reconnectedAt < 3_000, `the reconnect started within 3 s (${secondBegin!.at - reconnectedAt} ms)`);
    const events = receiver.received(forStream(stream)).map((r) => r.json as { event_type: number; sequence: string; errcode: number; errmsg: string });
    const [first, ended, started] = events;
    assert.deepEqual(events.map((e) => e.event_type), [1, 0, 1], 'old start, old end, new start');
    assert.equal(ended!.sequence, first!.sequence, 'the end is the old push');
    assert.notEqual(started!.sequence, first!.sequence, 'the reconnect is a new push');
    assert.deepEqual([end!.json as { errcode: number; errmsg: string }].map((e) => [e.errcode, e.errmsg]), [[EndReason.replaced.errcode, EndReason.replaced.errmsg]]);
    // Stored in that order: the old push's end before the new push's start.
    const logged = await callAction<{ EventList: { EventType: number; Sequence: string }[] }>(client, 'DescribeCallbackEvents', { StreamName: stream, PageSize: 10 });
    const stored = logged.EventList.map((e) => `${e.EventType}:${e.Sequence}`).reverse();
    const endAt = stored.indexOf(`0:${first!.sequence}`);
    const startAt = stored.indexOf(`1:${started!.sequence}`);
    assert.ok(endAt >= 0 && startAt > endAt, `old end stored before new start: ${stored.join(', ')}`);

    // livehook closed the old connection; the new one is the live push.
    process.kill(old.pid, 'SIGCONT');
    await old.done;
    assert.ok(fresh.running, 'the reconnected publisher goes on');
    const online = await callAction<{ TotalNum: number }>(client, 'DescribeLiveStreamOnlineList', { StreamName: stream });
    assert.equal(online.TotalNum, 1);
    const result = await fresh.stop();
    assert.equal(result.code, 0, describeResult(result));
    await receiver.waitFor(2, { path: '/end', filter: forStream(stream), timeoutMs: 5_000 });
  });
});
