/**
 * Push anomalies (event 321, "push error"): watches one live push's packets as they arrive and,
 * once per report interval, says which of Tencent's abnormal-event types happened in it (see
 * docs/tencent-compat.md, "Event 321"). An interval with no problem produces no report, so a
 * healthy push never calls back.
 *
 * Timestamps are the RTMP/FLV ones (milliseconds, per kind); arrival times are the wall clock
 * when the packet was parsed. Headers (codec configuration) and metadata are not frames: they
 * neither move the timestamp checks nor count towards the frame rate.
 */

import { PUSH_EXCEPTION_INTERVAL_MS } from '../events/builders.js';
import type { AbnormalEvent } from '../events/payloads.js';

/** Tencent's numbering of abnormal events; only the ones a single ingest can observe. */
export const AnomalyType = {
  videoTimestampBackwards: 1,
  audioTimestampBackwards: 2,
  videoTimestampJump: 3,
  audioTimestampJump: 4,
  chunkSizeTooLarge: 5,
  videoFramesLate: 6,
  audioFramesLate: 7,
  videoCodecChanged: 8,
  audioCodecChanged: 9,
  videoFrameBeforeHeader: 10,
  audioFrameBeforeHeader: 11,
  frameRateTooLow: 15,
  gopTooLong: 16,
} as const;
export type AnomalyType = (typeof AnomalyType)[keyof typeof AnomalyType];

/** `type_desc_en` and `type_desc_cn` of each type. */
const DESCRIPTION: Record<AnomalyType, readonly [en: string, cn: string]> = {
  1: ['video timestamp moved backwards', '视频时间戳回退'],
  2: ['audio timestamp moved backwards', '音频时间戳回退'],
  3: ['video timestamp jumped more than 1000(ms)', '视频时间戳跳变超过1000毫秒'],
  4: ['audio timestamp jumped more than 1000(ms)', '音频时间戳跳变超过1000毫秒'],
  5: ['chunk size bigger than 8192', 'chunk size 超过8192'],
  6: ['video frame arrive interval bigger than 1000(ms)', '视频帧到达间隔超过1000毫秒'],
  7: ['audio frame arrive interval bigger than 1000(ms)', '音频帧到达间隔超过1000毫秒'],
  8: ['video codec changed', '视频编码格式变化'],
  9: ['audio codec changed', '音频编码格式变化'],
  10: ['video frame arrived before the video codec header', '视频帧先于视频头到达'],
  11: ['audio frame arrived before the audio codec header', '音频帧先于音频头到达'],
  15: ['video frame rate lower than 5', '视频帧率过低'],
  16: ['GOP longer than 10000(ms)', 'GOP超过10秒'],
};

/** Tencent's thresholds (timestamp jump, frame arrival gap) and livehook's own (frame rate). */
export const TIMESTAMP_JUMP_MS = 1000;
export const FRAME_GAP_MS = 1000;
export const MAX_CHUNK_SIZE = 8192;
export const MIN_FRAME_RATE = 5;
export const MAX_GOP_MS = 10_000;
/** Details kept per type and interval; `count` still counts every occurrence. */
const MAX_DETAILS = 10;

/**
 * One packet as the ingest parsed it. `flags` follows node-media-server's AVPacket: 0 audio
 * header, 1 audio frame, 2 video header, 3 video keyframe, 4 video frame, 5 metadata.
 */
export interface ObservedPacket {
  readonly flags: number;
  readonly codecId: number;
  /** Decoding timestamp, ms. */
  readonly dts: number;
}

export interface AnomalyReport {
  readonly abnormal_event: AbnormalEvent[];
  /** When the interval was closed (ms). */
  readonly data_time: number;
  readonly report_interval: number;
}

interface TrackState {
  headerCodec: number | undefined;
  lastDts: number | undefined;
  lastArrival: number | undefined;
}

const newTrack = (): TrackState => ({ headerCodec: undefined, lastDts: undefined, lastArrival: undefined });

export class PushAnomalyWatch {
  readonly #intervalMs: number;
  readonly #video = newTrack();
  readonly #audio = newTrack();
  #lastKeyframeDts: number | undefined;
  #videoInInterval = { count: 0, firstDts: 0, lastDts: 0 };
  #found = new Map<AnomalyType, { count: number; detail: { desc: string; occur_time: number }[] }>();

  constructor(intervalMs = PUSH_EXCEPTION_INTERVAL_MS) {
    this.#intervalMs = intervalMs;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The publisher set its chunk size (RTMP Set Chunk Size). */
  chunkSize(size: number, at: number): void {
    if (size > MAX_CHUNK_SIZE) this.#record(AnomalyType.chunkSizeTooLarge, `chunk size=${size}`, at);
  }

  packet(packet: ObservedPacket, at: number): void {
    switch (packet.flags) {
      case 0:
        return this.#header(this.#audio, packet.codecId, AnomalyType.audioCodecChanged, at);
      case 2:
        return this.#header(this.#video, packet.codecId, AnomalyType.videoCodecChanged, at);
      case 1:
        return this.#frame(this.#audio, packet, at, 'audio');
      case 3:
      case 4:
        this.#frame(this.#video, packet, at, 'video');
        this.#countVideoFrame(packet.dts);
        if (packet.flags === 3) this.#keyframe(packet.dts, at);
        return;
      default:
        return;
    }
  }

  /**
   * Closes the interval that ends at `now` and returns what went wrong in it, or undefined when
   * nothing did (then nothing is sent).
   */
  report(now: number): AnomalyReport | undefined {
    // The rate is measured on the frames' own timestamps, so arrival jitter cannot lower it; a
    // stall (fewer than two frames) is not a low rate: it shows as type 6 when video resumes.
    const frames = this.#videoInInterval;
    if (frames.count >= 2 && frames.lastDts > frames.firstDts) {
      const fps = ((frames.count - 1) * 1000) / (frames.lastDts - frames.firstDts);
      if (fps < MIN_FRAME_RATE) this.#record(AnomalyType.frameRateTooLow, `video frame rate=${fps.toFixed(1)}`, now);
    }
    const found = this.#found;
    this.#found = new Map();
    this.#videoInInterval = { count: 0, firstDts: 0, lastDts: 0 };
    if (found.size === 0) return undefined;
    return {
      abnormal_event: [...found].map(([type, { count, detail }]) => ({
        type,
        count,
        detail,
        type_desc_cn: DESCRIPTION[type][1],
        type_desc_en: DESCRIPTION[type][0],
      })),
      data_time: now,
      report_interval: this.#intervalMs,
    };
  }

  #header(track: TrackState, codecId: number, changed: AnomalyType, at: number): void {
    if (track.headerCodec !== undefined && track.headerCodec !== codecId) {
      this.#record(changed, `codec id ${track.headerCodec} -> ${codecId}`, at);
    }
    track.headerCodec = codecId;
  }

  #frame(track: TrackState, packet: ObservedPacket, at: number, kind: 'audio' | 'video'): void {
    const video = kind === 'video';
    if (track.headerCodec === undefined) {
      this.#record(video ? AnomalyType.videoFrameBeforeHeader : AnomalyType.audioFrameBeforeHeader, `${kind} frame with no codec header`, at);
    }
    if (track.lastDts !== undefined) {
      const step = packet.dts - track.lastDts;
      if (step < 0) {
        this.#record(video ? AnomalyType.videoTimestampBackwards : AnomalyType.audioTimestampBackwards, `${kind} timestamp ${track.lastDts} -> ${packet.dts}`, at);
      } else if (step > TIMESTAMP_JUMP_MS) {
        this.#record(video ? AnomalyType.videoTimestampJump : AnomalyType.audioTimestampJump, `${kind} timestamp jump=${step}(msec)`, at);
      }
    }
    if (track.lastArrival !== undefined && at - track.lastArrival > FRAME_GAP_MS) {
      this.#record(video ? AnomalyType.videoFramesLate : AnomalyType.audioFramesLate, `${kind} frame arrive interval too long, interval=${at - track.lastArrival}(msec)`, at);
    }
    track.lastDts = packet.dts;
    track.lastArrival = at;
  }

  #countVideoFrame(dts: number): void {
    const frames = this.#videoInInterval;
    if (frames.count === 0) frames.firstDts = dts;
    frames.count++;
    frames.lastDts = dts;
  }

  #keyframe(dts: number, at: number): void {
    if (this.#lastKeyframeDts !== undefined && dts - this.#lastKeyframeDts > MAX_GOP_MS) {
      this.#record(AnomalyType.gopTooLong, `gop=${dts - this.#lastKeyframeDts}(msec)`, at);
    }
    this.#lastKeyframeDts = dts;
  }

  #record(type: AnomalyType, desc: string, at: number): void {
    const entry = this.#found.get(type) ?? { count: 0, detail: [] };
    entry.count++;
    if (entry.detail.length < MAX_DETAILS) entry.detail.push({ desc, occur_time: at });
    this.#found.set(type, entry);
  }
}
