/**
 * Pushes the embedded ingest must refuse before they start (README, "Pushing streams"): push
 * authentication failures (missing, wrong, expired txSecret), an unregistered, forbidden or play
 * domain, a stream name the ingest cannot carry, and a second publisher of a live stream. A
 * refused push fails at once in ffmpeg, produces no event at all (nothing logged, nothing called
 * back) and never shows as live. Valid master-key and backup-key pushes are accepted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callAction, forStream, md5, sleep } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg, startPush, type PushResult } from '../helpers/ffmpeg.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.refusals.example.com';
const BACKUP_KEY = 'refusalsBackupKey42';
/** A refused push must fail well before the push it asked for would have ended. */
const REFUSED_PUSH_SECONDS = 6;
const QUICK_FAIL_MS = 3000;

const hexTime = (unixSeconds: number): string => Math.floor(unixSeconds).toString(16).toUpperCase();
const nowSec = (): number => Math.floor(Date.now() / 1000);

interface EventList {
  TotalNum: number;
  EventList: { EventType: number; StreamName: string; DomainName: string; Sequence: string }[];
}
interface PushAuthKeyInfo {
  PushAuthKeyInfo: { DomainName: string; Enable: number; MasterAuthKey: string; BackupAuthKey: string; AuthDelta: number };
}

/** The signed query for a stream: txSecret = md5(key + StreamName + txTime). */
const signed = (key: string, stream: string, txTime: string): string => `txSecret=${md5(key + stream + txTime)}&txTime=${txTime}`;

function assertRefused(result: PushResult, what: string): void {
  assert.notEqual(result.code, 0, `${what}: ffmpeg must fail\n${describeResult(result)}`);
  assert.ok(result.elapsedMs < QUICK_FAIL_MS, `${what}: ffmpeg must fail quickly, took ${result.elapsedMs} ms\n${describeResult(result)}`);
}

describe('embedded RTMP ingest refuses what it must, before the push starts', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  let client: LiveClient;
  let rtmpPort: number;
  let masterKey: string;
  let authDelta: number;

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = livehook.client();
    rtmpPort = livehook.rtmpPort;
    const { TemplateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
      TemplateName: 'refusals',
      StreamBeginNotifyUrl: receiver.url('/begin'),
      StreamEndNotifyUrl: receiver.url('/end'),
      CallbackKey: 'refusalsKey',
    });
    // Push authentication is on by default for a new push domain, with a generated master key.
    await callAction(client, 'AddLiveDomain', { DomainName: DOMAIN, DomainType: 0 });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: DOMAIN, BackupAuthKey: BACKUP_KEY });
    const { PushAuthKeyInfo: info } = await callAction<PushAuthKeyInfo>(client, 'DescribeLivePushAuthKey', { DomainName: DOMAIN });
    assert.equal(info.Enable, 1, 'push authentication is on for a new push domain');
    assert.match(info.MasterAuthKey, /^[0-9A-Za-z]{16,}$/);
    assert.equal(info.BackupAuthKey, BACKUP_KEY);
    assert.ok(info.AuthDelta > 0);
    masterKey = info.MasterAuthKey;
    authDelta = info.AuthDelta;
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: DOMAIN, AppName: '', TemplateId });

    // The other domains of the refusals, all bound to the same template.
    await callAction(client, 'AddLiveDomain', { DomainName: 'forbidden.refusals.example.com', DomainType: 0 });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: 'forbidden.refusals.example.com', Enable: 0 });
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: 'forbidden.refusals.example.com', AppName: '', TemplateId });
    await callAction(client, 'ForbidLiveDomain', { DomainName: 'forbidden.refusals.example.com' });
    await callAction(client, 'AddLiveDomain', { DomainName: 'play.refusals.example.com', DomainType: 1 });
  });

  after(async () => {
    await livehook?.stop();
    await receiver?.close();
  });

  const url = (stream: string, query = ''): string => `rtmp://127.0.0.1:${rtmpPort}/live/${stream}${query ? `?${query}` : ''}`;
  const tcUrl = (domain = DOMAIN): string => `rtmp://${domain}/live`;

  test('refused: push auth failures, bad domains, bad stream names — fast, with no event at all', async () => {
    const future = hexTime(nowSec() + 600);
    const expired = hexTime(nowSec() - authDelta - 120);
    const cases: { what: string; url: string; tcUrl: string }[] = [
      { what: 'missing txSecret/txTime', url: url('no_secret'), tcUrl: tcUrl() },
      { what: 'missing txSecret', url: url('no_secret2', `txTime=${future}`), tcUrl: tcUrl() },
      { what: 'wrong txSecret', url: url('wrong_secret', `txSecret=${md5('nope')}&txTime=${future}`), tcUrl: tcUrl() },
      { what: 'secret of another stream', url: url('other_stream', signed(masterKey, 'some_stream', future)), tcUrl: tcUrl() },
      { what: 'expired txTime (beyond AuthDelta), right secret', url: url('expired', signed(masterKey, 'expired', expired)), tcUrl: tcUrl() },
      { what: 'unregistered domain', url: url('unregistered'), tcUrl: tcUrl('unregistered.refusals.example.com') },
      { what: 'IP host without domain=', url: url('ip_host'), tcUrl: `rtmp://127.0.0.1:${rtmpPort}/live` },
      { what: 'forbidden domain', url: url('forbidden_domain'), tcUrl: tcUrl('forbidden.refusals.example.com') },
      { what: 'play domain', url: url('play_domain'), tcUrl: tcUrl('play.refusals.example.com') },
      { what: 'stream name with a dot', url: url('bad.name', signed(masterKey, 'bad.name', future)), tcUrl: tcUrl() },
      { what: 'stream name with %2F', url: url('bad%2Fname', signed(masterKey, 'bad%2Fname', future)), tcUrl: tcUrl() },
    ];
    // Run them in parallel, a few at a time (each fails within about half a second).
    const results: PushResult[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      results.push(...(await Promise.all(batch.map((c) => push({ url: c.url, tcUrl: c.tcUrl, seconds: REFUSED_PUSH_SECONDS })))));
    }
    cases.forEach((c, i) => assertRefused(results[i]!, c.what));

    await sleep(300);
    const logged = await callAction<EventList>(client, 'DescribeCallbackEvents', { PageSize: 100 });
    assert.equal(logged.TotalNum, 0, `no event for a refused push: ${JSON.stringify(logged.EventList)}`);
    assert.equal(receiver.requests.length, 0, 'the receiver got nothing');
    assert.equal(livehook.pushes.size, 0, 'nothing is live');
  });

  test('accepted: master key, backup key, lowercase txTime, and a past txTime still within AuthDelta', async () => {
    const future = hexTime(nowSec() + 600);
    const pushes = [
      { stream: 'master_ok', query: signed(masterKey, 'master_ok', future) },
      { stream: 'backup_ok', query: signed(BACKUP_KEY, 'backup_ok', future) },
      { stream: 'lower_ok', query: signed(masterKey, 'lower_ok', future.toLowerCase()) },
      { stream: 'grace_ok', query: `${signed(masterKey, 'grace_ok', hexTime(nowSec() - Math.min(60, authDelta - 60)))}&extra=1` },
    ];
    const results = await Promise.all(pushes.map((p) => push({ url: url(p.stream, p.query), tcUrl: tcUrl(), seconds: 1.5 })));
    results.forEach((r, i) => assert.equal(r.code, 0, `${pushes[i]!.stream}: ${describeResult(r)}`));
    for (const p of pushes) {
      const [begin] = await receiver.waitFor(1, { path: '/begin', filter: forStream(p.stream), timeoutMs: 5000 });
      const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(p.stream), timeoutMs: 5000 });
      const start = begin?.json as Record<string, unknown>;
      assert.equal(start.stream_param, p.query, 'stream_param carries txSecret/txTime verbatim');
      assert.equal((end?.json as Record<string, unknown>).sequence, start.sequence);
    }
  });

  test('a second publisher of a live stream is refused; the first goes on unaffected', async () => {
    const stream = 'busy_stream';
    const query = signed(masterKey, stream, hexTime(nowSec() + 600));
    const first = startPush({ url: url(stream, query), tcUrl: tcUrl() });
    try {
      await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });
      const second = await push({ url: url(stream, query), tcUrl: tcUrl(), seconds: REFUSED_PUSH_SECONDS });
      assertRefused(second, 'second publisher');
      await sleep(500);
      assert.ok(first.running, 'the first publisher is still pushing');
      assert.equal(receiver.received(forStream(stream)).length, 1, 'only the first push start so far');
      assert.ok(livehook.pushes.find(DOMAIN, 'live', stream), 'the first push is still live');
    } finally {
      const result = await first.stop();
      assert.equal(result.code, 0, describeResult(result));
    }
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
    const events = receiver.received(forStream(stream)).map((r) => r.json as Record<string, unknown>);
    assert.deepEqual(events.map((e) => e.event_type), [1, 0]);
    assert.equal(events[0]?.sequence, events[1]?.sequence);
    assert.equal((end?.json as Record<string, unknown>).errcode, 1, 'the first push ended normally');
    const logged = await callAction<EventList>(client, 'DescribeCallbackEvents', { StreamName: stream });
    assert.equal(logged.TotalNum, 2, 'the refused publisher logged nothing');
  });
});
