/**
 * The embedded RTMP ingest runs in a worker thread (issue 11 §1, "per process";
 * docs/rtmp-ingest.md): when that thread dies, the API goes on answering, the live push it held
 * gets its event 0 with errcode 11, one log line says so, and a new worker listens on the same
 * port after a backoff, where a new ffmpeg push starts as usual. The worker is ended through
 * the supervisor's test hook, which no network input reaches.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndReason } from '../../src/media/end-reasons.js';
import { forStream, waitUntil } from '../helpers/callbacks.js';
import { describeResult, startPush, type Push } from '../helpers/ffmpeg.js';
import { startIngestTestbed } from '../helpers/ingest-testbed.js';
import type { TestLivehook } from '../helpers/livehook.js';
import { captureLog, type LogLine } from '../helpers/log-capture.js';
import type { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.isolation.example.com';
const CRASH_LINE = /^rtmp ingest worker (crashed|exited); its pushes are ended and it restarts$/;

interface IngestHealth {
  ready: boolean;
  state: string;
  restarts: number;
  rtmpPort: number;
}

describe('embedded RTMP ingest in a worker thread: a crash ends its pushes, not the process', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  const lines: LogLine[] = [];
  const running = new Set<Push>();

  before(async () => {
    ({ livehook, receiver } = await startIngestTestbed(DOMAIN, captureLog((line) => lines.push(line))));
  });

  after(async () => {
    await Promise.all([...running].map((p) => p.kill()));
    await livehook?.stop();
    await receiver?.close();
  });

  function goLive(stream: string): Push {
    const p = startPush({ url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${DOMAIN}/live` });
    running.add(p);
    void p.done.then(() => running.delete(p));
    return p;
  }

  /** Waits until a worker listens; returns /healthz's ingest part then. */
  const listening = (): Promise<IngestHealth> =>
    waitUntil(async () => {
      const response = await fetch(`${livehook.httpUrl}/healthz`);
      const { ingest } = (await response.json()) as { ingest: IngestHealth };
      return response.status === 200 && ingest.ready ? { ready: ingest.ready, state: ingest.state, restarts: ingest.restarts, rtmpPort: ingest.rtmpPort } : undefined;
    }, { what: 'the ingest listening' });

  test('a live push ends with errcode 11, the API answers throughout, the ingest restarts on its port and takes a new push', async () => {
    const port = livehook.rtmpPort;
    assert.deepEqual(await listening(), { ready: true, state: 'running', restarts: 0, rtmpPort: port });

    const first = goLive('before_crash');
    const [begin] = await receiver.waitFor(1, { path: '/begin', filter: forStream('before_crash'), timeoutMs: 10_000 });
    // The worker's meter readings reach the API (one message a second).
    const measured = await waitUntil(async () => {
      const { DataInfoList } = await livehook.client().DescribeLiveStreamPushInfoList({ PushDomain: DOMAIN });
      const info = DataInfoList?.[0];
      return info && info.VideoFps > 0 ? info : undefined;
    }, { what: 'the live push measured', timeoutMs: 8_000 });
    assert.equal(measured.Vcodec, 'H264');

    await livehook.ingest!.crashForTest();
    assert.deepEqual(livehook.ingest!.status(), { ready: false, state: 'restarting', rtmpPort: port, restarts: 0 }, 'not ready until a worker listens again');
    const domains = await livehook.client().DescribeLiveDomains({});
    assert.equal(domains.AllCount, 1, 'the API answers while the ingest is down');

    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream('before_crash'), timeoutMs: 5_000 });
    const payload = end!.json as { errcode: number; errmsg: string; sequence: string };
    assert.deepEqual([payload.errcode, payload.errmsg], [EndReason.ingestCrashed.errcode, EndReason.ingestCrashed.errmsg]);
    assert.equal(payload.sequence, (begin!.json as { sequence: string }).sequence);
    const exited = await first.done;
    assert.notEqual(exited.code, 0, `ffmpeg lost its connection\n${describeResult(exited)}`);

    const crashes = lines.filter((line) => CRASH_LINE.test(line.msg));
    assert.equal(crashes.length, 1, JSON.stringify(crashes));
    assert.deepEqual([crashes[0]!.pushesEnded, crashes[0]!.restartInMs, crashes[0]!.part], [1, 500, 'rtmp']);

    assert.deepEqual(await listening(), { ready: true, state: 'running', restarts: 1, rtmpPort: port });
    const metrics = await (await fetch(`${livehook.httpUrl}/metrics`)).text();
    assert.match(metrics, /^livehook_ingest_restarts_total 1$/m);

    const second = goLive('after_restart');
    await receiver.waitFor(1, { path: '/begin', filter: forStream('after_restart'), timeoutMs: 10_000 });
    const stopped = await second.stop();
    assert.equal(stopped.code, 0, describeResult(stopped));
    const [secondEnd] = await receiver.waitFor(1, { path: '/end', filter: forStream('after_restart'), timeoutMs: 5_000 });
    assert.equal((secondEnd!.json as { errcode: number }).errcode, EndReason.clientStopped.errcode);
  });

  test('a worker that dies again soon after its restart waits twice as long before the next', async () => {
    await livehook.ingest!.crashForTest();
    await listening();
    const delays = lines.filter((line) => CRASH_LINE.test(line.msg)).map((line) => line.restartInMs);
    assert.deepEqual(delays, [500, 1000]);
  });
});
