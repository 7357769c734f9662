/**
 * One recording session: one format of one push, recorded by one ffmpeg. It reports the
 * session's status as event 332 (start succeeded or failed, error, ended; always start before
 * end, all with one `session_id` and an increasing `seq`) and what its ffmpeg saw in the stream
 * as event 341, one event per exception type and report window, filtered by the template's
 * RecordExceptionLevels. livehook cannot pause a recording, so it never sends paused/resumed.
 */
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { CallbackTemplate, RecordFormat } from '../bindings/config-cache.js';
import { randomDecimalId, recordExceptionSeen, recordStatusChanged, type LiveEvent } from '../events/builders.js';
import { templateWants } from '../events/callback-url.js';
import type { EventSink } from '../events/emit.js';
import type { RecordEvent } from '../events/payloads.js';
import type { PushSession } from '../media/push-sessions.js';
import type { FfmpegExit, FfmpegProcess } from './ffmpeg.js';
import { PacketWatch } from './packet-watch.js';

/** How often a session reports the exceptions seen since the last report (Tencent merges them too). */
const REPORT_WINDOW_MS = 5000;

export interface RecordSessionDeps {
  readonly events: EventSink;
  readonly log: Logger;
  /** The callback template that applies to the push now (its RecordExceptionLevels filter 341). */
  readonly template: () => CallbackTemplate | undefined;
}

/** Why ffmpeg ended: the last line it wrote to stderr, else its exit code or signal. */
const exitReason = (exit: FfmpegExit): string =>
  exit.stderrTail.trim().split('\n').at(-1)?.trim() || `ffmpeg exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`;

export class RecordSession {
  readonly id = randomDecimalId();
  readonly #watch = new PacketWatch();
  #seq = 0;
  #started = false;
  #stopping = false;
  /** Every event of the session is emitted after the previous one is stored: start always comes first. */
  #chain: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly push: PushSession,
    private readonly format: RecordFormat,
    private readonly deps: RecordSessionDeps,
  ) {
    this.#timer = setInterval(() => this.#report(), REPORT_WINDOW_MS);
    this.#timer.unref();
  }

  /** Reads the ffmpeg's packet lines (`framecrc` on pipe `fd`). */
  watch(ffmpeg: FfmpegProcess, fd: number): void {
    const lines = createInterface({ input: ffmpeg.output(fd) });
    lines.on('line', (line) => {
      if (!this.#watch.line(line)) return;
      this.#started = true;
      this.#status('record_start_succeeded');
      this.#watch.checkTracks();
    });
  }

  /** The push ended: ffmpeg is expected to finish now, so its exit is no error. */
  stopping(): void {
    this.#stopping = true;
  }

  /** ffmpeg exited and its files were announced: the session's last events. Resolves once all are stored. */
  finish(exit: FfmpegExit): Promise<void> {
    clearInterval(this.#timer);
    const failed = exit.code !== 0 && !this.#stopping;
    if (!this.#started) {
      this.#watch.pullFailed(exitReason(exit));
      this.#status('record_start_failed');
    } else if (failed) {
      this.#watch.pullFailed(exitReason(exit));
      this.#status('record_error');
    }
    this.#report();
    if (this.#started) this.#status('record_ended');
    return this.#chain;
  }

  #status(event: RecordEvent): void {
    const info = { sessionId: this.id, format: this.format, event, seq: ++this.#seq, at: Date.now() };
    this.#emit(recordStatusChanged(this.push.context, info));
  }

  #report(): void {
    const template = this.deps.template();
    for (const seen of this.#watch.flush()) {
      const event = recordExceptionSeen(this.push.context, { sessionId: this.id, format: this.format, at: Date.now(), ...seen });
      if (templateWants(template, event.payload)) this.#emit(event);
      else this.deps.log.debug({ exception: event.payload.exception, level: seen.level }, 'recording exception not sent: level not in RecordExceptionLevels');
    }
  }

  #emit(event: LiveEvent): void {
    this.#chain = this.#chain
      .then(() => this.deps.events.emit(event))
      .then(
        () => undefined,
        (rawError: unknown) => this.deps.log.error({ err: rawError, eventType: event.payload.event_type }, 'recording event could not be stored'),
      );
  }
}
