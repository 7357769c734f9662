/**
 * The model file cache (moderation/model-store.ts), in this process on the wasm backend: the
 * first load reads the nsfwjs bundle and writes model.json + weights.bin, the next reads those
 * files, faster, and gives the same predictions; a corrupt cache is replaced; a cache that cannot
 * be written is reported and the bundled model is used.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cachePathFor, loadNsfwModel, type ModelLoadInfo } from '../../src/moderation/model-store.js';
import { initWasmBackend, tf } from '../../src/moderation/tf-runtime.js';
import { lavfiFrame, tempDir } from './support.js';

const SLOW = { timeout: 180_000 };

function predict(model: import('@tensorflow/tfjs').LayersModel, rgb: Buffer): number[] {
  return tf.tidy(() => {
    const input = tf.tensor4d(Float32Array.from(rgb, (v) => v / 255), [1, 224, 224, 3]);
    return Array.from((model.predict(input) as import('@tensorflow/tfjs').Tensor).dataSync());
  });
}

describe('model cache', () => {
  const cacheDir = tempDir('model-store');
  const frame = lavfiFrame('testsrc');
  const loaded: { info: ModelLoadInfo; output: number[] }[] = [];
  const warnings: string[] = [];
  const warn = (message: string, error: Error) => warnings.push(`${message}: ${error.message}`);

  before(async () => {
    await initWasmBackend();
  }, SLOW);
  after(() => tf.disposeVariables());

  test('first load: from the nsfwjs bundle, and the cache files are written', SLOW, async () => {
    const { model, info } = await loadNsfwModel({ cacheDir, warn });
    loaded.push({ info, output: predict(model, frame) });
    model.dispose();
    assert.equal(info.source, 'bundled');
    assert.equal(info.cacheWritten, true);
    const dir = await cachePathFor(cacheDir);
    assert.equal(info.cachePath, dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(json.livehook.source, 'nsfwjs@4.4.0/mobilenet_v2');
    assert.equal(json.livehook.weightsBytes, fs.statSync(path.join(dir, 'weights.bin')).size);
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.deepEqual(fs.readdirSync(cacheDir), [path.basename(dir)], 'no temporary directory left behind');
  });

  test('second load: from the files, faster, same predictions', SLOW, async () => {
    const { model, info } = await loadNsfwModel({ cacheDir, warn });
    loaded.push({ info, output: predict(model, frame) });
    model.dispose();
    const [bundled, cached] = loaded;
    assert.equal(cached!.info.source, 'cache');
    assert.equal(cached!.info.cacheWritten, false);
    assert.ok(cached!.info.ms < bundled!.info.ms, `cache ${cached!.info.ms.toFixed(0)} ms vs bundle ${bundled!.info.ms.toFixed(0)} ms`);
    assert.deepEqual(cached!.output, bundled!.output);
    assert.deepEqual(warnings, []);
  });

  test('a corrupt cache is reported, the bundle is loaded and the cache rewritten', SLOW, async () => {
    const weights = path.join(await cachePathFor(cacheDir), 'weights.bin');
    fs.truncateSync(weights, 1000);
    const { model, info } = await loadNsfwModel({ cacheDir, warn });
    const output = predict(model, frame);
    model.dispose();
    assert.equal(info.source, 'bundled');
    assert.equal(info.cacheWritten, true);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /model cache unreadable.*does not match its manifest/);
    assert.deepEqual(output, loaded[0]!.output);
    const again = await loadNsfwModel({ cacheDir, warn });
    again.model.dispose();
    assert.equal(again.info.source, 'cache');
  });

  test('a cache that cannot be written is reported and the bundled model still loads', SLOW, async () => {
    const blocked = path.join(tempDir('model-store-blocked'), 'file');
    fs.writeFileSync(blocked, 'not a directory');
    warnings.length = 0;
    const { model, info } = await loadNsfwModel({ cacheDir: blocked, warn });
    model.dispose();
    assert.equal(info.source, 'bundled');
    assert.equal(info.cacheWritten, false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cannot write the model cache/);
  });

  test('no cache dir: always the bundle', SLOW, async () => {
    const { model, info } = await loadNsfwModel({ cacheDir: null });
    model.dispose();
    assert.deepEqual({ source: info.source, cachePath: info.cachePath, cacheWritten: info.cacheWritten }, { source: 'bundled', cachePath: null, cacheWritten: false });
  });
});
