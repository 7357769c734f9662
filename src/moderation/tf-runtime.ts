/**
 * TensorFlow.js on the WebAssembly backend, with the .wasm binaries read from the installed
 * `@tensorflow/tfjs-backend-wasm` package (nothing is fetched). `@tensorflow/tfjs-node` cannot be
 * installed here, and the pure-JS `cpu` backend is ~20× slower on this model.
 * Loaded only inside the classifier worker (and by tests/benchmarks that measure the model).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

/** The directory holding tfjs-backend-wasm's .wasm files, with the trailing slash emscripten expects. */
export function wasmDir(): string {
  return path.dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'))) + path.sep;
}

let initialised: Promise<{ backend: string; ms: number }> | undefined;

/** Selects the wasm backend once per thread; later calls return the first call's outcome. */
export function initWasmBackend(): Promise<{ backend: string; ms: number }> {
  initialised ??= (async () => {
    const started = performance.now();
    setWasmPaths(wasmDir());
    if (!(await tf.setBackend('wasm'))) throw new Error('moderation: the TensorFlow.js wasm backend failed to initialise');
    await tf.ready();
    return { backend: tf.getBackend(), ms: performance.now() - started };
  })();
  return initialised;
}
