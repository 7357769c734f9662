/** Messages between the classifier (main thread) and its worker threads. Types only. */
import type { ClassScores } from './classes.js';
import type { ModelLoadInfo } from './model-store.js';

export interface WorkerOptions {
  /** null = no file cache. */
  readonly modelCacheDir: string | null;
}

/** How a worker came up, in milliseconds per stage. */
export interface WorkerStartup {
  readonly backend: string;
  /** Importing TensorFlow.js and the model bundle loaders. */
  readonly importMs: number;
  readonly backendMs: number;
  readonly model: ModelLoadInfo;
  /** The first inference (kernel set-up), which is slower than the rest. */
  readonly warmupMs: number;
  /** From the worker's first line of code to ready. */
  readonly totalMs: number;
}

export type ToWorker = { readonly type: 'classify'; readonly id: number; readonly rgb: Uint8Array };

export type FromWorker =
  | { readonly type: 'ready'; readonly startup: WorkerStartup }
  | { readonly type: 'result'; readonly id: number; readonly scores: ClassScores; readonly ms: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string; readonly stack: string | undefined }
  | { readonly type: 'warn'; readonly message: string; readonly error: string }
  | { readonly type: 'fatal'; readonly message: string; readonly stack: string | undefined };
