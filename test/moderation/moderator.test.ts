/**
 * The moderator over a real classifier: a classifier that fails as a whole (a worker killed by
 * V8 while loading the model) is replaced by a new one after the retry pause, instead of leaving
 * porn detection off until livehook restarts. Needs ffmpeg on PATH (for the frame).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassifier, type ClassifierOptions } from '../../src/moderation/classifier.js';
import { Moderator } from '../../src/moderation/moderator.js';
import { DEFAULT_THRESHOLDS } from '../../src/moderation/thresholds.js';
import { lavfiFrame, silentLog, tempDir } from './support.js';

test('a failed classifier: frames are refused during the retry pause, then a new classifier judges them', { timeout: 180_000 }, async () => {
  const made: string[] = [];
  const moderator = new Moderator({
    modelCacheDir: tempDir('moderator-cache'),
    thresholds: DEFAULT_THRESHOLDS,
    sendAll: false,
    workers: 1,
    log: silentLog,
    retryAfterMs: 1000,
    createClassifier: (options: ClassifierOptions) => {
      // The first one gets a heap far too small for TensorFlow.js, so its worker dies starting.
      const broken = made.length === 0;
      made.push(broken ? 'broken' : 'sound');
      return createClassifier(broken ? { ...options, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } } : options);
    },
  });
  const frame = lavfiFrame('testsrc');
  try {
    await assert.rejects(moderator.review('s', frame), /worker 0 exited/);
    await assert.rejects(moderator.review('s', frame), /worker 0 exited/, 'refused during the pause, without a new classifier');
    assert.deepEqual(made, ['broken']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(await moderator.review('s', frame), null, 'testsrc passes with the default thresholds');
    assert.deepEqual(made, ['broken', 'sound']);
    assert.equal(moderator.stats()?.classified, 1);
  } finally {
    await moderator.close();
  }
});
