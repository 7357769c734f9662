/**
 * Spawns real ffmpeg RTMP pushes for the ingest tests and the ingest benchmark.
 *
 * - Source: `testsrc` (320x240, libx264 ultrafast, `-re`) for `seconds` or until stopped, or a
 *   pre-encoded `file` (usually looped) with `-c copy` (the benchmarks: no encoding cost).
 * - `-rtmp_tcurl` names the push domain; `-rw_timeout` is always set so that a push to a server
 *   that stops answering fails instead of hanging.
 * - Timings (Date.now(), same clock as the test receivers and livehook's logs): spawn, TCP
 *   connect to the ingest (needs `-v verbose`, which is the default here), output opened (the
 *   RTMP publish was answered), exit. Plus the exit code/signal and the tail of stderr.
 * - ffmpeg missing → a clear error naming ffmpeg (never a skip); requireFfprobe() does the same
 *   for ffprobe.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface PushOptions {
  /** rtmp://127.0.0.1:<port>/<app>/<stream>[?query] */
  readonly url: string;
  /** Sent as the RTMP tcUrl (`-rtmp_tcurl`), e.g. rtmp://push.example.com/live. */
  readonly tcUrl?: string;
  /** Seconds of testsrc to push (`-t`); omit to push until stop()/kill(). Ignored with `file`. */
  readonly seconds?: number;
  /** Push this pre-encoded FLV (`-c copy`) instead of encoding testsrc. */
  readonly file?: string;
  /** Loop `file` (`-stream_loop -1`), default true; false for a FIFO, which cannot be rewound. */
  readonly loop?: boolean;
  /** testsrc size, default 320x240. */
  readonly size?: string;
  /** testsrc frame rate, default 25. */
  readonly rate?: number;
  /**
   * `-tcp_nodelay 1`: send each RTMP message at once, as OBS does, instead of ffmpeg's default
   * Nagle, which holds the second write of every command for the server's delayed ACK (~40 ms).
   */
  readonly noDelay?: boolean;
  /** More output options, before the URL (e.g. `-flvflags no_metadata`). */
  readonly outputArgs?: readonly string[];
  /** `-rw_timeout` in milliseconds, default 5000. */
  readonly rwTimeoutMs?: number;
  /** Safety net: SIGKILL if ffmpeg is still running after this long (default: seconds + 30 s, or 120 s). */
  readonly killAfterMs?: number;
  /** ffmpeg log level, default `verbose` (needed for `connectedAt`). */
  readonly logLevel?: string;
  /** Characters of stderr kept (default 4000). */
  readonly tailChars?: number;
}

export interface PushResult {
  /** Exit code (null when killed by a signal). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last characters of ffmpeg's stderr (progress lines dropped). */
  readonly stderrTail: string;
  readonly spawnedAt: number;
  /** When ffmpeg reported its TCP connection to the ingest. */
  readonly connectedAt: number | undefined;
  /** When ffmpeg printed `Output #0` (the RTMP publish had been answered). */
  readonly openedAt: number | undefined;
  readonly exitedAt: number;
  /** exitedAt − spawnedAt */
  readonly elapsedMs: number;
  /** The command line, for messages. */
  readonly command: string;
}

export interface Push {
  readonly pid: number;
  readonly spawnedAt: number;
  /** Resolves when ffmpeg exits (never rejects). */
  readonly done: Promise<PushResult>;
  readonly running: boolean;
  /** Resolves with the time ffmpeg opened its output (publish answered); rejects if it exits first. */
  opened(): Promise<number>;
  /** Graceful stop: `q` on stdin (ffmpeg sends deleteStream and closes), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<PushResult>;
  /** Sends a signal (default SIGKILL) and resolves on exit. */
  kill(signal?: NodeJS.Signals): Promise<PushResult>;
}

const usable = new Set<string>();

/** Throws a clear error naming `binary` when `<binary> -version` cannot be run; a success is remembered. */
function requireBinary(binary: 'ffmpeg' | 'ffprobe', neededBy: string, install: string): void {
  if (usable.has(binary)) return;
  const probe = spawnSync(binary, ['-hide_banner', '-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? (probe.error as NodeJS.ErrnoException).code ?? probe.error.message : `exit ${probe.status}`;
    throw new Error(`${binary} is required by ${neededBy} but could not be run (${why}); install it (${install}) so that \`${binary}\` is on PATH`);
  }
  usable.add(binary);
}

/** Throws a clear error when ffmpeg cannot be run. */
export function requireFfmpeg(): void {
  requireBinary('ffmpeg', 'the ingest tests and benchmark', 'Debian: apt-get install ffmpeg');
}

/** Throws a clear error when ffprobe cannot be run (tests that measure media files, or whose livehook probes recordings). */
export function requireFfprobe(): void {
  requireBinary('ffprobe', 'the tests that measure recordings and snapshots', 'Debian: apt-get install ffmpeg, which ships ffprobe');
}

/** The argument list for a push; `PushResult.command` (shown in messages) is built from it. */
function pushArgs(options: PushOptions): string[] {
  const rwTimeoutUs = String((options.rwTimeoutMs ?? 5000) * 1000);
  const args = ['-hide_banner', '-nostats', '-v', options.logLevel ?? 'verbose'];
  if (options.file) {
    args.push('-re', ...(options.loop === false ? [] : ['-stream_loop', '-1']), '-i', options.file, '-c', 'copy');
  } else {
    args.push('-re', '-f', 'lavfi', '-i', `testsrc=size=${options.size ?? '320x240'}:rate=${options.rate ?? 25}`);
    if (options.seconds !== undefined) args.push('-t', String(options.seconds));
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(options.rate ?? 25));
  }
  args.push('-f', 'flv', '-rw_timeout', rwTimeoutUs);
  if (options.noDelay) args.push('-tcp_nodelay', '1');
  if (options.outputArgs) args.push(...options.outputArgs);
  if (options.tcUrl) args.push('-rtmp_tcurl', options.tcUrl);
  args.push(options.url);
  return args;
}

/** Starts an ffmpeg push. */
export function startPush(options: PushOptions): Push {
  requireFfmpeg();
  const args = pushArgs(options);
  const command = `ffmpeg ${args.join(' ')}`;
  const tailChars = options.tailChars ?? 4000;
  const spawnedAt = Date.now();
  const child: ChildProcessByStdio<Writable, null, Readable> = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin.on('error', () => {}); // ffmpeg may exit before reading `q`
  let tail = '';
  let partial = '';
  let connectedAt: number | undefined;
  let openedAt: number | undefined;
  let running = true;
  const openedWaiters: { resolve: (at: number) => void; reject: (error: Error) => void }[] = [];

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const now = Date.now();
    const lines = (partial + chunk).split(/\r|\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim() || line.startsWith('frame=') || line.startsWith('size=')) continue;
      if (connectedAt === undefined && line.includes('Successfully connected to')) connectedAt = now;
      if (openedAt === undefined && line.startsWith('Output #0')) {
        openedAt = now;
        for (const w of openedWaiters.splice(0)) w.resolve(now);
      }
      tail = (tail + line + '\n').slice(-tailChars);
    }
  });

  const safety = setTimeout(
    () => child.kill('SIGKILL'),
    options.killAfterMs ?? (options.seconds !== undefined && !options.file ? options.seconds * 1000 + 30_000 : 120_000),
  );
  safety.unref();

  const done = new Promise<PushResult>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      running = false;
      clearTimeout(safety);
      const exitedAt = Date.now();
      if (partial.trim()) tail = (tail + partial + '\n').slice(-tailChars);
      if (spawnError) tail += `\n[spawn error: ${spawnError.message} — is ffmpeg installed?]`;
      const result: PushResult = {
        code,
        signal,
        stderrTail: tail,
        spawnedAt,
        connectedAt,
        openedAt,
        exitedAt,
        elapsedMs: exitedAt - spawnedAt,
        command,
      };
      for (const w of openedWaiters.splice(0)) {
        w.reject(new Error(`ffmpeg exited (code ${code}, signal ${signal}) before opening its output\n${command}\n${tail}`));
      }
      resolve(result);
    });
  });

  return {
    pid: child.pid ?? -1,
    spawnedAt,
    done,
    get running() {
      return running;
    },
    opened: () =>
      openedAt !== undefined
        ? Promise.resolve(openedAt)
        : running
          ? new Promise<number>((resolve, reject) => openedWaiters.push({ resolve, reject }))
          : Promise.reject(new Error(`ffmpeg exited before opening its output\n${command}\n${tail}`)),
    stop: async (graceMs = 5000) => {
      if (running) {
        child.stdin.write('q');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await done;
        clearTimeout(timer);
        return result;
      }
      return done;
    },
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (running) child.kill(signal);
      return done;
    },
  };
}

/** Runs a push to its end (use `seconds`, or a refused push that ends by itself). */
export function push(options: PushOptions): Promise<PushResult> {
  return startPush(options).done;
}

/** A short description of a result for assertion messages. */
export function describeResult(r: PushResult): string {
  return `ffmpeg exited with code ${r.code}${r.signal ? ` (signal ${r.signal})` : ''} after ${r.elapsedMs} ms\n$ ${r.command}\n${r.stderrTail}`;
}
