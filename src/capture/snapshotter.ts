/**
 * Screenshots of one live stream: one long-running ffmpeg that reads the stream from the
 * embedded ingest, decodes keyframes only (`-skip_frame nokey`: a fraction of the frames, which
 * is what keeps the CPU per stream low) and lets the `fps` filter pick one frame per interval.
 * It writes two outputs: a JPEG at the template's size (pipe 1) and, when porn detection is on,
 * the same frame as raw 224×224 RGB for the classifier (pipe 3), so nothing decodes JPEG in JS.
 * Each JPEG becomes a file under the data dir and event 200; each classified frame that is not
 * `Pass` becomes event 317.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SnapshotTemplateConfig } from '../bindings/config-cache.js';
import { snapshotTaken, pornDetected } from '../events/builders.js';
import type { EventSink } from '../events/emit.js';
import type { PushSession } from '../media/push-sessions.js';
import { INPUT_SIZE, RGB224_BYTES } from '../moderation/classes.js';
import { FfmpegProcess, liveInput } from './ffmpeg.js';
import { snapshotPath } from './file-names.js';
import { FixedFrames, JpegFrames } from './jpeg-frames.js';
import { jpegSize } from './jpeg-size.js';

/** A stream's screenshot settings: its snapshot template, as the config cache resolved it. */
export type SnapshotSpec = Omit<SnapshotTemplateConfig, 'id' | 'appId'>;

/** What the snapshotter needs from moderation: classify a frame, and say whether to call back. */
export interface FrameModeration {
  /** Resolves with the event-317 fields, or null when the frame was dropped or passes. */
  review(streamKey: string, rgb224: Buffer): Promise<ModerationVerdict | null>;
}

export type ModerationVerdict = Omit<Parameters<typeof pornDetected>[1], 'img' | 'screenshotAt' | 'sentAt'>;

/** A saved screenshot: its path under /files and when it was taken. */
interface Shot {
  readonly picUrl: string;
  readonly at: number;
}

export interface SnapshotterDeps {
  readonly ffmpegPath: string;
  readonly rtmpUrl: string;
  /** Directory that /files is served from. */
  readonly filesDir: string;
  readonly publicUrl: string;
  readonly events: EventSink;
  readonly moderation: FrameModeration | undefined;
  readonly onFlagged?: (record: { session: PushSession; picUrl: string; verdict: ModerationVerdict; at: number }) => void;
  readonly log: Logger;
}

function scaleFilter(width: number, height: number): string {
  if (!width && !height) return 'null';
  return `scale=${width || -2}:${height || -2}`;
}

export class StreamSnapshotter {
  readonly #ffmpeg: FfmpegProcess;
  readonly #pending = new Set<Promise<void>>();
  #lastAt = 0;

  constructor(
    private readonly session: PushSession,
    private readonly spec: SnapshotSpec,
    private readonly deps: SnapshotterDeps,
  ) {
    const moderate = spec.pornFlag && deps.moderation !== undefined;
    const size = `${INPUT_SIZE}:${INPUT_SIZE}`;
    const graph = moderate
      ? `[0:v]fps=1/${spec.intervalSeconds},split=2[a][b];[a]${scaleFilter(spec.width, spec.height)}[jpeg];[b]scale=${size}[rgb]`
      : `[0:v]fps=1/${spec.intervalSeconds},${scaleFilter(spec.width, spec.height)}[jpeg]`;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      ...liveInput(deps.rtmpUrl, '-skip_frame', 'nokey'),
      '-filter_complex', graph,
      '-map', '[jpeg]', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1',
      ...(moderate ? ['-map', '[rgb]', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:3'] : []),
    ];
    this.#ffmpeg = new FfmpegProcess(args, { ffmpegPath: deps.ffmpegPath, log: deps.log, extraPipes: moderate ? 1 : 0 });
    const jpegs = this.#ffmpeg.output(1).pipe(new JpegFrames());
    // ffmpeg writes the n-th JPEG and the n-th RGB frame from the same picture, on two pipes that
    // may run ahead of each other: each side waits here for its partner with the same n.
    const shots = new Map<number, Promise<Shot | undefined>>();
    const rgbs = new Map<number, Buffer>();
    let jpegIndex = 0;
    let rgbIndex = 0;
    const pair = (n: number) => {
      const shot = shots.get(n);
      const rgb = rgbs.get(n);
      if (!shot || !rgb) return;
      shots.delete(n);
      rgbs.delete(n);
      this.#track(shot.then((saved) => (saved ? this.#moderate(rgb, saved) : undefined)));
    };
    jpegs.on('data', (jpeg: Buffer) => {
      const n = jpegIndex++;
      const at = Date.now();
      // The ingest hands a new reader its cached frames in a burst, which the fps filter turns
      // into several pictures at once: keep one per interval of wall time, as promised.
      if (at - this.#lastAt < (spec.intervalSeconds * 1000) / 2) {
        rgbs.delete(n);
        return;
      }
      this.#lastAt = at;
      const saved = this.#save(jpeg, at);
      this.#track(saved.then(() => undefined));
      if (moderate) {
        shots.set(n, saved);
        pair(n);
      }
    });
    if (moderate) {
      this.#ffmpeg.output(3).pipe(new FixedFrames(RGB224_BYTES)).on('data', (rgb: Buffer) => {
        const n = rgbIndex++;
        // A picture whose JPEG came first and was skipped has no screenshot to classify for.
        if (n < jpegIndex && !shots.has(n)) return;
        rgbs.set(n, rgb);
        pair(n);
      });
    }
    void this.#ffmpeg.exited.then((exit) => {
      if (exit.code !== 0 && exit.signal !== 'SIGTERM') {
        deps.log.warn({ stream: session.stream, code: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-500) }, 'screenshot ffmpeg exited');
      }
    });
  }

  #track(work: Promise<void>): void {
    const guarded = work.catch((rawError: unknown) => {
      this.deps.log.error({ err: rawError, stream: this.session.stream }, 'screenshot handling failed');
    });
    this.#pending.add(guarded);
    void guarded.finally(() => this.#pending.delete(guarded));
  }

  async #save(jpeg: Buffer, at: number): Promise<Shot | undefined> {
    const size = jpegSize(jpeg) ?? { width: this.spec.width, height: this.spec.height };
    const c = this.session.context;
    const relative = snapshotPath(this.spec.cosPrefix, this.spec.cosFileName, { at, streamId: c.stream, width: size.width, height: size.height, ext: '.jpg' });
    const picUrl = `/files/snapshots/${c.domain}/${c.appName}${relative}`;
    const file = path.join(this.deps.filesDir, 'snapshots', c.domain, c.appName, ...relative.split('/').filter(Boolean));
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, jpeg);
    } catch (rawError) {
      this.deps.log.error({ err: rawError, file }, 'could not save a screenshot');
      return undefined;
    }
    await this.deps.events.emit(
      snapshotTaken(c, { at, fileSize: jpeg.length, width: size.width, height: size.height, picUrl, picFullUrl: this.deps.publicUrl + picUrl }),
    );
    return { picUrl, at };
  }

  async #moderate(rgb: Buffer, shot: Shot): Promise<void> {
    const verdict = await this.deps.moderation!.review(this.session.key, rgb);
    if (!verdict) return;
    const img = this.deps.publicUrl + shot.picUrl;
    this.deps.onFlagged?.({ session: this.session, picUrl: shot.picUrl, verdict, at: shot.at });
    await this.deps.events.emit(pornDetected(this.session.context, { ...verdict, img, screenshotAt: shot.at, sentAt: Date.now() }));
  }

  /** Stops ffmpeg and waits for the files and events already under way. */
  async stop(): Promise<void> {
    await this.#ffmpeg.stop();
    await Promise.allSettled([...this.#pending]);
  }
}
