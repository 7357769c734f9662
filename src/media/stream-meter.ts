/**
 * Measures a live push from its media packets: video and audio bitrates and frame rates, GOP,
 * codecs and audio sample rate; and keeps the rates the publisher declares in its metadata
 * (DescribeLiveStreamPushInfoList, docs/stream-history.md).
 *
 * StreamMeter is pure: it is fed one sample per packet and computes its figures over the last
 * WINDOW_MS of media time (the packets' own timestamps, not the clock), so a push read in a burst
 * measures what it carries, and tests feed it without waiting. `flvSample` turns an RTMP/FLV
 * packet as node-media-server parses it into a sample, `flvMetadata` its script data into the
 * declared rates. StreamMeters keeps one meter per live push of the ingest, by its `sequence`
 * (in the ingest's worker thread; the main thread reads what it reports, MeterReadings).
 */
import { decodeAmf0Data } from 'node-media-server/src/protocol/amf.js';

export interface MediaSample {
  readonly kind: 'audio' | 'video';
  /** Decode timestamp, ms. */
  readonly timestampMs: number;
  /** Payload size, bytes. */
  readonly bytes: number;
  /** A video keyframe. */
  readonly keyframe: boolean;
  /** A codec configuration record (AVC/HEVC sequence header, AAC AudioSpecificConfig), not a frame. */
  readonly config: boolean;
  /** Codec name, e.g. `H264`, `AAC`; '' when unknown. */
  readonly codec: string;
  /** Audio sampling rate in Hz, when the packet tells it. */
  readonly sampleRate?: number;
}

export interface MeterReading {
  /** bits per second of video frames (sequence headers not counted). */
  readonly videoBps: number;
  readonly audioBps: number;
  /** Frames per second. */
  readonly videoFps: number;
  /** Audio frames (packets) per second. */
  readonly audioFps: number;
  /** Time between the last two keyframes, ms; 0 until two have come. */
  readonly gopMs: number;
  /** Video frames between the last two keyframes (the first included). */
  readonly gopFrames: number;
  readonly videoCodec: string;
  readonly audioCodec: string;
  readonly audioSampleRate: number;
  /** What the publisher's metadata declares (bits per second, frames per second); 0 when it does not. */
  readonly metaVideoBps: number;
  readonly metaAudioBps: number;
  readonly metaFps: number;
}

/** Rates a publisher declares in its `onMetaData`. */
export interface DeclaredRates {
  readonly videoBps: number;
  readonly audioBps: number;
  readonly fps: number;
}

const NOTHING_DECLARED: DeclaredRates = { videoBps: 0, audioBps: 0, fps: 0 };

/** Figures are averaged over this much media time. */
export const WINDOW_MS = 5_000;
/** A timestamp that goes back further than this is a new timeline (a reconnect, a wrapped clock). */
const RESTART_MS = 1_000;

interface Frame {
  readonly at: number;
  readonly bytes: number;
}

/** Frames of one kind in the window; rates from the frames after the first over the span. */
class Track {
  #frames: Frame[] = [];
  #head = 0;
  codec = '';

  add(at: number, bytes: number): void {
    const last = this.#frames[this.#frames.length - 1];
    if (last && at < last.at - RESTART_MS) this.#reset();
    this.#frames.push({ at, bytes });
    while (this.#frames[this.#head]!.at < at - WINDOW_MS) this.#head++;
    // Drop the consumed prefix now and then, not on every frame.
    if (this.#head > 256) {
      this.#frames = this.#frames.slice(this.#head);
      this.#head = 0;
    }
  }

  #reset(): void {
    this.#frames = [];
    this.#head = 0;
  }

  rates(): { bps: number; fps: number } {
    const count = this.#frames.length - this.#head;
    if (count < 2) return { bps: 0, fps: 0 };
    const first = this.#frames[this.#head]!;
    const spanMs = this.#frames[this.#frames.length - 1]!.at - first.at;
    if (spanMs <= 0) return { bps: 0, fps: 0 };
    let bytes = 0;
    for (let i = this.#head + 1; i < this.#frames.length; i++) bytes += this.#frames[i]!.bytes;
    return { bps: Math.round((bytes * 8 * 1000) / spanMs), fps: Math.round(((count - 1) * 1000 * 100) / spanMs) / 100 };
  }
}

export class StreamMeter {
  readonly #video = new Track();
  readonly #audio = new Track();
  #sampleRate = 0;
  #lastKeyAt: number | undefined;
  #framesSinceKey = 0;
  #gopMs = 0;
  #gopFrames = 0;
  #declared = NOTHING_DECLARED;

  onMetadata(declared: DeclaredRates): void {
    this.#declared = declared;
  }

  onPacket(sample: MediaSample): void {
    const track = sample.kind === 'video' ? this.#video : this.#audio;
    if (sample.codec) track.codec = sample.codec;
    if (sample.sampleRate) this.#sampleRate = sample.sampleRate;
    if (sample.config) return;
    track.add(sample.timestampMs, sample.bytes);
    if (sample.kind !== 'video') return;
    if (sample.keyframe) {
      if (this.#lastKeyAt !== undefined && sample.timestampMs > this.#lastKeyAt) {
        this.#gopMs = sample.timestampMs - this.#lastKeyAt;
        this.#gopFrames = this.#framesSinceKey;
      }
      this.#lastKeyAt = sample.timestampMs;
      this.#framesSinceKey = 0;
    }
    this.#framesSinceKey++;
  }

  reading(): MeterReading {
    const video = this.#video.rates();
    const audio = this.#audio.rates();
    return {
      videoBps: video.bps,
      audioBps: audio.bps,
      videoFps: video.fps,
      audioFps: audio.fps,
      gopMs: this.#gopMs,
      gopFrames: this.#gopFrames,
      videoCodec: this.#video.codec,
      audioCodec: this.#audio.codec,
      audioSampleRate: this.#sampleRate,
      metaVideoBps: this.#declared.videoBps,
      metaAudioBps: this.#declared.audioBps,
      metaFps: this.#declared.fps,
    };
  }
}

/** What the API reads: the latest figures of a live push of this process, by its `sequence`. */
export interface MeterReadings {
  reading(sequence: string): MeterReading | undefined;
}

/** The meters of the ingest's live pushes, by `sequence`. */
export class StreamMeters {
  readonly #meters = new Map<string, StreamMeter>();

  /** The push's meter, made on first use. */
  of(sequence: string): StreamMeter {
    let meter = this.#meters.get(sequence);
    if (!meter) this.#meters.set(sequence, (meter = new StreamMeter()));
    return meter;
  }

  get(sequence: string): StreamMeter | undefined {
    return this.#meters.get(sequence);
  }

  /** The ingest's hook: one FLV packet of the push `sequence`; what is not media is ignored. */
  onFlvPacket(sequence: string | undefined, packet: FlvPacket): void {
    if (sequence === undefined) return;
    const sample = flvSample(packet);
    if (sample) return this.of(sequence).onPacket(sample);
    const declared = flvMetadata(packet);
    if (declared) this.of(sequence).onMetadata(declared);
  }

  /** The push ended: forget its meter. */
  close(sequence: string): void {
    this.#meters.delete(sequence);
  }
}

// ---- FLV (RTMP) packets, as node-media-server's Flv.parserTag makes them ----

/** What flvSample reads of node-media-server's AVPacket. */
export interface FlvPacket {
  /** 8 audio, 9 video, 18 script. */
  readonly codec_type: number;
  /** FLV SoundFormat / CodecID, or the FourCC of an enhanced-RTMP video codec. */
  readonly codec_id: number;
  /** node-media-server: 0 audio config, 1 audio frame, 2 video config, 3 keyframe, 4 inter frame, 5 script, 6 video metadata. */
  readonly flags: number;
  readonly dts: number;
  readonly size: number;
  readonly data: Buffer;
}

const fourCC = (text: string): number => Buffer.from(text, 'latin1').readUInt32BE(0);

const VIDEO_CODECS = new Map<number, string>([
  [2, 'H263'],
  [4, 'VP6'],
  [7, 'H264'],
  [12, 'H265'],
  [fourCC('hvc1'), 'H265'],
  [fourCC('av01'), 'AV1'],
  [fourCC('vp09'), 'VP9'],
]);

const AUDIO_CODECS = new Map<number, string>([
  [2, 'MP3'],
  [7, 'G711A'],
  [8, 'G711U'],
  [10, 'AAC'],
  [11, 'Speex'],
  [14, 'MP3'],
]);

/** MPEG-4 sampling frequency index → Hz (ISO 14496-3). */
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** FLV SoundRate bits → Hz. */
const FLV_RATES = [5512, 11025, 22050, 44100];

const AAC = 10;

function audioSampleRate(packet: FlvPacket): number | undefined {
  const { data } = packet;
  if (packet.codec_id === AAC) {
    // The rate is in the AudioSpecificConfig, which only the sequence header carries.
    if (packet.flags !== 0 || data.length < 4) return undefined;
    return AAC_RATES[((data[2]! & 0x07) << 1) | (data[3]! >> 7)];
  }
  return data.length > 0 ? FLV_RATES[(data[0]! >> 2) & 0x03] : undefined;
}

/**
 * An AVC/HEVC end-of-sequence tag (AVCPacketType 2), which ffmpeg writes last with the keyframe
 * bit set: not a frame.
 */
const isEndOfSequence = (packet: FlvPacket): boolean =>
  (packet.data[0]! & 0x80) === 0 && (packet.codec_id === 7 || packet.codec_id === 12) && packet.data[1] === 2;

/** A meter sample from an FLV packet; undefined for script data, video metadata and end of sequence. */
export function flvSample(packet: FlvPacket): MediaSample | undefined {
  if (packet.codec_type === 8) {
    const sampleRate = audioSampleRate(packet);
    return {
      kind: 'audio',
      timestampMs: packet.dts,
      bytes: packet.size,
      keyframe: false,
      config: packet.flags === 0,
      codec: AUDIO_CODECS.get(packet.codec_id) ?? '',
      ...(sampleRate === undefined ? {} : { sampleRate }),
    };
  }
  if (packet.codec_type === 9 && packet.flags >= 2 && packet.flags <= 4 && !isEndOfSequence(packet)) {
    return {
      kind: 'video',
      timestampMs: packet.dts,
      bytes: packet.size,
      keyframe: packet.flags === 3,
      config: packet.flags === 2,
      codec: VIDEO_CODECS.get(packet.codec_id) ?? '',
    };
  }
  return undefined;
}

/** A non-negative finite number from metadata, else 0. */
const rate = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

/**
 * The rates declared by a script-data packet that carries `onMetaData` (`@setDataFrame` from an
 * RTMP publisher); undefined for any other packet. FLV metadata gives data rates in kbit/s.
 */
export function flvMetadata(packet: FlvPacket): DeclaredRates | undefined {
  if (packet.codec_type !== 18 || packet.data.length === 0) return undefined;
  let data;
  try {
    data = decodeAmf0Data(packet.data);
  } catch {
    return undefined; // malformed script data from a publisher: not metadata
  }
  if ((data.cmd !== '@setDataFrame' && data.cmd !== 'onMetaData') || !data.dataObj) return undefined;
  const d = data.dataObj;
  return { videoBps: Math.round(rate(d.videodatarate) * 1000), audioBps: Math.round(rate(d.audiodatarate) * 1000), fps: rate(d.framerate) };
}
