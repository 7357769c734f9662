/**
 * One builder per event type. Each takes livehook's own names (camelCase, milliseconds) and
 * returns a LiveEvent: where it happened plus the exact Tencent payload.
 */
import { randomUint64 } from './random-pool.js';
import type {
  AbnormalEvent,
  ExceptionLevel,
  LabelResult,
  ModerationSuggestion,
  PornDetectionPayload,
  PushEndPayload,
  PushStartPayload,
  PushExceptionPayload,
  RecordEvent,
  RecordExceptionPayload,
  RecordFilePayload,
  RecordStatusPayload,
  SnapshotPayload,
  EventPayload,
} from './payloads.js';

/** The stream an event belongs to. `sequence` ties it to a push session ('' = none). */
export interface StreamContext {
  readonly appId: number;
  readonly domain: string;
  readonly appName: string;
  readonly stream: string;
  /** The push URL's query string, unchanged (e.g. `txSecret=…&txTime=…`). */
  readonly streamParam: string;
  readonly sequence: string;
}

export interface LiveEvent<P extends EventPayload = EventPayload> {
  readonly context: StreamContext;
  readonly payload: P;
}

/** Tencent's `set_id`: 1–6 inside Chinese mainland, 7–200 outside. A self-hosted node is neither; 2 is what Tencent's own sample carries. */
export const SET_ID = 2;

const seconds = (ms: number) => Math.floor(ms / 1000);

export interface PushInfo {
  readonly node: string;
  readonly userIp: string;
  readonly width: number;
  readonly height: number;
  readonly at: number;
}

function pushBase(c: StreamContext, info: PushInfo, errcode: number, errmsg: string) {
  return {
    appid: c.appId,
    app: c.domain,
    appname: c.appName,
    stream_id: c.stream,
    channel_id: c.stream,
    event_time: seconds(info.at),
    sequence: c.sequence,
    node: info.node,
    user_ip: info.userIp,
    stream_param: c.streamParam,
    errcode,
    errmsg,
    set_id: SET_ID,
    width: info.width,
    height: info.height,
  };
}

export const pushStarted = (c: StreamContext, info: PushInfo): LiveEvent<PushStartPayload> => ({
  context: c,
  payload: { event_type: 1, ...pushBase(c, info, 0, 'ok') },
});

export const pushEnded = (
  c: StreamContext,
  info: PushInfo & { durationMs: number; errcode: number; errmsg: string },
): LiveEvent<PushEndPayload> => ({
  context: c,
  payload: { event_type: 0, ...pushBase(c, info, info.errcode, info.errmsg), push_duration: String(Math.max(0, Math.round(info.durationMs))) },
});

/** Tencent's `sequence` and `record_file_id` are decimal strings; 63 random bits keep one positive and unique. */
export const randomDecimalId = (): string => BigInt.asUintN(63, randomUint64()).toString();

export interface RecordFileInfo {
  readonly recordFileId: string;
  readonly format: RecordFilePayload['file_format'];
  readonly startMs: number;
  readonly endMs: number;
  readonly durationSeconds: number;
  readonly fileSize: number;
  readonly videoUrl: string;
  readonly videoCodec?: string;
  readonly width?: number;
  readonly height?: number;
  readonly taskId?: string;
  readonly mediaStartTime?: number;
  readonly recordBps?: number;
}

export const recordFileReady = (c: StreamContext, info: RecordFileInfo): LiveEvent<RecordFilePayload> => ({
  context: c,
  payload: {
    event_type: 100,
    appid: c.appId,
    app: c.domain,
    appname: c.appName,
    stream_id: c.stream,
    channel_id: c.stream,
    file_id: info.recordFileId,
    record_file_id: info.recordFileId,
    file_format: info.format,
    task_id: info.taskId ?? '',
    start_time: seconds(info.startMs),
    end_time: seconds(info.endMs),
    start_time_usec: (info.startMs % 1000) * 1000,
    end_time_usec: (info.endMs % 1000) * 1000,
    duration: Math.round(info.durationSeconds),
    file_size: info.fileSize,
    stream_param: c.streamParam,
    video_url: info.videoUrl,
    media_start_time: info.mediaStartTime ?? 0,
    record_bps: info.recordBps ?? 0,
    callback_ext: JSON.stringify({
      video_codec: info.videoCodec ?? '',
      resolution: info.width && info.height ? `${info.width}x${info.height}` : '',
    }),
  },
});

export interface SnapshotInfo {
  readonly at: number;
  readonly fileSize: number;
  readonly width: number;
  readonly height: number;
  /** Path part, e.g. `/2026-11-25/stream-screenshot-10-12-05-1280x720.jpg`. */
  readonly picUrl: string;
  /** Public base URL + path. */
  readonly picFullUrl: string;
}

export const snapshotTaken = (c: StreamContext, info: SnapshotInfo): LiveEvent<SnapshotPayload> => ({
  context: c,
  payload: {
    event_type: 200,
    appid: c.appId,
    app: c.domain,
    appname: c.appName,
    stream_id: c.stream,
    channel_id: c.stream,
    stream_param: c.streamParam,
    create_time: seconds(info.at),
    file_size: info.fileSize,
    width: info.width,
    height: info.height,
    pic_url: info.picUrl,
    pic_full_url: info.picFullUrl,
  },
});

export interface PornDetectionInfo {
  readonly img: string;
  readonly screenshotAt: number;
  readonly sentAt: number;
  readonly suggestion: ModerationSuggestion;
  readonly label: string;
  readonly subLabel: string;
  readonly types: string[];
  readonly scores: number[];
  readonly labelResults: LabelResult[];
}

export const pornDetected = (c: StreamContext, info: PornDetectionInfo): LiveEvent<PornDetectionPayload> => ({
  context: c,
  payload: {
    event_type: 317,
    appid: c.appId,
    app: c.domain,
    appname: c.appName,
    streamId: c.stream,
    channelId: c.stream,
    stream_param: c.streamParam,
    img: info.img,
    type: info.types,
    score: info.scores,
    ocrMsg: '',
    suggestion: info.suggestion,
    label: info.label,
    subLabel: info.subLabel,
    labelResults: info.labelResults,
    screenshotTime: seconds(info.screenshotAt),
    sendTime: seconds(info.sentAt),
  },
});

/** Tencent's 321 interval: problems are counted over 5 s and reported once per interval that had any. */
export const PUSH_EXCEPTION_INTERVAL_MS = 5000;

export interface PushExceptionInfo {
  readonly at: number;
  readonly userIp: string;
  readonly abnormal: AbnormalEvent[];
}

export const pushExceptionReport = (c: StreamContext, info: PushExceptionInfo): LiveEvent<PushExceptionPayload> => ({
  context: c,
  payload: {
    event_type: 321,
    interface: 'general_callback',
    appid: c.appId,
    domain: c.domain,
    path: c.appName,
    stream_id: c.stream,
    stream_param: c.streamParam,
    sequence: c.sequence,
    user_ip: info.userIp,
    data_time: info.at,
    report_interval: PUSH_EXCEPTION_INTERVAL_MS,
    timeout: PUSH_EXCEPTION_INTERVAL_MS,
    abnormal_event: info.abnormal,
  },
});

/** One recording session: one recorded format of one push, with its own id. */
export interface RecordSessionInfo {
  readonly sessionId: string;
  /** livehook's format name (`hls` is sent as file_format 2 in 332, `ts` in 341). */
  readonly format: RecordFilePayload['file_format'];
}

/** record_detail's file_format codes (docs/tencent-compat.md). */
const RECORD_DETAIL_FORMAT: Record<RecordSessionInfo['format'], number> = { flv: 1, hls: 2, mp4: 3, aac: 4 };

export const recordStatusChanged = (
  c: StreamContext,
  info: RecordSessionInfo & { readonly event: RecordEvent; readonly seq: number; readonly at: number },
): LiveEvent<RecordStatusPayload> => ({
  context: c,
  payload: {
    event_type: 332,
    appid: c.appId,
    appname: c.appName,
    domain: c.domain,
    event_time: seconds(info.at),
    // Recorded by a template rule (start_model 1), the original stream (record_content 1) of a
    // live push (source_type 1), copied without a transcoding template (codec_temp_id 0).
    record_detail: JSON.stringify({
      file_format: RECORD_DETAIL_FORMAT[info.format],
      record_bps: 0,
      start_model: 1,
      record_content: 1,
      source_type: 1,
      codec_temp_id: 0,
    }),
    record_event: info.event,
    task_id: '',
    seq: String(info.seq),
    session_id: info.sessionId,
    stream_id: c.stream,
  },
});

export interface RecordExceptionInfo {
  readonly at: number;
  readonly level: ExceptionLevel;
  readonly type: number;
  readonly desc: string;
  readonly occurs: number;
}

export const recordExceptionSeen = (c: StreamContext, info: RecordSessionInfo & RecordExceptionInfo): LiveEvent<RecordExceptionPayload> => ({
  context: c,
  payload: {
    event_type: 341,
    interface: 'general_callback',
    appid: c.appId,
    domain: c.domain,
    path: c.appName,
    stream_id: c.stream,
    session_id: info.sessionId,
    file_format: info.format === 'hls' ? 'ts' : info.format,
    timestamp: seconds(info.at),
    exception_level: info.level,
    exception: { type: info.type, desc: info.desc, occurs: info.occurs },
  },
});
