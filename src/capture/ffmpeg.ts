/**
 * Every ffmpeg child process goes through here: one place that runs the configured binary
 * (--ffmpeg-path), logs the command line at debug, keeps the tail of stderr for errors, and stops
 * processes for sure (SIGTERM, then SIGKILL) so no ffmpeg outlives the stream it serves. Its
 * sibling ffprobe.ts does the same for ffprobe.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

const STDERR_TAIL_BYTES = 4096;
const KILL_AFTER_MS = 2000;

/**
 * Input options for reading a live stream from the ingest: fail instead of hanging when it stops
 * answering, and probe for 1 s instead of 5 (a video-only push would otherwise hold every
 * reader back for the full 5 s while ffmpeg waits for audio that never comes).
 */
export const liveInput = (url: string, ...inputOptions: string[]): string[] => [
  '-rw_timeout', '10000000', '-analyzeduration', '1000000', ...inputOptions, '-i', url,
];

/** Whether the ffmpeg at `ffmpegPath` can be run here; checked once at start. */
export function ffmpegAvailable(ffmpegPath: string): boolean {
  const result = spawnSync(ffmpegPath, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

export interface FfmpegExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;
}

export class FfmpegProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<FfmpegExit>;
  #stderr = '';

  constructor(args: readonly string[], options: { ffmpegPath: string; log: Logger; extraPipes?: number }) {
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'pipe', 'pipe', ...Array<'pipe'>(options.extraPipes ?? 0).fill('pipe')];
    options.log.debug({ cmd: [options.ffmpegPath, ...args].join(' ') }, 'ffmpeg start');
    this.child = spawn(options.ffmpegPath, args, { stdio });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.#stderr += `\n${error.message}`;
      });
      this.child.once('close', (code, signal) => resolve({ code, signal, stderrTail: this.#stderr }));
    });
  }

  /** Output stream `fd` (1 = stdout, 3+ = extra pipes). */
  output(fd: number): Readable {
    const stream = this.child.stdio[fd];
    if (!stream || !('read' in stream)) throw new Error(`ffmpeg has no readable pipe ${fd}`);
    return stream as Readable;
  }

  /**
   * Asks ffmpeg to finish (it closes its outputs cleanly), then kills it if it does not.
   * With `graceMs`, first lets it end by itself for that long (e.g. at the end of its input).
   */
  async stop(graceMs = 0): Promise<FfmpegExit> {
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
      timer.unref();
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}
