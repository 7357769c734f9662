/**
 * The event-321 detector on its own: a healthy stream (any frame rate from 5 to 60, any GOP up
 * to 10 s, audio or not, arrival jitter well under a second) never produces a report, and each
 * kind of fault produces exactly its type, in the interval it happened in.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AnomalyType, PushAnomalyWatch, type AnomalyReport } from '../../src/media/push-anomalies.js';

const T0 = 1_700_000_000_000;
const H264 = 7;
const AAC = 10;

interface StreamShape {
  fps: number;
  gopSeconds: number;
  audio: boolean;
  jitterMs: number;
  seconds: number;
}

/** Feeds a well-formed push and returns every report the watch made (one per 5 s). */
function runHealthy(shape: StreamShape, fault?: (watch: PushAnomalyWatch, dts: number, at: number) => void): AnomalyReport[] {
  const watch = new PushAnomalyWatch();
  const reports: AnomalyReport[] = [];
  const frames: { at: number; dts: number; flags: number }[] = [];
  const frameMs = 1000 / shape.fps;
  for (let i = 0; i * frameMs < shape.seconds * 1000; i++) {
    const dts = Math.round(i * frameMs);
    frames.push({ dts, at: 0, flags: i % Math.max(1, Math.round(shape.fps * shape.gopSeconds)) === 0 ? 3 : 4 });
  }
  if (shape.audio) for (let dts = 0; dts < shape.seconds * 1000; dts += 23) frames.push({ dts, at: 0, flags: 1 });
  frames.sort((a, b) => a.dts - b.dts);
  // Arrival: the wall clock follows the timestamps, each packet a little late (never reordered).
  let clock = T0 + 50;
  for (const frame of frames) {
    clock = Math.max(clock, T0 + 50 + frame.dts + ((frame.dts * 7919) % (shape.jitterMs + 1)));
    frame.at = clock;
  }
  watch.packet({ flags: 2, codecId: H264, dts: 0 }, T0 + 10);
  if (shape.audio) watch.packet({ flags: 0, codecId: AAC, dts: 0 }, T0 + 10);
  let nextReport = T0 + watch.intervalMs;
  for (const frame of frames) {
    while (frame.at >= nextReport) {
      const report = watch.report(nextReport);
      if (report) reports.push(report);
      nextReport += watch.intervalMs;
    }
    fault?.(watch, frame.dts, frame.at);
    watch.packet({ flags: frame.flags, codecId: frame.flags === 1 ? AAC : H264, dts: frame.dts }, frame.at);
  }
  return reports;
}

const typesOf = (reports: AnomalyReport[]): number[] => [...new Set(reports.flatMap((r) => r.abnormal_event.map((e) => e.type)))].sort((a, b) => a - b);

describe('push anomalies (event 321)', () => {
  test('a healthy push never reports, whatever its frame rate, GOP, audio and jitter', () => {
    fc.assert(
      fc.property(
        fc.record({
          fps: fc.integer({ min: 5, max: 60 }),
          gopSeconds: fc.integer({ min: 1, max: 10 }),
          audio: fc.boolean(),
          jitterMs: fc.integer({ min: 0, max: 400 }),
          seconds: fc.integer({ min: 1, max: 40 }),
        }),
        (shape) => {
          assert.deepEqual(runHealthy(shape), []);
        },
      ),
      { numRuns: 300 },
    );
  });

  const shape: StreamShape = { fps: 25, gopSeconds: 2, audio: true, jitterMs: 20, seconds: 12 };

  test('timestamps going backwards or jumping are reported as types 1–4', () => {
    let done = false;
    const reports = runHealthy(shape, (watch, dts, at) => {
      if (done || dts < 6000) return;
      done = true;
      watch.packet({ flags: 4, codecId: H264, dts: dts - 500 }, at);
      watch.packet({ flags: 4, codecId: H264, dts: dts + 3000 }, at);
      watch.packet({ flags: 1, codecId: AAC, dts: dts - 500 }, at);
      watch.packet({ flags: 1, codecId: AAC, dts: dts + 3000 }, at);
    });
    assert.deepEqual(typesOf(reports), [1, 2, 3, 4]);
    const report = reports[0]!;
    assert.equal(report.report_interval, 5000);
    assert.equal(report.data_time, T0 + 10_000, 'reported at the end of the interval it happened in');
    for (const event of report.abnormal_event) {
      assert.ok(event.count >= 1);
      assert.ok(event.detail.length >= 1 && event.detail[0]!.occur_time > T0);
      assert.ok(event.type_desc_en.length > 0);
    }
  });

  test('frames arriving more than a second apart are types 6 and 7, with the measured gap', () => {
    const watch = new PushAnomalyWatch();
    watch.packet({ flags: 2, codecId: H264, dts: 0 }, T0);
    watch.packet({ flags: 0, codecId: AAC, dts: 0 }, T0);
    watch.packet({ flags: 3, codecId: H264, dts: 0 }, T0 + 10);
    watch.packet({ flags: 1, codecId: AAC, dts: 0 }, T0 + 10);
    watch.packet({ flags: 4, codecId: H264, dts: 40 }, T0 + 1510);
    watch.packet({ flags: 1, codecId: AAC, dts: 23 }, T0 + 1510);
    const report = watch.report(T0 + 5000)!;
    assert.deepEqual(typesOf([report]), [AnomalyType.videoFramesLate, AnomalyType.audioFramesLate]);
    assert.match(report.abnormal_event.find((e) => e.type === 6)!.detail[0]!.desc, /interval=1500\(msec\)/);
  });

  test('codec changes, frames before headers, a big chunk size and a long GOP are types 8–11, 5 and 16 (with 3 and 15 from the same jump)', () => {
    const watch = new PushAnomalyWatch();
    watch.packet({ flags: 4, codecId: H264, dts: 0 }, T0);
    watch.packet({ flags: 1, codecId: AAC, dts: 0 }, T0);
    watch.chunkSize(65536, T0);
    watch.packet({ flags: 2, codecId: H264, dts: 0 }, T0);
    watch.packet({ flags: 2, codecId: 12, dts: 0 }, T0);
    watch.packet({ flags: 0, codecId: AAC, dts: 0 }, T0);
    watch.packet({ flags: 0, codecId: 2, dts: 0 }, T0);
    watch.packet({ flags: 3, codecId: 12, dts: 100 }, T0 + 100);
    watch.packet({ flags: 3, codecId: 12, dts: 11_000 }, T0 + 900);
    assert.deepEqual(typesOf([watch.report(T0 + 1000)!]), [3, 5, 8, 9, 10, 11, 15, 16]);
    assert.equal(watch.report(T0 + 6000), undefined, 'the next interval starts clean');
  });

  test('a slide-show frame rate (2 fps) is type 15, measured on the timestamps', () => {
    const watch = new PushAnomalyWatch();
    watch.packet({ flags: 2, codecId: H264, dts: 0 }, T0);
    let at = T0;
    const reports: (AnomalyReport | undefined)[] = [];
    for (let dts = 0; dts <= 15_000; dts += 500, at += 500) {
      if (at > T0 && (at - T0) % 5000 === 0) reports.push(watch.report(at));
      watch.packet({ flags: dts % 2000 === 0 ? 3 : 4, codecId: H264, dts }, at);
    }
    assert.equal(reports.length, 3);
    for (const report of reports) assert.deepEqual(typesOf([report!]), [15]);
    assert.match(reports[0]!.abnormal_event[0]!.detail[0]!.desc, /rate=2\.0/);
  });
});
