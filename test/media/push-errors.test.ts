/**
 * Event 321 (push error) with real ffmpeg pushes into the embedded ingest: an OBS-like push
 * (x264 with B-frames and a 2 s GOP, AAC audio, at real time) sends no 321 over several report
 * intervals, while a slide-show push at 2 fps sends 321 reports of type 15 to the template's
 * PushExceptionNotifyUrl, signed, with Tencent's fields. The detector's other types are covered
 * frame by frame in push-anomalies.test.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDomain, forStream, md5, sleep } from '../helpers/callbacks.js';
import { describeResult, requireFfmpeg, startPush } from '../helpers/ffmpeg.js';
import { startTestLivehook, tempDir, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.errors.example.com';
const KEY = 'pushErrorsKey';
/** Enough for two whole report intervals after the start. */
const PUSH_SECONDS = 12;

describe('push errors (event 321) from real pushes', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  let dir: string;
  let obsLike: string;

  before(async () => {
    requireFfmpeg();
    dir = tempDir('livehook-push-errors-');
    obsLike = path.join(dir, 'obs-like.flv');
    // What OBS sends by default: H.264 with B-frames, a 2 s key-frame interval, AAC at 48 kHz.
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(PUSH_SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', '-y', obsLike,
    ]);
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    const client = livehook.client();
    await bindDomain(client, DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin'), PushExceptionNotifyUrl: receiver.url('/error') }, KEY);
    await client.ModifyLivePushAuthKey({ DomainName: DOMAIN, Enable: 0 });
  });

  after(async () => {
    await livehook?.stop();
    await receiver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an OBS-like push sends no 321; a 2 fps push sends type 15 every interval', async () => {
    const url = (stream: string) => `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`;
    const healthy = startPush({ url: url('healthy'), tcUrl: `rtmp://${DOMAIN}/live`, file: obsLike, loop: false });
    const slow = startPush({ url: url('slideshow'), tcUrl: `rtmp://${DOMAIN}/live`, rate: 2, seconds: PUSH_SECONDS });
    const [h, s] = await Promise.all([healthy.done, slow.done]);
    assert.equal(h.code, 0, describeResult(h));
    assert.equal(s.code, 0, describeResult(s));
    await receiver.waitFor(2, { path: '/begin', timeoutMs: 5000 });
    // Reports go out at the end of each 5 s interval; the last whole one ended before the push did.
    await sleep(500);

    assert.deepEqual(receiver.received(forStream('healthy')).filter((r) => r.path === '/error').map((r) => r.rawBody), [], 'no push error for a healthy push');

    const reports = receiver.onPath('/error').filter(forStream('slideshow'));
    assert.ok(reports.length >= 1, `at least one 321 for the 2 fps push (got ${reports.length})`);
    for (const report of reports) {
      const body = report.json as Record<string, unknown>;
      assert.equal(body.event_type, 321);
      assert.equal(body.interface, 'general_callback');
      assert.equal(body.domain, DOMAIN);
      assert.equal(body.path, 'live');
      assert.equal(body.report_interval, 5000);
      assert.equal(body.user_ip, '127.0.0.1');
      assert.equal(body.sign, md5(KEY + String(body.t)));
      const events = body.abnormal_event as { type: number; count: number; detail: { desc: string; occur_time: number }[]; type_desc_en: string }[];
      assert.deepEqual(events.map((e) => e.type), [15]);
      assert.match(events[0]!.detail[0]!.desc, /video frame rate=2\.0/);
      assert.ok(Math.abs(Number(body.data_time) - report.at) < 5000, 'data_time is when the interval closed (ms)');
    }
  });
});
