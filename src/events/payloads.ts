/**
 * Tencent CSS callback payloads, field for field (tencent-css-callbacks.md §1). `t` and `sign`
 * are not here: delivery adds them at each attempt. Names and types are Tencent's, including the
 * odd ones: `sequence` and `push_duration` are strings; event 317 uses camelCase.
 */

export const EventType = {
  pushEnd: 0,
  pushStart: 1,
  recordFile: 100,
  snapshot: 200,
  pornDetection: 317,
} as const;

export type EventTypeCode = (typeof EventType)[keyof typeof EventType];

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

export type EventPayload = PushStartPayload | PushEndPayload | RecordFilePayload | SnapshotPayload | PornDetectionPayload;
