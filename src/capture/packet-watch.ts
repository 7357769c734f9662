/**
 * What a recorder sees in the stream it records, for event 341. The recorder's ffmpeg writes one
 * `framecrc` line per packet it copies (stream index, dts, pts, duration, size, checksum, after a
 * header naming each stream's media type and time base); this turns those lines into Tencent's
 * recording exception types, counted per report window (docs/tencent-compat.md, "341").
 */
import type { ExceptionLevel } from '../events/payloads.js';

/** Tencent's 341 exception types that livehook detects. */
export const RecordException = {
  audioJump: -8,
  videoJump: -9,
  audioVideoApart: -10,
  videoInvalid: -11,
  pullFailed: -16,
  noAudio: -17,
  noVideo: -18,
  audioInvalid: -24,
} as const;

/** The level livehook gives each type (Tencent does not publish its own mapping). */
const LEVEL: Record<number, ExceptionLevel> = {
  [RecordException.pullFailed]: 'error',
  [RecordException.audioJump]: 'warning',
  [RecordException.videoJump]: 'warning',
  [RecordException.videoInvalid]: 'warning',
  [RecordException.audioInvalid]: 'warning',
  [RecordException.noAudio]: 'warning',
  [RecordException.noVideo]: 'warning',
  [RecordException.audioVideoApart]: 'info',
};

/**
 * A forward step of one stream's timestamps larger than this is a jump. Well above the frame
 * spacing of any real push (1 fps is 1,000 ms), so a healthy stream never trips it.
 */
const JUMP_MS = 3000;
/** Audio and video timestamps further apart than this at a window's end are "far apart". */
const APART_MS = 3000;

export interface SeenException {
  readonly type: number;
  readonly level: ExceptionLevel;
  readonly desc: string;
  readonly occurs: number;
}

interface Track {
  readonly kind: 'audio' | 'video';
  /** Milliseconds per time-base unit. */
  readonly msPerTick: number;
  lastDtsMs: number | undefined;
}

export class PacketWatch {
  readonly #tracks = new Map<number, Track>();
  readonly #timeBases = new Map<number, number>();
  readonly #kinds = new Map<number, 'audio' | 'video'>();
  /** Per type: occurrences this window and the first description. */
  #window = new Map<number, { occurs: number; desc: string }>();
  #packets = 0;

  /** Called with each line ffmpeg's framecrc muxer writes; returns true on the first packet. */
  line(text: string): boolean {
    if (text.startsWith('#')) {
      this.#header(text);
      return false;
    }
    const fields = text.split(',');
    if (fields.length < 6) return false;
    const index = Number(fields[0]);
    const dts = Number(fields[1]);
    const track = this.#track(index);
    if (!track || !Number.isFinite(dts)) return false;
    this.#packet(track, dts * track.msPerTick);
    return ++this.#packets === 1;
  }

  /** Called at the first packet, when the header has named every track: a missing one is reported. */
  checkTracks(): void {
    const kinds = new Set(this.#kinds.values());
    if (!kinds.has('audio')) this.#count(RecordException.noAudio, 'no audio track in the pushed stream, though the recording format records audio');
    if (!kinds.has('video')) this.#count(RecordException.noVideo, 'no video track in the pushed stream, though the recording format records video');
  }

  /** The source could not be read (ffmpeg failed to open or lost its input). */
  pullFailed(reason: string): void {
    this.#count(RecordException.pullFailed, `failed to pull the stream: ${reason}`);
  }

  /** Ends the current window: what it saw, one entry per type. */
  flush(): SeenException[] {
    this.#checkApart();
    const seen = [...this.#window].map(([type, { occurs, desc }]) => ({ type, level: LEVEL[type] ?? 'warning', desc, occurs }));
    this.#window = new Map();
    return seen;
  }

  #header(text: string): void {
    // `#tb 0: 1/1000`, `#media_type 0: video`
    const match = /^#(tb|media_type) (\d+): (\S+)/.exec(text);
    if (!match) return;
    const index = Number(match[2]);
    if (match[1] === 'tb') {
      const [num, den] = match[3]!.split('/').map(Number);
      if (num && den) this.#timeBases.set(index, (1000 * num) / den);
    } else if (match[3] === 'audio' || match[3] === 'video') {
      this.#kinds.set(index, match[3]);
    }
  }

  #track(index: number): Track | undefined {
    let track = this.#tracks.get(index);
    if (!track) {
      const kind = this.#kinds.get(index);
      const msPerTick = this.#timeBases.get(index);
      if (!kind || msPerTick === undefined) return undefined;
      track = { kind, msPerTick, lastDtsMs: undefined };
      this.#tracks.set(index, track);
    }
    return track;
  }

  #packet(track: Track, dtsMs: number): void {
    const last = track.lastDtsMs;
    track.lastDtsMs = dtsMs;
    if (last === undefined) return;
    const step = dtsMs - last;
    const video = track.kind === 'video';
    if (step < 0) {
      this.#count(video ? RecordException.videoInvalid : RecordException.audioInvalid, `${track.kind} timestamp went back by ${Math.round(-step)} ms`);
    } else if (step > JUMP_MS) {
      this.#count(video ? RecordException.videoJump : RecordException.audioJump, `${track.kind} timestamp jumped by ${Math.round(step)} ms`);
    }
  }

  /** Checked at the window's end, not per packet: a jump of both tracks is briefly "apart" between the two. */
  #checkApart(): void {
    const last = (kind: 'audio' | 'video') => [...this.#tracks.values()].find((t) => t.kind === kind)?.lastDtsMs;
    const audio = last('audio');
    const video = last('video');
    if (audio === undefined || video === undefined) return;
    const apart = Math.abs(audio - video);
    if (apart > APART_MS) this.#count(RecordException.audioVideoApart, `audio and video timestamps are ${Math.round(apart)} ms apart`);
  }

  #count(type: number, desc: string): void {
    const entry = this.#window.get(type);
    if (entry) entry.occurs++;
    else this.#window.set(type, { occurs: 1, desc });
  }
}
