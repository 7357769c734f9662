/**
 * Recording of one live stream: one ffmpeg per enabled format, copying the stream without
 * re-encoding (`-c copy`). FLV and MP4 are cut every RecordInterval by the segment muxer, whose
 * segment list (written to pipe 4 as each file is closed) tells when a file is complete: each
 * line becomes event 100. HLS is one playlist per push; as on Tencent, only the finished
 * playlist is called back, when the push ends. Each ffmpeg also lists every packet it copies
 * (`framecrc` on pipe 3) for its RecordSession: events 332 and 341.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { CallbackTemplate, RecordFormat, RecordTemplateConfig } from '../bindings/config-cache.js';
import { randomDecimalId, recordFileReady, type RecordFileInfo } from '../events/builders.js';
import type { EventSink } from '../events/emit.js';
import type { PushSession } from '../media/push-sessions.js';
import { FfmpegProcess, liveInput } from './ffmpeg.js';
import { RecordSession } from './record-session.js';

/** A stream's recording settings: its record template, as the config cache resolved it. */
export type RecordSpec = Pick<RecordTemplateConfig, 'formats'>;

export interface RecorderDeps {
  readonly ffmpegPath: string;
  readonly rtmpUrl: string;
  readonly filesDir: string;
  readonly publicUrl: string;
  readonly events: EventSink;
  readonly log: Logger;
  /** The callback template that applies to the push now. */
  readonly template: () => CallbackTemplate | undefined;
}

/** The pipe each recording ffmpeg lists its packets on (`framecrc`); the segment list follows it. */
const PACKETS_FD = 3;
const SEGMENT_LIST_FD = 4;

/** How long a recorder may take to finish its last file after the push ended. */
const DRAIN_MS = 5000;

interface FormatRun {
  readonly format: RecordFormat;
  readonly ffmpeg: FfmpegProcess;
  readonly session: RecordSession;
  /** Its files announced and the session's last events stored. */
  readonly done: Promise<void>;
}

export class StreamRecorder {
  readonly #runs: FormatRun[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #dir: string;
  readonly #urlBase: string;
  readonly #startedAt = Date.now();

  constructor(
    private readonly session: PushSession,
    private readonly spec: RecordSpec,
    private readonly deps: RecorderDeps,
  ) {
    const c = session.context;
    this.#dir = path.join(deps.filesDir, 'records', c.domain, c.appName);
    this.#urlBase = `/files/records/${c.domain}/${c.appName}`;
  }

  /** Creates the directory, then one ffmpeg per format. */
  async start(): Promise<void> {
    await fs.mkdir(this.#dir, { recursive: true });
    const stamp = new Date(this.#startedAt).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const base = `${this.session.context.stream}-${stamp}`;
    for (const { format, intervalSeconds } of this.spec.formats) {
      this.#runs.push(format === 'hls' ? this.#hls(base) : this.#segments(format, intervalSeconds, base));
    }
  }

  /** Input options, then the packet list on PACKETS_FD; the format's own output follows. */
  #input(): string[] {
    return [
      '-hide_banner', '-loglevel', 'error', '-nostdin', ...liveInput(this.deps.rtmpUrl),
      '-map', '0', '-c', 'copy', '-f', 'framecrc', `pipe:${PACKETS_FD}`,
      '-map', '0', '-c', 'copy',
    ];
  }

  /** Starts ffmpeg with its RecordSession; `announce` runs once it has exited, before the session's last events. */
  #run(format: RecordFormat, args: string[], pipes: number, announce: () => Promise<void>): FormatRun {
    const ffmpeg = new FfmpegProcess(args, { ffmpegPath: this.deps.ffmpegPath, log: this.deps.log, extraPipes: pipes });
    const session = new RecordSession(this.session, format, { events: this.deps.events, log: this.deps.log, template: this.deps.template });
    session.watch(ffmpeg, PACKETS_FD);
    const done = ffmpeg.exited.then(async (exit) => {
      await announce().catch((rawError: unknown) => this.deps.log.error({ err: rawError, format }, 'recording callback failed'));
      await session.finish(exit);
    });
    return { format, ffmpeg, session, done };
  }

  #segments(format: 'flv' | 'mp4', intervalSeconds: number, base: string): FormatRun {
    const pattern = path.join(this.#dir, `${base}-%03d.${format}`);
    const run = this.#run(
      format,
      [
        ...this.#input(),
        '-f', 'segment', '-segment_format', format, '-segment_time', String(intervalSeconds),
        '-reset_timestamps', '1', '-segment_list', `pipe:${SEGMENT_LIST_FD}`, '-segment_list_type', 'csv',
        ...(format === 'mp4' ? ['-segment_format_options', 'movflags=+faststart'] : []),
        pattern,
      ],
      2,
      () => this.#settled(),
    );
    // Each CSV line is `file,start,end`, written when that file is complete. start/end are
    // stream timestamps (they need not begin at 0), so only their difference is used.
    const lines = createInterface({ input: run.ffmpeg.output(SEGMENT_LIST_FD) });
    lines.on('line', (line) => {
      const [file, start, end] = line.split(',');
      if (!file || start === undefined || end === undefined) return;
      const endMs = Date.now();
      const startMs = endMs - Math.max(0, Number(end) - Number(start)) * 1000;
      this.#track(this.#announce(path.join(this.#dir, path.basename(file)), format, startMs, endMs));
    });
    return run;
  }

  #hls(base: string): FormatRun {
    const playlist = path.join(this.#dir, `${base}.m3u8`);
    return this.#run(
      'hls',
      [
        ...this.#input(),
        '-f', 'hls', '-hls_time', '10', '-hls_playlist_type', 'event', '-hls_flags', 'independent_segments',
        '-hls_segment_filename', path.join(this.#dir, `${base}-%05d.ts`), playlist,
      ],
      1,
      () => this.#announce(playlist, 'hls', this.#startedAt, Date.now()),
    );
  }

  /** Resolves when every file announcement begun so far has finished. */
  async #settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  async #announce(file: string, format: RecordFormat, startMs: number, endMs: number): Promise<void> {
    let fileSize: number;
    let durationSeconds = Math.max(0, (endMs - startMs) / 1000);
    try {
      fileSize = (await fs.stat(file)).size;
      if (format === 'hls') {
        // The media's own length (sum of #EXTINF), not the wall time the recorder ran.
        const playlist = await fs.readFile(file, 'utf8');
        durationSeconds = [...playlist.matchAll(/^#EXTINF:([\d.]+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
        for (const segment of playlist.split('\n').filter((l) => l.endsWith('.ts'))) {
          fileSize += (await fs.stat(path.join(this.#dir, segment))).size;
        }
      }
    } catch (rawError) {
      this.deps.log.warn({ err: rawError, file }, 'recorded file is missing; no callback');
      return;
    }
    const info: RecordFileInfo = {
      recordFileId: randomDecimalId(),
      format,
      startMs: Math.round(startMs),
      endMs: Math.round(endMs),
      durationSeconds,
      fileSize,
      videoUrl: `${this.deps.publicUrl}${this.#urlBase}/${path.basename(file)}`,
      width: this.session.width,
      height: this.session.height,
      videoCodec: 'h264',
    };
    await this.deps.events.emit(recordFileReady(this.session.context, info));
  }

  #track(work: Promise<void>): void {
    const guarded = work.catch((rawError: unknown) => {
      this.deps.log.error({ err: rawError, stream: this.session.stream }, 'recording callback failed');
    });
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
  }

  /**
   * Called when the push has ended: the ingest closes each reader, and ffmpeg writes out what it
   * still holds and closes the last file by itself; only one that does not within DRAIN_MS is
   * told to stop. Then waits for the callbacks.
   */
  async stop(): Promise<void> {
    for (const run of this.#runs) run.session.stopping();
    await Promise.all(this.#runs.map((run) => run.ffmpeg.stop(DRAIN_MS)));
    await Promise.allSettled(this.#runs.map((run) => run.done));
    await this.#settled();
  }
}
