/**
 * Moderation: classifies 224×224 RGB frames with the NSFW model that ships inside nsfwjs, off the
 * main event loop. Imports node built-ins, pino's Logger type and its own folder; the model and
 * TensorFlow.js are loaded only inside the worker threads (classifier-worker.ts).
 *
 * Queueing. Frames wait in one FIFO per stream; idle workers take from the streams in turn
 * (round robin), so a busy stream cannot starve a quiet one. A stream holds at most
 * `maxPendingPerStream` waiting frames: a newer frame pushes the oldest waiting one out, whose
 * `classify()` resolves `null` and counts as dropped. Moderation is about what the stream shows
 * now, so when the model falls behind the freshest frames are the ones worth the time. A frame
 * already handed to a worker is never dropped. `classify()` only copies the frame and posts it;
 * it never waits for the model.
 *
 * Failure. A worker that cannot start, throws outside a classification, or exits, fails the whole
 * classifier: `ready` and every waiting or in-flight call reject with the cause, later calls
 * reject at once, and the error is logged. Nothing hangs. A failure inside one classification
 * rejects that call only. Build a new classifier to try again.
 *
 * Workers. Each worker is single-threaded (tfjs' wasm backend has no threads under Node) and
 * loads its own copy of the model (~10 MB). The first worker starts alone and fills the model
 * cache; the others start after it is ready and read the cache. `ready` resolves with the first.
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { RGB224_BYTES, type ClassScores } from './classes.js';
import { startWorker } from '../worker-thread.js';
import type { FromWorker, ToWorker, WorkerOptions, WorkerStartup } from './worker-protocol.js';

export type { ClassScores } from './classes.js';

export interface ClassifierOptions {
  /** Directory for the model file cache (e.g. `<data-dir>/models`); null = load the bundle every start. */
  readonly modelCacheDir: string | null;
  /** Frames of one stream that may wait for a worker; a newer one drops the oldest. Default 2. */
  readonly maxPendingPerStream?: number;
  /** Worker threads, each classifying one frame at a time. Default 1. */
  readonly workers?: number;
  readonly log: Logger;
  /** Node's per-worker heap limits; unset = Node's defaults. */
  readonly resourceLimits?: ResourceLimits;
}

export interface ClassifierStats {
  /** Frames classified since start. */
  readonly classified: number;
  /** Frames pushed out of a full stream queue (their `classify()` resolved null). */
  readonly dropped: number;
  /** Frames waiting for a worker. */
  readonly pending: number;
  /** Mean model time per frame inside the worker, ms (0 before the first frame). */
  readonly avgMs: number;
  /** Frames inside a worker right now. */
  readonly inFlight: number;
  /** Classifications that failed (their `classify()` rejected). */
  readonly failed: number;
  /** Workers that are up and classifying. */
  readonly workers: number;
  /** How the first worker started (model source and load times), null until it is ready. */
  readonly startup: WorkerStartup | null;
}

export interface Classifier {
  /** Resolves when a worker has loaded the model; rejects if it could not. Frames sent earlier wait. */
  readonly ready: Promise<void>;
  /** Class probabilities for one 224×224 rgb24 frame (150,528 bytes), or null if the frame was dropped. */
  classify(streamKey: string, rgb224: Uint8Array): Promise<ClassScores | null>;
  stats(): ClassifierStats;
  /** True once the classifier as a whole has failed (see Failure above): every call rejects. */
  readonly broken: boolean;
  /** Stops the workers; waiting and in-flight calls reject. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_PENDING_PER_STREAM = 2;

export function createClassifier(options: ClassifierOptions): Classifier {
  return new WorkerPoolClassifier(options);
}

interface Job {
  readonly streamKey: string;
  readonly rgb: Uint8Array<ArrayBuffer>;
  readonly resolve: (scores: ClassScores | null) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  ready: boolean;
  job: { readonly id: number; readonly job: Job } | null;
  lastError: Error | undefined;
}

type State = 'starting' | 'running' | 'failed' | 'closed';

class WorkerPoolClassifier implements Classifier {
  readonly ready: Promise<void>;
  readonly #log: Logger;
  readonly #maxPending: number;
  readonly #workerCount: number;
  readonly #workerData: WorkerOptions;
  readonly #resourceLimits: ResourceLimits | undefined;
  /** Waiting frames per stream; Map order is the round-robin order. */
  readonly #queues = new Map<string, Job[]>();
  readonly #slots: Slot[] = [];
  #state: State = 'starting';
  #error: Error | undefined;
  #settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #closing: Promise<void> | undefined;
  #nextId = 1;
  #pending = 0;
  #classified = 0;
  #dropped = 0;
  #failed = 0;
  #modelMs = 0;
  #startup: WorkerStartup | null = null;

  constructor(options: ClassifierOptions) {
    const maxPending = options.maxPendingPerStream ?? DEFAULT_MAX_PENDING_PER_STREAM;
    const workers = options.workers ?? 1;
    if (!Number.isInteger(maxPending) || maxPending < 0) throw new RangeError(`maxPendingPerStream must be an integer ≥ 0, got ${maxPending}`);
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be an integer ≥ 1, got ${workers}`);
    this.#log = options.log;
    this.#maxPending = maxPending;
    this.#workerCount = workers;
    this.#workerData = { modelCacheDir: options.modelCacheDir };
    this.#resourceLimits = options.resourceLimits;
    this.ready = new Promise<void>((resolve, reject) => (this.#settleReady = { resolve, reject }));
    // A failure is logged here and rethrown to whoever awaits `ready`; not awaiting it is not a crash.
    this.ready.catch(() => undefined);
    this.#spawn(0);
  }

  classify(streamKey: string, rgb224: Uint8Array): Promise<ClassScores | null> {
    if (this.#state === 'failed') return Promise.reject(this.#error!);
    if (this.#state === 'closed') return Promise.reject(new Error('moderation: classifier is closed'));
    if (rgb224.byteLength !== RGB224_BYTES) {
      return Promise.reject(new RangeError(`moderation: a frame is 224×224 rgb24 (${RGB224_BYTES} bytes), got ${rgb224.byteLength}`));
    }
    // A copy the worker can own (the caller's Buffer may be a slice of a shared pool).
    const rgb = new Uint8Array(rgb224);
    return new Promise<ClassScores | null>((resolve, reject) => {
      let queue = this.#queues.get(streamKey);
      if (!queue) this.#queues.set(streamKey, (queue = []));
      queue.push({ streamKey, rgb, resolve, reject });
      this.#pending++;
      this.#pump();
      while (queue.length > this.#maxPending) {
        const oldest = queue.shift()!;
        this.#pending--;
        this.#dropped++;
        oldest.resolve(null);
      }
      if (queue.length === 0 && this.#queues.get(streamKey) === queue) this.#queues.delete(streamKey);
    });
  }

  get broken(): boolean {
    return this.#state === 'failed';
  }

  stats(): ClassifierStats {
    return {
      classified: this.#classified,
      dropped: this.#dropped,
      pending: this.#pending,
      avgMs: this.#classified === 0 ? 0 : this.#modelMs / this.#classified,
      inFlight: this.#slots.filter((slot) => slot.job).length,
      failed: this.#failed,
      workers: this.#slots.filter((slot) => slot.ready).length,
      startup: this.#startup,
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const wasFailed = this.#state === 'failed';
      this.#state = 'closed';
      if (!wasFailed) this.#abandonAll(new Error('moderation: classifier is closed'));
      await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    })();
    return this.#closing;
  }

  #spawn(index: number): void {
    const worker = startWorker(import.meta.url, 'classifier-worker', { workerData: this.#workerData, resourceLimits: this.#resourceLimits });
    const slot: Slot = { index, worker, ready: false, job: null, lastError: undefined };
    this.#slots.push(slot);
    worker.on('message', (message: FromWorker) => this.#onMessage(slot, message));
    worker.on('error', (error) => (slot.lastError = error));
    worker.on('exit', (code) => {
      if (this.#state === 'closed' || this.#state === 'failed') return;
      this.#fail(new Error(`moderation: classifier worker ${index} exited with code ${code}`, { cause: slot.lastError }));
    });
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    switch (message.type) {
      case 'ready': {
        slot.ready = true;
        if (this.#state === 'starting') {
          this.#startup = message.startup;
          this.#state = 'running';
          const { model, importMs, backendMs, warmupMs, totalMs } = message.startup;
          this.#log.info(
            { backend: message.startup.backend, modelSource: model.source, modelMs: round(model.ms), importMs: round(importMs), backendMs: round(backendMs), warmupMs: round(warmupMs), startMs: round(totalMs), workers: this.#workerCount, cache: model.cachePath },
            'moderation: classifier ready',
          );
          this.#settleReady?.resolve();
          this.#settleReady = undefined;
          for (let i = 1; i < this.#workerCount; i++) this.#spawn(i);
        }
        break;
      }
      case 'result':
      case 'failed': {
        const current = slot.job;
        if (!current || current.id !== message.id) {
          this.#fail(new Error(`moderation: worker ${slot.index} answered frame ${message.id}, expected ${current?.id ?? 'none'}`));
          return;
        }
        slot.job = null;
        if (message.type === 'result') {
          this.#classified++;
          this.#modelMs += message.ms;
          current.job.resolve(message.scores);
        } else {
          this.#failed++;
          const error = new Error(`moderation: classification failed: ${message.message}`);
          if (message.stack) error.stack = message.stack;
          current.job.reject(error);
        }
        break;
      }
      case 'warn':
        this.#log.warn({ err: message.error }, `moderation: ${message.message}`);
        break;
      case 'fatal': {
        const error = new Error(`moderation: classifier worker ${slot.index} failed: ${message.message}`);
        if (message.stack) error.stack = message.stack;
        this.#fail(error);
        return;
      }
    }
    this.#pump();
  }

  /** Hands waiting frames to idle workers, taking streams in turn. */
  #pump(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.job) continue;
      const job = this.#takeNext();
      if (!job) return;
      const id = this.#nextId++;
      slot.job = { id, job };
      const message: ToWorker = { type: 'classify', id, rgb: job.rgb };
      slot.worker.postMessage(message, [job.rgb.buffer]);
    }
  }

  #takeNext(): Job | undefined {
    const first = this.#queues.entries().next();
    if (first.done) return undefined;
    const [streamKey, queue] = first.value;
    const job = queue.shift()!;
    this.#pending--;
    this.#queues.delete(streamKey);
    if (queue.length > 0) this.#queues.set(streamKey, queue); // to the back of the round
    return job;
  }

  #fail(error: Error): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    this.#state = 'failed';
    this.#error = error;
    this.#log.error({ err: error }, 'moderation: classifier failed; frames are not classified until it is recreated');
    this.#abandonAll(error);
    for (const slot of this.#slots) {
      slot.worker.terminate().catch((rawError: unknown) => this.#log.warn({ err: rawError }, 'moderation: terminating a worker after failure'));
    }
  }

  /** Rejects `ready` (if still open), every waiting frame and every frame inside a worker. */
  #abandonAll(error: Error): void {
    this.#settleReady?.reject(error);
    this.#settleReady = undefined;
    for (const queue of this.#queues.values()) for (const job of queue) job.reject(error);
    this.#queues.clear();
    this.#pending = 0;
    for (const slot of this.#slots) {
      slot.job?.job.reject(error);
      slot.job = null;
    }
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
