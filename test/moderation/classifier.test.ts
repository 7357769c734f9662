/**
 * The classifier with the real model (nsfwjs' MobileNetV2 on TensorFlow.js' wasm backend) in
 * real worker threads, fed real frames made by ffmpeg: the pinned output on a fixed test pattern,
 * the bounded per-stream queue, round robin between streams, close(), a worker that dies, and a
 * pool of two workers. Needs ffmpeg on PATH. Slow on a busy 2-core machine (model start-up).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NSFW_CLASSES, type ClassScores } from '../../src/moderation/classes.js';
import { createClassifier, type Classifier } from '../../src/moderation/classifier.js';
import { toModerationResult } from '../../src/moderation/to-result.js';
import { lavfiFrame, PROJECT_ROOT, silentLog, SRC_MODERATION, tempDir } from './support.js';

const SLOW = { timeout: 180_000 };
const TESTSRC = lavfiFrame('testsrc');

/**
 * What MobileNetV2 says about ffmpeg's `testsrc` at 224×224 (observed on this machine, wasm
 * backend): Drawing 0.9886, Hentai 0.0026, Neutral 0.0088, Porn 0.00006, Sexy 0.00001.
 */
const PINNED_TOP = { name: 'Drawing', score: 0.9886, tolerance: 0.02 } as const;

function topClass(scores: ClassScores): [string, number] {
  return Object.entries(scores).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
}

describe('classifier: one worker, fresh model cache', () => {
  let classifier: Classifier;
  const cacheDir = tempDir('model-cache');

  before(async () => {
    classifier = createClassifier({ modelCacheDir: cacheDir, maxPendingPerStream: 2, log: silentLog });
    await classifier.ready;
  }, SLOW);
  after(() => classifier.close());

  test('first start loads the bundled model on the wasm backend and writes the cache', () => {
    const startup = classifier.stats().startup;
    assert.ok(startup);
    assert.equal(startup.backend, 'wasm');
    assert.equal(startup.model.source, 'bundled');
    assert.equal(startup.model.cacheWritten, true);
    assert.equal(startup.model.cachePath, path.join(cacheDir, 'nsfwjs-4.4.0-mobilenet_v2'));
  });

  test('testsrc frame: five classes in model order, probabilities summing to 1, top class pinned', SLOW, async () => {
    const scores = await classifier.classify('pinned', TESTSRC);
    assert.ok(scores);
    assert.deepEqual(Object.keys(scores), [...NSFW_CLASSES]);
    for (const [name, p] of Object.entries(scores)) assert.ok(p >= 0 && p <= 1, `${name} = ${p}`);
    const sum = Object.values(scores).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-3, `sum = ${sum}`);
    const [name, score] = topClass(scores);
    assert.equal(name, PINNED_TOP.name);
    assert.ok(Math.abs(score - PINNED_TOP.score) <= PINNED_TOP.tolerance, `${name} = ${score}`);
    // A plain test pattern passes with the default thresholds (so it sends no event 317).
    assert.equal(toModerationResult(scores).suggestion, 'Pass');
    // The same frame gives the same answer.
    assert.deepEqual(await classifier.classify('pinned', TESTSRC), scores);
  });

  test('a different picture gets different scores (the input is really used)', SLOW, async () => {
    const grayFrame = lavfiFrame('color=c=0x808080');
    const [pattern, gray] = await Promise.all([classifier.classify('diff-a', TESTSRC), classifier.classify('diff-b', grayFrame)]);
    assert.ok(pattern && gray);
    assert.notDeepEqual(pattern, gray);
  });

  test('a stream holds at most maxPendingPerStream waiting frames: the oldest waiting one resolves null and counts as dropped', SLOW, async () => {
    const before = classifier.stats();
    const calls = [0, 1, 2, 3, 4].map(() => classifier.classify('busy', TESTSRC));
    // Frame 0 went straight to the idle worker; 1..4 wait, and only the newest two stay.
    const now = classifier.stats();
    assert.equal(now.inFlight, 1);
    assert.equal(now.pending, 2);
    assert.equal(now.dropped - before.dropped, 2);
    const results = await Promise.all(calls);
    assert.deepEqual(results.map((r) => (r === null ? 'dropped' : 'classified')), ['classified', 'dropped', 'dropped', 'classified', 'classified']);
    const after = classifier.stats();
    assert.equal(after.classified - before.classified, 3);
    assert.equal(after.pending, 0);
    assert.equal(after.inFlight, 0);
    assert.ok(after.avgMs > 0);
  });

  test('the bound is per stream: another stream keeps its frames', SLOW, async () => {
    const before = classifier.stats().dropped;
    const calls = [classifier.classify('one', TESTSRC), classifier.classify('one', TESTSRC), classifier.classify('one', TESTSRC), classifier.classify('two', TESTSRC), classifier.classify('two', TESTSRC)];
    const results = await Promise.all(calls);
    assert.equal(classifier.stats().dropped - before, 0);
    assert.ok(results.every((r) => r !== null));
  });

  test('streams take turns: a busy stream does not hold back another', SLOW, async () => {
    const order: string[] = [];
    const track = (label: string, stream: string) => classifier.classify(stream, TESTSRC).then(() => order.push(label));
    await Promise.all([track('a1', 'a'), track('a2', 'a'), track('a3', 'a'), track('b1', 'b')]);
    // a1 was in flight; then a2 (a's turn), b1 (b's turn), a3.
    assert.deepEqual(order, ['a1', 'a2', 'b1', 'a3']);
  });

  test('a frame of the wrong size is refused', async () => {
    await assert.rejects(classifier.classify('bad', Buffer.alloc(100)), RangeError);
  });
});

describe('classifier: start, close and failure', () => {
  const cacheDir = tempDir('model-cache');

  before(async () => {
    // Fill the cache so the classifiers below start from files.
    const first = createClassifier({ modelCacheDir: cacheDir, log: silentLog });
    await first.ready;
    await first.close();
  }, SLOW);

  test('frames sent before ready wait for the model (and the bound applies); a second start reads the cache', SLOW, async () => {
    const classifier = createClassifier({ modelCacheDir: cacheDir, maxPendingPerStream: 2, log: silentLog });
    try {
      const calls = [classifier.classify('early', TESTSRC), classifier.classify('early', TESTSRC), classifier.classify('early', TESTSRC)];
      assert.equal(classifier.stats().pending, 2);
      assert.equal(classifier.stats().dropped, 1);
      const results = await Promise.all(calls);
      assert.equal(results[0], null);
      assert.equal(topClass(results[1]!)[0], PINNED_TOP.name);
      assert.equal(classifier.stats().startup?.model.source, 'cache');
    } finally {
      await classifier.close();
    }
  });

  test('close() rejects waiting and in-flight frames, and every later call', SLOW, async () => {
    const classifier = createClassifier({ modelCacheDir: cacheDir, log: silentLog });
    await classifier.ready;
    const inFlight = classifier.classify('s', TESTSRC);
    const waiting = classifier.classify('s', TESTSRC);
    assert.equal(classifier.stats().inFlight, 1);
    const closed = classifier.close();
    await assert.rejects(inFlight, /closed/);
    await assert.rejects(waiting, /closed/);
    await closed;
    await assert.rejects(classifier.classify('s', TESTSRC), /closed/);
    await classifier.close(); // idempotent
  });

  test('after close() nothing keeps the process alive', SLOW, async () => {
    const script = `
      import { createClassifier } from ${JSON.stringify(pathToFileURL(path.join(SRC_MODERATION, 'classifier.ts')).href)};
      import pino from 'pino';
      const frame = Buffer.alloc(224 * 224 * 3, 128);
      const classifier = createClassifier({ modelCacheDir: ${JSON.stringify(cacheDir)}, log: pino({ level: 'silent' }) });
      await classifier.ready;
      const scores = await classifier.classify('s', frame);
      await classifier.close();
      console.log(JSON.stringify({ done: true, classes: Object.keys(scores) }));
      globalThis.closedAt = Date.now();
      process.on('exit', () => console.log('exit after ' + (Date.now() - globalThis.closedAt) + ' ms'));
    `;
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, timeout: 150_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`child failed or hung: ${error.message}\n${stderr}`)) : resolve({ stdout }),
      );
    });
    const [result, exit] = stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(result!), { done: true, classes: [...NSFW_CLASSES] });
    const ms = Number(/exit after (\d+) ms/.exec(exit ?? '')?.[1]);
    assert.ok(ms < 1000, `the process took ${ms} ms to exit after close()`);
  });

  test('a worker that dies rejects ready, waiting calls and later calls instead of hanging', SLOW, async () => {
    // A heap far too small for TensorFlow.js: the worker is killed by V8 while starting.
    const classifier = createClassifier({ modelCacheDir: cacheDir, log: silentLog, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } });
    const waiting = [classifier.classify('s', TESTSRC), classifier.classify('t', TESTSRC)];
    await assert.rejects(classifier.ready, /worker 0 exited with code 1/);
    for (const call of waiting) await assert.rejects(call, /worker 0 exited/);
    await assert.rejects(classifier.classify('s', TESTSRC), /worker 0 exited/);
    const stats = classifier.stats();
    assert.equal(stats.pending, 0);
    assert.equal(stats.workers, 0);
    await classifier.close();
  });

  test('a pool of two workers: the second starts from the cache and both classify', SLOW, async () => {
    const classifier = createClassifier({ modelCacheDir: cacheDir, workers: 2, log: silentLog });
    try {
      await classifier.ready;
      const deadline = Date.now() + 120_000;
      while (classifier.stats().workers < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(classifier.stats().workers, 2);
      const calls = ['a', 'b', 'c', 'd'].map((stream) => classifier.classify(stream, TESTSRC));
      assert.equal(classifier.stats().inFlight, 2);
      const results = await Promise.all(calls);
      for (const scores of results) assert.equal(topClass(scores!)[0], PINNED_TOP.name);
    } finally {
      await classifier.close();
    }
  });
});
