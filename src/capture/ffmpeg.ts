/**
 * Every ffmpeg child process goes through here: one place that knows the binary, logs the
 * command line at debug, keeps the tail of stderr for errors, and stops processes for sure
 * (SIGTERM, then SIGKILL) so no ffmpeg outlives the stream it serves.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

export const FFMPEG = process.env.LIVEHOOK_FFMPEG_PATH || 'ffmpeg';
const STDERR_TAIL_BYTES = 4096;
const KILL_AFTER_MS = 2000;

/** Whether ffmpeg can be run here; checked once at start. */
export function ffmpegAvailable(): boolean {
  const result = spawnSync(FFMPEG, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 });
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

  constructor(args: readonly string[], options: { log: Logger; extraPipes?: number }) {
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'pipe', 'pipe', ...Array<'pipe'>(options.extraPipes ?? 0).fill('pipe')];
    options.log.debug({ cmd: [FFMPEG, ...args].join(' ') }, 'ffmpeg start');
    this.child = spawn(FFMPEG, args, { stdio });
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

  /** Asks ffmpeg to finish (it closes its outputs cleanly), then kills it if it does not. */
  async stop(): Promise<FfmpegExit> {
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
