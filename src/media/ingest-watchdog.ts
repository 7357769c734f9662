/**
 * Tells a stuck ingest worker from a live one (docs/rtmp-ingest.md, "The ingest runs in a worker
 * thread"). A worker that never returns to its event loop (an endless loop in parsing) does not
 * exit, so without this its pushes would hang and the supervisor would never restart it.
 */
import type { Worker } from 'node:worker_threads';
import type { ToIngest } from './ingest-protocol.js';

/** Ticks per hang timeout: the default 10 s pings once a second. */
const TICKS_PER_TIMEOUT = 10;

export class IngestWatchdog {
  readonly #timer: NodeJS.Timeout;
  #nextId = 1;
  /** The ping not answered yet; one at a time. */
  #awaiting: number | undefined;
  #unansweredTicks = 0;

  /** Pings `worker` from now on; calls `onStuck` once, and stops, when a ping stays unanswered for `timeoutMs`. */
  constructor(worker: Worker, timeoutMs: number, onStuck: () => void) {
    // Judged by main's own ticks, not by the time since the last pong: after main itself was
    // blocked, at most one tick runs before the pong the worker queued meanwhile is read.
    this.#timer = setInterval(() => {
      if (this.#awaiting === undefined) {
        this.#awaiting = this.#nextId++;
        worker.postMessage({ type: 'ping', id: this.#awaiting } satisfies ToIngest);
      } else if (++this.#unansweredTicks >= TICKS_PER_TIMEOUT) {
        this.stop();
        onStuck();
      }
    }, timeoutMs / TICKS_PER_TIMEOUT);
    this.#timer.unref();
  }

  pong(id: number): void {
    if (id !== this.#awaiting) return;
    this.#awaiting = undefined;
    this.#unansweredTicks = 0;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
