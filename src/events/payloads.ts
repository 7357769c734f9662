/**
 * Tencent CSS callback payloads, field for field (docs/tencent-compat.md). `t` and `sign`
 * are not here: delivery adds them at each attempt. Names and types are Tencent's, including the
 * odd ones: `sequence` and `push_duration` are strings; event 317 uses camelCase; 332's
 * `record_detail` is a JSON object serialised as a string, 341's `exception` a real object.
 * Which event types exist, and what each is for: registry.ts.
 */

/** Fields shared by push start (1) and push end (0). */
export interface PushPayloadBase {
  appid: number;
  app: string;
  appname: string;
  stream_id: string;
  channel_id: string;
  event_time: number;
  sequence: string;
  node: string;
  user_ip: string;
  stream_param: string;
  errcode: number;
  errmsg: string;
  set_id: number;
  width: number;
  height: number;
}

export interface PushStartPayload extends PushPayloadBase {
  event_type: 1;
}

export interface PushEndPayload extends PushPayloadBase {
  event_type: 0;
  /** Milliseconds, as a string. */
  push_duration: string;
}

export interface RecordFilePayload {
  event_type: 100;
  appid: number;
  app: string;
  appname: string;
  stream_id: string;
  channel_id: string;
  file_id: string;
  record_file_id: string;
  file_format: 'flv' | 'hls' | 'mp4' | 'aac';
  task_id: string;
  start_time: number;
  end_time: number;
  start_time_usec: number;
  end_time_usec: number;
  duration: number;
  file_size: number;
  stream_param: string;
  video_url: string;
  media_start_time: number;
  record_bps: number;
  /** A JSON object serialised as a string, e.g. {"video_codec":"h264","resolution":"640x480"}. */
  callback_ext: string;
}

export interface SnapshotPayload {
  event_type: 200;
  appid: number;
  app: string;
  appname: string;
  stream_id: string;
  channel_id: string;
  stream_param: string;
  create_time: number;
  file_size: number;
  width: number;
  height: number;
  pic_url: string;
  pic_full_url: string;
}

export interface LabelResult {
  Scene: string;
  Suggestion: ModerationSuggestion;
  Label: string;
  SubLabel: string;
  Score: number;
  Details: Array<{ Id: number; Name: string; Score: number }>;
}

export type ModerationSuggestion = 'Block' | 'Review' | 'Pass';

export interface PornDetectionPayload {
  event_type: 317;
  appid: number;
  app: string;
  appname: string;
  streamId: string;
  channelId: string;
  stream_param: string;
  img: string;
  type: string[];
  score: number[];
  ocrMsg: string;
  suggestion: ModerationSuggestion;
  label: string;
  subLabel: string;
  labelResults: LabelResult[];
  screenshotTime: number;
  sendTime: number;
}

/** One problem type seen during one report interval of a push (event 321). */
export interface AbnormalEvent {
  type: number;
  /** Occurrences within the interval. */
  count: number;
  /** `occur_time` in Unix milliseconds. */
  detail: Array<{ desc: string; occur_time: number }>;
  type_desc_cn: string;
  type_desc_en: string;
}

export interface PushExceptionPayload {
  event_type: 321;
  interface: 'general_callback';
  appid: number;
  domain: string;
  path: string;
  stream_id: string;
  stream_param: string;
  sequence: string;
  user_ip: string;
  /** Unix milliseconds. */
  data_time: number;
  /** Milliseconds. */
  report_interval: number;
  timeout: number;
  abnormal_event: AbnormalEvent[];
}

export type RecordEvent =
  | 'record_start_succeeded'
  | 'record_start_failed'
  | 'record_paused'
  | 'record_resumed'
  | 'record_error'
  | 'record_ended';

export interface RecordStatusPayload {
  event_type: 332;
  appid: number;
  appname: string;
  domain: string;
  event_time: number;
  /** JSON object as a string: file_format, record_bps, start_model, record_content, source_type, codec_temp_id. */
  record_detail: string;
  record_event: RecordEvent;
  task_id: string;
  seq: string;
  session_id: string;
  stream_id: string;
}

export type ExceptionLevel = 'error' | 'warning' | 'info';

export interface RecordExceptionPayload {
  event_type: 341;
  interface: 'general_callback';
  appid: number;
  domain: string;
  path: string;
  stream_id: string;
  session_id: string;
  /** Lower case, as in Tencent's sample: `flv`, `ts` (HLS), `mp4`, `aac`. */
  file_format: string;
  /** Unix seconds. */
  timestamp: number;
  exception_level: ExceptionLevel;
  exception: { type: number; desc: string; occurs: number };
}

export type EventPayload =
  | PushStartPayload
  | PushEndPayload
  | RecordFilePayload
  | SnapshotPayload
  | PornDetectionPayload
  | PushExceptionPayload
  | RecordStatusPayload
  | RecordExceptionPayload;
