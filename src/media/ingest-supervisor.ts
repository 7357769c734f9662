/**
 * Runs the embedded RTMP ingest in a worker thread and keeps it running (docs/rtmp-ingest.md,
 * "The ingest runs in a worker thread"). Media parsing never runs on the main event loop, and
 * whatever the worker throws (or however it dies) ends that worker only: its pushes end (errcode
 * 11, each with its event 0), one log line says why, and a new worker listens on the same port
 * after a backoff (0.5 s doubling to 30 s; back to 0.5 s once a worker has run for a minute).
 * A worker that is alive but stuck (answers no ping for 10 s) is terminated and ends the same way.
 */
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ListenError } from '../ops/listen-error.js';
import { destinationOf } from '../ops/log.js';
import { startWorker } from '../worker-thread.js';
import { EndReason } from './end-reasons.js';
import type { FromIngest, IngestWorkerData, ToIngest } from './ingest-protocol.js';
import { IngestLink } from './ingest-link.js';
import { IngestWatchdog } from './ingest-watchdog.js';
import type { PushSessions } from './push-sessions.js';
import type { IngestLimits } from './rtmp/connection-limits.js';
import type { MeterReading, MeterReadings } from './stream-meter.js';

const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long was stable: the next restart starts from the first delay again. */
const STABLE_RUN_MS = 60_000;
/** A listening worker that answers no ping for this long is stuck (./ingest-watchdog.ts). */
const HANG_TIMEOUT_MS = 10_000;
/** How long `stop` waits for the worker to end its pushes before terminating it. */
const STOP_TIMEOUT_MS = 5_000;
/**
 * A storm of connections grows V8's young generation to its default maximum (32 MiB of new
 * space), which is then part of the peak RSS; half of it holds 4,000 connections being set up
 * just as well (bench/rtmp-connections.ts: peak ~295–310 MB → ~280–293 MB). Media payloads are
 * Buffers outside the V8 heap.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 } as const;

export type IngestState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface IngestSupervisorOptions {
  readonly host: string;
  /** 0: any free port; restarts keep the port the first worker was given. */
  readonly port: number;
  readonly limits: IngestLimits;
  readonly sessions: PushSessions;
  /** The supervisor's lines (part 'rtmp'); the worker's go to the same place with the same bindings. */
  readonly log: Logger;
  /** The log is stdout (livehook's own), which the worker can write itself. Else its lines come through the main thread. */
  readonly logToStdout: boolean;
  /** Called for each worker started after one died. */
  readonly onRestart?: () => void;
  /** A listening worker that answers no ping for this long is terminated (and restarted); default 10 s. Tests shorten it. */
  readonly hangTimeoutMs?: number;
}

/** One worker's life. */
interface Life {
  readonly worker: Worker;
  readonly link: IngestLink;
  listeningAt: number | undefined;
  error: Error | undefined;
  /** Terminated by the watchdog: alive but answering nothing. */
  stuck: boolean;
  /** Pings the worker from when it listens until its life or livehook ends. */
  watchdog: IngestWatchdog | undefined;
  /** Resolves with the exit code once the worker has exited. */
  readonly exited: Promise<number>;
}

export class IngestSupervisor implements MeterReadings {
  readonly #options: IngestSupervisorOptions;
  #state: IngestState = 'starting';
  #port: number;
  #life: Life | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #nextDelayMs = FIRST_RESTART_DELAY_MS;
  #restarts = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: IngestSupervisorOptions) {
    this.#options = options;
    this.#port = options.port;
  }

  /** Starts the first worker; resolves with the port it listens on. Rejects with a ListenError if it cannot listen. */
  async start(): Promise<number> {
    const life = this.#spawn();
    try {
      this.#port = await this.#listening(life);
    } catch (error) {
      this.#state = 'stopped';
      await life.worker.terminate();
      throw error;
    }
    this.#state = 'running';
    return this.#port;
  }

  get state(): IngestState {
    return this.#state;
  }

  /** For /healthz: ready only while a worker listens. */
  status(): { ready: boolean; state: IngestState; rtmpPort: number; restarts: number } {
    return { ready: this.#state === 'running', state: this.#state, rtmpPort: this.#port, restarts: this.#restarts };
  }

  reading(sequence: string): MeterReading | undefined {
    return this.#life?.link.reading(sequence);
  }

  /** Tests only (not reachable from any input): the worker dies as if it had crashed. */
  async crashForTest(): Promise<void> {
    await this.#life?.worker.terminate();
  }

  /** Tests only (not reachable from any input): the worker spins forever, as if stuck; the watchdog ends it. */
  hangForTest(): void {
    this.#life?.worker.postMessage({ type: 'hang-for-test' } satisfies ToIngest);
  }

  /** Ends every push (errcode 5), closes every connection and the worker; no restart after. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#state = 'stopped';
      clearTimeout(this.#restartTimer);
      const life = this.#life;
      if (!life) return;
      life.watchdog?.stop();
      const stopped = new Promise<void>((resolve) => life.worker.on('message', (m: FromIngest) => m.type === 'stopped' && resolve()));
      life.worker.postMessage({ type: 'stop' } satisfies ToIngest);
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
      await Promise.race([stopped, timeout, life.exited]);
      await life.worker.terminate();
    })();
    return this.#stopping;
  }

  #spawn(): Life {
    const { host, limits, log, logToStdout, sessions } = this.#options;
    const lines = logToStdout ? undefined : new MessageChannel();
    const workerData: IngestWorkerData = {
      host,
      port: this.#port,
      limits,
      log: { level: log.level, bindings: log.bindings(), ...(lines && { lines: lines.port2 }) },
    };
    const worker = startWorker(import.meta.url, 'ingest-worker', { workerData, transferList: lines ? [lines.port2] : [], resourceLimits: WORKER_LIMITS });
    if (lines) {
      const destination = destinationOf(log);
      lines.port1.on('message', (line: string) => destination.write(line));
      lines.port1.unref();
    }
    const life: Life = {
      worker,
      link: new IngestLink(worker, sessions),
      listeningAt: undefined,
      error: undefined,
      stuck: false,
      watchdog: undefined,
      exited: new Promise((resolve) => worker.once('exit', resolve)),
    };
    this.#life = life;
    worker.on('message', (message: FromIngest) => {
      switch (message.type) {
        case 'listening':
          life.listeningAt = Date.now();
          // A worker told to stop while it was starting is not watched: stop() ends it.
          if (this.#state !== 'stopped') life.watchdog = this.#watch(life);
          return;
        case 'pong':
          return life.watchdog?.pong(message.id);
        case 'listen-failed':
        case 'stopped':
          return;
        default:
          return life.link.handle(message);
      }
    });
    worker.on('error', (error) => (life.error = error));
    void life.exited.then((code) => this.#exited(life, code));
    return life;
  }

  /** A stuck worker is terminated with its cause set; its exit then ends its pushes and restarts it like a crash. */
  #watch(life: Life): IngestWatchdog {
    const timeoutMs = this.#options.hangTimeoutMs ?? HANG_TIMEOUT_MS;
    return new IngestWatchdog(life.worker, timeoutMs, () => {
      life.error = new Error(`rtmp ingest worker did not answer for ${timeoutMs / 1000} s (stuck); terminated`);
      life.stuck = true;
      void life.worker.terminate();
    });
  }

  /** The port the worker listens on, once it does; rejects if it cannot or dies first. */
  #listening(life: Life): Promise<number> {
    const { host } = this.#options;
    return new Promise((resolve, reject) => {
      life.worker.on('message', (message: FromIngest) => {
        if (message.type === 'listening') resolve(message.port);
        if (message.type === 'listen-failed') reject(new ListenError('the RTMP ingest', host, this.#port, '--host, --rtmp-port', message.message));
      });
      void life.exited.then((code) => reject(life.error ?? new Error(`the RTMP ingest worker exited with code ${code} before it listened`)));
    });
  }

  #exited(life: Life, code: number): void {
    life.watchdog?.stop();
    const reason = this.#state === 'stopped' ? EndReason.shutdown : EndReason.ingestCrashed;
    const pushesEnded = life.link.held;
    life.link.abandon(reason);
    if (this.#life === life) this.#life = undefined;
    if (this.#state === 'stopped' || this.#state === 'starting') return;
    const ranMs = life.listeningAt === undefined ? 0 : Date.now() - life.listeningAt;
    if (ranMs >= STABLE_RUN_MS) this.#nextDelayMs = FIRST_RESTART_DELAY_MS;
    const delayMs = this.#nextDelayMs;
    this.#nextDelayMs = Math.min(delayMs * 2, MAX_RESTART_DELAY_MS);
    this.#state = 'restarting';
    this.#options.log.error(
      { err: life.error, exitCode: code, ranMs, pushesEnded, restartInMs: delayMs },
      `rtmp ingest worker ${life.stuck ? 'stuck' : life.error ? 'crashed' : 'exited'}; its pushes are ended and it restarts`,
    );
    this.#restartTimer = setTimeout(() => this.#restart(), delayMs);
    this.#restartTimer.unref();
  }

  #restart(): void {
    if (this.#state === 'stopped') return;
    this.#restarts += 1;
    this.#options.onRestart?.();
    const life = this.#spawn();
    // A worker that cannot listen again (the port was taken meanwhile) is ended like a crash.
    this.#listening(life).then(
      () => {
        if (this.#state === 'restarting' && this.#life === life) this.#state = 'running';
      },
      (error: unknown) => {
        life.error ??= error instanceof Error ? error : new Error(String(error));
        void life.worker.terminate();
      },
    );
  }
}
