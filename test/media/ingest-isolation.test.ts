/**
 * The embedded RTMP ingest runs in a worker thread (issue 11 §1, "per process";
 * docs/rtmp-ingest.md): when that thread dies, the API goes on answering, the live push it held
 * gets its event 0 with errcode 11, one log line says so, and a new worker listens on the same
 * port after a backoff, where a new ffmpeg push starts as usual. A worker alive but stuck is
 * told by the watchdog's unanswered pings and ended the same way. The worker is ended (or hung)
 * through the supervisor's test hooks, which no network input reaches.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EndReason } from '../../src/media/end-reasons.js';
import { IngestSupervisor } from '../../src/media/ingest-supervisor.js';
import { forStream, waitUntil } from '../helpers/callbacks.js';
import { describeResult, startPush, type Push } from '../helpers/ffmpeg.js';
import { startIngestTestbed } from '../helpers/ingest-testbed.js';
import type { TestLivehook } from '../helpers/livehook.js';
import { captureLog, type LogLine } from '../helpers/log-capture.js';
import type { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.isolation.example.com';
/** Any restart's log line: after a crash, an exit, or the watchdog's termination of a stuck worker. */
const RESTART_LINE = /^rtmp ingest worker (crashed|exited|stuck); its pushes are ended and it restarts$/;
const STUCK_LINE = 'rtmp ingest worker stuck; its pushes are ended and it restarts';

interface IngestHealth {
  ready: boolean;
  state: string;
  restarts: number;
  rtmpPort: number;
}

interface Testbed {
  readonly livehook: TestLivehook;
  readonly receiver: Receiver;
  /** livehook's log lines so far. */
  readonly lines: LogLine[];
  goLive(stream: string): Push;
  /** Waits until a worker listens; returns /healthz's ingest part then. */
  listening(): Promise<IngestHealth>;
  /** Waits for the event 0 of `push` (of `stream`), ended by its worker's end: errcode 11, ffmpeg cut off. Returns its payload. */
  endedWithWorker(push: Push, stream: string, timeoutMs: number): Promise<{ sequence: string }>;
  /** The one restart so far done: a worker listens on `port` again, counted, and a new push of `stream` starts and ends as usual. */
  restartedAndServing(port: number, stream: string): Promise<void>;
}

/** A testbed for the tests of the describe this is called in: started before them, stopped after. */
function useTestbed(ingestHangTimeoutMs?: number): () => Testbed {
  let bed: Testbed | undefined;
  const running = new Set<Push>();

  before(async () => {
    const lines: LogLine[] = [];
    const { livehook, receiver } = await startIngestTestbed(DOMAIN, captureLog((line) => lines.push(line)), ingestHangTimeoutMs);
    const goLive = (stream: string): Push => {
      const p = startPush({ url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${DOMAIN}/live` });
      running.add(p);
      void p.done.then(() => running.delete(p));
      return p;
    };
    const listening = (): Promise<IngestHealth> =>
      waitUntil(async () => {
        const response = await fetch(`${livehook.httpUrl}/healthz`);
        const { ingest } = (await response.json()) as { ingest: IngestHealth };
        return response.status === 200 && ingest.ready ? { ready: ingest.ready, state: ingest.state, restarts: ingest.restarts, rtmpPort: ingest.rtmpPort } : undefined;
      }, { what: 'the ingest listening' });
    bed = {
      livehook,
      receiver,
      lines,
      goLive,
      listening,
      endedWithWorker: async (push, stream, timeoutMs) => {
        const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs });
        const payload = end!.json as { errcode: number; errmsg: string; sequence: string };
        assert.deepEqual([payload.errcode, payload.errmsg], [EndReason.ingestCrashed.errcode, EndReason.ingestCrashed.errmsg]);
        const exited = await push.done;
        assert.notEqual(exited.code, 0, `ffmpeg lost its connection\n${describeResult(exited)}`);
        return payload;
      },
      restartedAndServing: async (port, stream) => {
        assert.deepEqual(await listening(), { ready: true, state: 'running', restarts: 1, rtmpPort: port });
        const metrics = await (await fetch(`${livehook.httpUrl}/metrics`)).text();
        assert.match(metrics, /^livehook_ingest_restarts_total 1$/m);
        const next = goLive(stream);
        await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });
        const stopped = await next.stop();
        assert.equal(stopped.code, 0, describeResult(stopped));
        const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5_000 });
        assert.equal((end!.json as { errcode: number }).errcode, EndReason.clientStopped.errcode);
      },
    };
  });

  after(async () => {
    await Promise.all([...running].map((p) => p.kill()));
    await bed?.livehook.stop();
    await bed?.receiver.close();
  });

  return () => {
    if (!bed) throw new Error('the testbed did not start');
    return bed;
  };
}

describe('embedded RTMP ingest in a worker thread: a crash ends its pushes, not the process', () => {
  const testbed = useTestbed();

  test('a live push ends with errcode 11, the API answers throughout, the ingest restarts on its port and takes a new push', async () => {
    const { livehook, receiver, lines, goLive, listening, endedWithWorker, restartedAndServing } = testbed();
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

    const ended = await endedWithWorker(first, 'before_crash', 5_000);
    assert.equal(ended.sequence, (begin!.json as { sequence: string }).sequence);

    const crashes = lines.filter((line) => RESTART_LINE.test(line.msg));
    assert.equal(crashes.length, 1, JSON.stringify(crashes));
    assert.deepEqual([crashes[0]!.pushesEnded, crashes[0]!.restartInMs, crashes[0]!.part], [1, 500, 'rtmp']);

    await restartedAndServing(port, 'after_restart');
  });

  test('a worker that dies again soon after its restart waits twice as long before the next', async () => {
    const { livehook, lines, listening } = testbed();
    await livehook.ingest!.crashForTest();
    await listening();
    const delays = lines.filter((line) => RESTART_LINE.test(line.msg)).map((line) => line.restartInMs);
    assert.deepEqual(delays, [500, 1000]);
  });
});

describe('a worker alive but stuck: the watchdog terminates it, and it restarts as after a crash', () => {
  // Short for the tests; a healthy worker answers a ping within milliseconds even on a busy machine.
  const HANG_TIMEOUT_MS = 1500;
  const testbed = useTestbed(HANG_TIMEOUT_MS);

  test('a live push ends with errcode 11 once the worker has not answered for the timeout; the ingest restarts and takes a new push', async () => {
    const { livehook, receiver, lines, goLive, listening, endedWithWorker, restartedAndServing } = testbed();
    const port = livehook.rtmpPort;
    await listening();
    const first = goLive('before_hang');
    await receiver.waitFor(1, { path: '/begin', filter: forStream('before_hang'), timeoutMs: 10_000 });

    livehook.ingest!.hangForTest();
    const domains = await livehook.client().DescribeLiveDomains({});
    assert.equal(domains.AllCount, 1, 'the API answers while the worker is stuck');

    // The timeout, then the callback's delivery: a few seconds' slack for a busy machine.
    await endedWithWorker(first, 'before_hang', HANG_TIMEOUT_MS + 5_000);

    const stuck = lines.filter((line) => RESTART_LINE.test(line.msg));
    assert.equal(stuck.length, 1, JSON.stringify(stuck));
    const { msg, err, pushesEnded, restartInMs } = stuck[0]! as LogLine & { err: { message: string } };
    assert.deepEqual([msg, err.message, pushesEnded, restartInMs], [STUCK_LINE, 'rtmp ingest worker did not answer for 1.5 s (stuck); terminated', 1, 500]);

    await restartedAndServing(port, 'after_hang');
  });

  test('a main thread blocked for three times the timeout does not restart a healthy worker', async () => {
    const { livehook } = testbed();
    const lines: LogLine[] = [];
    const supervisor = new IngestSupervisor({
      host: '127.0.0.1',
      port: 0,
      limits: { maxConnections: 10, maxConnectionsPerIp: 10, handshakeTimeoutMs: 5_000, setupTimeoutMs: 10_000, idleTimeoutMs: 20_000 },
      sessions: livehook.pushes,
      log: captureLog((line) => lines.push(line)),
      logToStdout: false,
      hangTimeoutMs: HANG_TIMEOUT_MS,
    });
    try {
      const port = await supervisor.start();
      // Blocked from a setImmediate callback, so that the loop's next phase is the timers': the
      // watchdog ticks before the pong the worker queued meanwhile is read, as after any long block.
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * HANG_TIMEOUT_MS);
          resolve();
        }),
      );
      // The fixed wait is what is tested: a watchdog fooled by the block would end the worker within it.
      await sleep(HANG_TIMEOUT_MS);
      assert.deepEqual(supervisor.status(), { ready: true, state: 'running', rtmpPort: port, restarts: 0 });
      assert.deepEqual(lines.filter((line) => RESTART_LINE.test(line.msg)), []);

      // The watchdog watched this worker all along: stuck, it is restarted.
      supervisor.hangForTest();
      await waitUntil(() => supervisor.status().restarts === 1 && supervisor.status().ready, { what: 'the stuck worker restarted' });
    } finally {
      await supervisor.stop();
    }
  });
});
