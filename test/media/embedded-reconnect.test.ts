/**
 * A publisher that reconnects while its previous connection has not timed out yet (OBS after a
 * network blip; docs/live-state.md): the old connection has gone quiet, so the same publisher
 * (same client address, same push URL query) takes the stream over at once — the old push ends
 * with event 0 (errcode 12, "reconnected") before the new push's event 1. A publisher with another
 * query is still refused, and so is the same URL while the old connection still sends media.
 * The quiet connection is a real ffmpeg push stopped with SIGSTOP: its TCP connection stays open.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndReason } from '../../src/media/end-reasons.js';
import { TAKEOVER_IDLE_MS } from '../../src/media/push-sessions.js';
import { bindDomain, callAction, forStream, sleep } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg, startPush, type Push } from '../helpers/ffmpeg.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.reconnect.example.com';
/** A refused push fails well before the seconds it asked for. */
const REFUSED_PUSH_SECONDS = 6;

describe('embedded RTMP ingest: a reconnecting publisher takes its stream over', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  let client: LiveClient;
  const running = new Set<Push>();

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = livehook.client();
    await bindDomain(client, DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });
  });

  after(async () => {
    for (const p of running) {
      if (!p.running) continue;
      process.kill(p.pid, 'SIGCONT');
      await p.kill();
    }
    await livehook?.stop();
    await receiver?.close();
  });

  const url = (stream: string, query: string): string => `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}?${query}`;
  const tcUrl = `rtmp://${DOMAIN}/live`;

  function startLongPush(stream: string, query: string): Push {
    const p = startPush({ url: url(stream, query), tcUrl, noDelay: true });
    running.add(p);
    return p;
  }

  test('same address and query, old connection quiet: prompt takeover, old push ended first; another query is refused', async () => {
    const stream = 'blip';
    const query = 'client=obs1';
    const old = startLongPush(stream, query);
    await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });

    // The same URL while the old connection still sends media: refused, the old push goes on.
    const duplicate = await push({ url: url(stream, query), tcUrl, seconds: REFUSED_PUSH_SECONDS });
    assert.notEqual(duplicate.code, 0, `a second live connection is refused\n${describeResult(duplicate)}`);
    assert.ok(old.running);

    // Network blip: the old connection goes quiet without closing.
    process.kill(old.pid, 'SIGSTOP');
    await sleep(TAKEOVER_IDLE_MS + 300);

    // Another publisher (another query) is refused even now.
    const stranger = await push({ url: url(stream, 'client=someone-else'), tcUrl, seconds: REFUSED_PUSH_SECONDS });
    assert.notEqual(stranger.code, 0, `a different publisher is refused\n${describeResult(stranger)}`);
    assert.equal(receiver.received(forStream(stream)).length, 1, 'no event for the refused publishers');

    // The same publisher reconnects: it takes over at once.
    const reconnectedAt = Date.now();
    const fresh = startLongPush(stream, query);
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
