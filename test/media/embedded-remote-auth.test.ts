/**
 * Remote push authentication with real ffmpeg pushes into the embedded ingest
 * (docs/remote-push-auth.md): the domain's server answers 200 → the push starts and calls back;
 * 403 → ffmpeg fails at once and nothing is called back; a server that does not answer in time →
 * the domain's onFailure decides (allow by default, deny when set). Every call is counted in
 * /metrics by result.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDomain, callAction, forStream, md5, sleep } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg } from '../helpers/ffmpeg.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { HANG, Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.remote-auth.example.com';

describe('remote push authentication decides embedded pushes', () => {
  let livehook: TestLivehook;
  let client: LiveClient;
  let receiver: Receiver;
  let auth: Receiver;
  let masterKey: string;
  /** What the auth server answers, by stream name. */
  const answers = new Map<string, number | typeof HANG>();

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    auth = await Receiver.start({
      respond: (req) => answers.get(new URL(req.url, 'http://x').searchParams.get('uri')?.split('?')[0]?.split('/')[2] ?? '') ?? 500,
    });
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = livehook.client();
    await bindDomain(client, DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') });
    masterKey = (await client.DescribeLivePushAuthKey({ DomainName: DOMAIN })).PushAuthKeyInfo!.MasterAuthKey!;
    await callAction(client, 'ModifyLiveRemotePushAuth', { DomainName: DOMAIN, Enable: 1, Url: auth.url('/check'), TimeoutMs: 500, Retries: 1 });
  });

  after(async () => {
    await livehook?.stop();
    await receiver?.close();
    await auth?.close();
  });

  const pushOnce = (stream: string, seconds = 1) => {
    const txTime = Math.floor(Date.now() / 1000 + 600).toString(16).toUpperCase();
    return push({ url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}?txSecret=${md5(masterKey + stream + txTime)}&txTime=${txTime}`, tcUrl: `rtmp://${DOMAIN}/live`, seconds });
  };

  test('200 lets the push in: events 1 and 0, and the server was asked once with the push details', async () => {
    answers.set('allowed', 200);
    const result = await pushOnce('allowed');
    assert.equal(result.code, 0, describeResult(result));
    await receiver.waitFor(1, { path: '/end', filter: forStream('allowed'), timeoutMs: 5000 });
    const asked = auth.received((r) => r.url.includes('%2Flive%2Fallowed'));
    assert.equal(asked.length, 1);
    const query = new URL(asked[0]!.url, 'http://x').searchParams;
    assert.equal(query.get('host'), DOMAIN);
    assert.equal(query.get('client_ip'), '127.0.0.1');
    assert.equal(asked[0]!.method, 'POST');
    assert.deepEqual(Object.keys(asked[0]!.json as object), ['domain', 'app', 'stream', 'client_ip', 'stream_param']);
  });

  test('403 refuses the push at once, with no callback', async () => {
    answers.set('denied', 403);
    const result = await pushOnce('denied', 6);
    assert.notEqual(result.code, 0, `ffmpeg must fail\n${describeResult(result)}`);
    assert.ok(result.elapsedMs < 3000, `refused at once (${result.elapsedMs} ms)`);
    await sleep(300);
    assert.equal(receiver.received(forStream('denied')).length, 0);
    assert.equal(auth.received((r) => r.url.includes('%2Flive%2Fdenied')).length, 1, '403 is final: no retry');
  });

  test('no answer in time: retried, then onFailure decides (allow by default, then deny)', async () => {
    answers.set('silent_allow', HANG);
    const allowed = await pushOnce('silent_allow');
    assert.equal(allowed.code, 0, describeResult(allowed));
    await receiver.waitFor(1, { path: '/begin', filter: forStream('silent_allow'), timeoutMs: 5000 });
    assert.equal(auth.received((r) => r.url.includes('%2Flive%2Fsilent_allow')).length, 2, 'one try and one retry');

    await callAction(client, 'ModifyLiveRemotePushAuth', { DomainName: DOMAIN, OnFailure: 'deny', Retries: 0 });
    answers.set('silent_deny', HANG);
    const denied = await pushOnce('silent_deny', 6);
    assert.notEqual(denied.code, 0, `ffmpeg must fail\n${describeResult(denied)}`);
    assert.equal(receiver.received(forStream('silent_deny')).length, 0);
  });

  test('/metrics counts the calls by result', async () => {
    const text = await (await fetch(`${livehook.httpUrl}/metrics`)).text();
    for (const result of ['allowed', 'denied', 'failed-allowed', 'failed-denied']) {
      assert.match(text, new RegExp(`livehook_remote_push_auth_total\\{result="${result}"\\} 1\\b`), result);
    }
  });
});
