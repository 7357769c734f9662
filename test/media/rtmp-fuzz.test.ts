/**
 * Fuzzing the embedded ingest (issue 11 §3): thousands of random and mutated RTMP handshakes,
 * chunks, AMF0 command messages and publish flows with random media (test/helpers/
 * rtmp-fuzz-cases.ts) against a real livehook. The process must survive, /healthz must answer
 * after every batch, and a well-formed ffmpeg push must still work afterwards. A failing case is
 * shrunk by fast-check and printed with its seed (FUZZ_SEED=<seed> replays it).
 * bench/rtmp-fuzz.ts runs the same cases 100,000 at a time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bindDomain, callAction, forStream } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg } from '../helpers/ffmpeg.js';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { captureLog, type LogLine } from '../helpers/log-capture.js';
import { Receiver } from '../helpers/receiver.js';
import { FUZZ_DOMAIN, fuzzCase, playCase } from '../helpers/rtmp-fuzz-cases.js';

const CHECK_DOMAIN = 'push.fuzz-check.example.com';
/** Connections played at once per property run, and runs: 3,200 cases. */
const BATCH = 8;
const RUNS = 400;
/** How long each case waits for the server to react before closing. */
const LINGER_MS = 20;

describe('embedded RTMP ingest under fuzzing', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  const counts = { refused: 0, unexpected: 0, pushesAccepted: 0 };
  /** The errors behind "closed on an unexpected error" (bugs in the library's parsers, caught). */
  const unexpected = new Set<string>();

  before(async () => {
    requireFfmpeg();
    const count = (line: LogLine): void => {
      if (line.msg === 'rtmp connection refused') counts.refused += 1;
      if (line.msg === 'push accepted') counts.pushesAccepted += 1;
      if (line.msg.includes('error while handling it')) {
        counts.unexpected += 1;
        unexpected.add((line.err as { message?: string } | undefined)?.message ?? line.msg);
      }
    };
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true }, log: captureLog(count) });
    const client = livehook.client();
    await bindDomain(client, CHECK_DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') });
    await callAction(client, 'AddLiveDomain', { DomainName: FUZZ_DOMAIN, DomainType: 0 });
    for (const domain of [FUZZ_DOMAIN, CHECK_DOMAIN]) await callAction(client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
  });

  after(async () => {
    await livehook?.stop();
    await receiver?.close();
  });

  test(`${BATCH * RUNS} random and mutated handshakes, chunks, commands and media: the process survives, /healthz answers`, async (t) => {
    let cases = 0;
    const started = Date.now();
    const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await Promise.all(batch.map((c) => playCase(livehook.rtmpPort, c, LINGER_MS)));
        cases += batch.length;
        const health = await fetch(`${livehook.httpUrl}/healthz`);
        assert.equal(health.status, 200, `/healthz after a batch: ${await health.text()}`);
      }),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
    t.diagnostic(
      `${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; ${counts.refused} connections refused with a reason, ` +
        `${counts.unexpected} closed on an unexpected error (${[...unexpected].join('; ')}), ${counts.pushesAccepted} fuzzed publishes admitted`,
    );
    assert.ok(cases >= BATCH * RUNS);
  });

  test('afterwards a well-formed ffmpeg push starts and ends normally', async () => {
    const stream = 'after_fuzz';
    const result = await push({ url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${CHECK_DOMAIN}/live`, seconds: 1 });
    assert.equal(result.code, 0, describeResult(result));
    const [begin] = await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 5000 });
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
    assert.equal((begin?.json as { width: number }).width, 320);
    assert.equal((end?.json as { errcode: number }).errcode, 1);
  });
});
