/**
 * The classifier's worker thread: loads TensorFlow.js (wasm backend) and MobileNetV2, says
 * `ready`, then classifies one frame per `classify` message. The main thread sends a frame only
 * when the previous one is answered, so there is no queue here.
 * Input: 224×224 RGB bytes (rgb24, row-major). nsfwjs feeds the model pixel / 255 (floats in
 * [0, 1], no mean/std normalisation) as a [1, 224, 224, 3] tensor; this does the same.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Tensor } from '@tensorflow/tfjs';
import { INPUT_SIZE, NSFW_CLASSES, RGB224_BYTES, type ClassScores } from './classes.js';
import type { FromWorker, ToWorker, WorkerOptions } from './worker-protocol.js';

const started = performance.now();
if (!parentPort) throw new Error('classifier-worker.ts runs as a worker thread only');
const port = parentPort;
const post = (message: FromWorker): void => port.postMessage(message);
const options = workerData as WorkerOptions;

try {
  const { tf, initWasmBackend } = await import('./tf-runtime.js');
  const { loadNsfwModel } = await import('./model-store.js');
  const importMs = performance.now() - started;
  const { backend, ms: backendMs } = await initWasmBackend();
  const { model, info } = await loadNsfwModel({
    cacheDir: options.modelCacheDir,
    warn: (message, error) => post({ type: 'warn', message, error: error.stack ?? error.message }),
  });

  const input = new Float32Array(RGB224_BYTES);
  const infer = async (rgb: Uint8Array | null): Promise<Float32Array> => {
    if (rgb) for (let i = 0; i < RGB224_BYTES; i++) input[i] = rgb[i]! / 255;
    else input.fill(0);
    const output = tf.tidy(() => model.predict(tf.tensor4d(input, [1, INPUT_SIZE, INPUT_SIZE, 3])) as Tensor);
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  };

  const warmupStarted = performance.now();
  await infer(null);
  const warmupMs = performance.now() - warmupStarted;

  port.on('message', (message: ToWorker) => {
    const begun = performance.now();
    infer(message.rgb).then(
      (probabilities) => {
        const scores = Object.fromEntries(NSFW_CLASSES.map((name, i) => [name, probabilities[i] ?? 0])) as ClassScores;
        post({ type: 'result', id: message.id, scores, ms: performance.now() - begun });
      },
      (rawError: unknown) => {
        const error = rawError instanceof Error ? rawError : new Error(String(rawError));
        post({ type: 'failed', id: message.id, message: error.message, stack: error.stack });
      },
    );
  });
  post({ type: 'ready', startup: { backend, importMs, backendMs, model: info, warmupMs, totalMs: performance.now() - started } });
} catch (rawError) {
  const error = rawError instanceof Error ? rawError : new Error(String(rawError));
  post({ type: 'fatal', message: error.message, stack: error.stack });
}
