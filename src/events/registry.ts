/**
 * Every Tencent `event_type` livehook knows, one descriptor each: the callback-template field
 * that receives it, its payload fields, the sample SendTestCallback sends (built with the real
 * builder), its retry policy and its console labels. Delivery, the API (template URLs,
 * SendTestCallback, DescribeCallbackEvents, DescribeCallbackEventTypes) and, through that last
 * action, the console all read this table. Adding an event type is one entry here plus the code
 * that detects it. Facts: docs/tencent-compat.md.
 */
import { randomInt } from 'node:crypto';
import type { CallbackTemplate } from '../bindings/config-cache.js';
import type { CallbackTemplatesTable } from '../store/schema.js';
import {
  pornDetected,
  pushEnded,
  pushExceptionReport,
  pushStarted,
  recordExceptionSeen,
  recordFileReady,
  recordStatusChanged,
  snapshotTaken,
  type LiveEvent,
  type StreamContext,
} from './builders.js';
import type { EventPayload, RecordExceptionPayload } from './payloads.js';

/** The JSON type of a payload field, as Tencent's tables give it. */
export type FieldType = 'integer' | 'string' | 'array' | 'object';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  /** Fixed wait before each retry. */
  readonly stepMs: number;
}

/** `sent`: livehook detects and sends it. `never`: livehook cannot produce it (the URL is stored). */
export type Delivery = 'sent' | 'never';

/** Where SendTestCallback's sample claims to come from. */
export interface SampleWhere {
  readonly appId: number;
  readonly domain: string;
  readonly publicUrl: string;
}

export interface EventDescriptor {
  readonly eventType: number;
  /** Console name of the event (Callback Events). */
  readonly name: string;
  /** Create/ModifyLiveCallbackTemplate parameter holding the URL. */
  readonly templateParam: `${string}NotifyUrl`;
  readonly templateColumn: keyof CallbackTemplatesTable & `${string}_url`;
  readonly templateUrl: keyof CallbackTemplate['urls'];
  /** Console label of the template field, as Tencent's console words it. */
  readonly fieldLabel: string;
  readonly delivery: Delivery;
  /** Shown beside the template field when the event is not sent; '' otherwise. */
  readonly note: string;
  readonly retry: RetryPolicy;
  /** Every payload field but `t` and `sign` (delivery adds those). */
  readonly fields: Readonly<Record<string, FieldType>>;
  /** What SendTestCallback sends; undefined when livehook has no payload for the type. */
  readonly sample: ((where: SampleWhere) => LiveEvent) | undefined;
  /** A template-level filter on top of "has a URL" (341: RecordExceptionLevels). */
  readonly wanted?: (template: CallbackTemplate, payload: EventPayload) => boolean;
}

/** Ties `fields` to the payload type: a field the payload has and the table lacks does not compile. */
type FieldsOf<P> = { readonly [K in keyof P]-?: FieldType };

type Column = keyof CallbackTemplatesTable & `${string}_url`;

/** Keeps each entry's parameter and column names literal, so the API's URL parameters are typed from this table. */
type Keyed<K extends EventDescriptor['templateParam'], C extends Column> = { readonly templateParam: K; readonly templateColumn: C };
type Common = Omit<EventDescriptor, 'templateParam' | 'templateColumn' | 'fields' | 'sample' | 'delivery' | 'note'>;

function sent<P extends EventPayload, const K extends EventDescriptor['templateParam'], const C extends Column>(
  d: Common & Keyed<K, C> & { fields: FieldsOf<P>; sample: (where: SampleWhere) => LiveEvent<P> },
): EventDescriptor & Keyed<K, C> {
  return { ...d, delivery: 'sent', note: '' };
}

function neverSent<const K extends EventDescriptor['templateParam'], const C extends Column>(
  d: Common & Keyed<K, C> & { note: string },
): EventDescriptor & Keyed<K, C> {
  return { ...d, delivery: 'never', fields: {}, sample: undefined };
}

/** Tencent: 12 retries one minute apart (push, interruption, recording, porn detection). */
const EVERY_MINUTE: RetryPolicy = { retries: 12, stepMs: 60_000 };
/** Tencent: screenshots get 5 retries two minutes apart. */
const SCREENSHOT_RETRY: RetryPolicy = { retries: 5, stepMs: 120_000 };

const SAMPLE_STREAM = 'livehook_test_stream';

function sampleContext(where: SampleWhere, now: number): StreamContext {
  return {
    appId: where.appId,
    domain: where.domain,
    appName: 'live',
    stream: SAMPLE_STREAM,
    streamParam: 'txSecret=0123456789abcdef0123456789abcdef&txTime=' + Math.floor(now / 1000 + 3600).toString(16).toUpperCase(),
    sequence: String(randomInt(2 ** 47)),
  };
}

/** Calls `build` with a sample stream context and the current time. */
const sample =
  <P extends EventPayload>(build: (c: StreamContext, now: number, where: SampleWhere) => LiveEvent<P>) =>
  (where: SampleWhere): LiveEvent<P> => {
    const now = Date.now();
    return build(sampleContext(where, now), now, where);
  };

const SAMPLE_PUSH = { node: '127.0.0.1', userIp: '127.0.0.1', width: 1280, height: 720 };
const samplePic = (now: number) => `/${new Date(now).toISOString().slice(0, 10)}/${SAMPLE_STREAM}-screenshot-10-12-05-1280x720.jpg`;

const PUSH_FIELDS = {
  appid: 'integer',
  app: 'string',
  appname: 'string',
  stream_id: 'string',
  channel_id: 'string',
  event_time: 'integer',
  sequence: 'string',
  node: 'string',
  user_ip: 'string',
  stream_param: 'string',
  errcode: 'integer',
  errmsg: 'string',
  set_id: 'integer',
  width: 'integer',
  height: 'integer',
} as const;

/**
 * RecordExceptionLevels: no level chosen means every level (a template with the URL set should
 * not stay silent); `alarm`, the SDK's other word for `warning`, selects warnings.
 */
function wantedLevel(template: CallbackTemplate, payload: EventPayload): boolean {
  const levels = template.recordExceptionLevels;
  const level = (payload as RecordExceptionPayload).exception_level;
  return levels.length === 0 || levels.includes(level) || (level === 'warning' && levels.includes('alarm'));
}

export const EVENT_TYPES = [
  sent({
    eventType: 1,
    name: 'Stream push started',
    templateParam: 'StreamBeginNotifyUrl',
    templateColumn: 'stream_begin_url',
    templateUrl: 'streamBegin',
    fieldLabel: 'Stream push callback',
    retry: EVERY_MINUTE,
    fields: { event_type: 'integer', ...PUSH_FIELDS },
    sample: sample((c, now) => pushStarted(c, { ...SAMPLE_PUSH, at: now })),
  }),
  sent({
    eventType: 0,
    name: 'Stream push ended',
    templateParam: 'StreamEndNotifyUrl',
    templateColumn: 'stream_end_url',
    templateUrl: 'streamEnd',
    fieldLabel: 'Stream interruption callback',
    retry: EVERY_MINUTE,
    fields: { event_type: 'integer', ...PUSH_FIELDS, push_duration: 'string' },
    sample: sample((c, now) => pushEnded(c, { ...SAMPLE_PUSH, at: now, durationMs: 61_000, errcode: 1, errmsg: 'push client stopped the stream' })),
  }),
  sent({
    eventType: 100,
    name: 'Recording file',
    templateParam: 'RecordNotifyUrl',
    templateColumn: 'record_url',
    templateUrl: 'record',
    fieldLabel: 'Recording callback',
    retry: EVERY_MINUTE,
    fields: {
      event_type: 'integer', appid: 'integer', app: 'string', appname: 'string', stream_id: 'string', channel_id: 'string',
      file_id: 'string', record_file_id: 'string', file_format: 'string', task_id: 'string', start_time: 'integer',
      end_time: 'integer', start_time_usec: 'integer', end_time_usec: 'integer', duration: 'integer', file_size: 'integer',
      stream_param: 'string', video_url: 'string', media_start_time: 'integer', record_bps: 'integer', callback_ext: 'string',
    },
    sample: sample((c, now, where) =>
      recordFileReady(c, {
        recordFileId: 'livehook_test_record', format: 'mp4', startMs: now - 60_000, endMs: now, durationSeconds: 60,
        fileSize: 1_048_576, videoUrl: `${where.publicUrl}/files/record/${SAMPLE_STREAM}.mp4`, videoCodec: 'h264', width: 1280, height: 720,
      }),
    ),
  }),
  sent({
    eventType: 200,
    name: 'Screenshot',
    templateParam: 'SnapshotNotifyUrl',
    templateColumn: 'snapshot_url',
    templateUrl: 'snapshot',
    fieldLabel: 'Screenshot callback',
    retry: SCREENSHOT_RETRY,
    fields: {
      event_type: 'integer', appid: 'integer', app: 'string', appname: 'string', stream_id: 'string', channel_id: 'string',
      stream_param: 'string', create_time: 'integer', file_size: 'integer', width: 'integer', height: 'integer',
      pic_url: 'string', pic_full_url: 'string',
    },
    sample: sample((c, now, where) =>
      snapshotTaken(c, { at: now, fileSize: 30_670, width: 1280, height: 720, picUrl: samplePic(now), picFullUrl: `${where.publicUrl}/files/snapshots${samplePic(now)}` }),
    ),
  }),
  sent({
    eventType: 317,
    name: 'Porn detection',
    templateParam: 'PornCensorshipNotifyUrl',
    templateColumn: 'porn_url',
    templateUrl: 'porn',
    fieldLabel: 'Porn detection callback',
    retry: EVERY_MINUTE,
    fields: {
      event_type: 'integer', appid: 'integer', app: 'string', appname: 'string', streamId: 'string', channelId: 'string',
      stream_param: 'string', img: 'string', type: 'array', score: 'array', ocrMsg: 'string', suggestion: 'string',
      label: 'string', subLabel: 'string', labelResults: 'array', screenshotTime: 'integer', sendTime: 'integer',
    },
    sample: sample((c, now, where) =>
      pornDetected(c, {
        img: `${where.publicUrl}/files/snapshots${samplePic(now)}`, screenshotAt: now, sentAt: now, suggestion: 'Review', label: 'Porn', subLabel: 'Sexy',
        types: ['Porn'], scores: [72],
        labelResults: [{ Scene: 'Porn', Suggestion: 'Review', Label: 'Porn', SubLabel: 'Sexy', Score: 72, Details: [{ Id: 0, Name: 'Sexy', Score: 72 }] }],
      }),
    ),
  }),
  sent({
    eventType: 332,
    name: 'Recording status',
    templateParam: 'RecordStatusNotifyUrl',
    templateColumn: 'record_status_url',
    templateUrl: 'recordStatus',
    fieldLabel: 'Recording status callback',
    retry: EVERY_MINUTE,
    fields: {
      event_type: 'integer', appid: 'integer', appname: 'string', domain: 'string', event_time: 'integer', record_detail: 'string',
      record_event: 'string', task_id: 'string', seq: 'string', session_id: 'string', stream_id: 'string',
    },
    sample: sample((c, now) => recordStatusChanged(c, { sessionId: c.sequence, format: 'hls', event: 'record_ended', seq: 2, at: now })),
  }),
  sent({
    eventType: 341,
    name: 'Recording exception',
    templateParam: 'RecordExceptionNotifyUrl',
    templateColumn: 'record_exception_url',
    templateUrl: 'recordException',
    fieldLabel: 'Recording exception callback',
    retry: EVERY_MINUTE,
    fields: {
      event_type: 'integer', interface: 'string', appid: 'integer', domain: 'string', path: 'string', stream_id: 'string',
      session_id: 'string', file_format: 'string', timestamp: 'integer', exception_level: 'string', exception: 'object',
    },
    sample: sample((c, now) =>
      recordExceptionSeen(c, { sessionId: c.sequence, format: 'hls', at: now, level: 'warning', type: -9, desc: 'video timestamp jumped by 10000 ms', occurs: 1 }),
    ),
    wanted: wantedLevel,
  }),
  sent(
    {
      eventType: 321,
      name: 'Push exception',
      templateParam: 'PushExceptionNotifyUrl',
      templateColumn: 'push_exception_url',
      templateUrl: 'pushException',
      fieldLabel: 'Push exception callback',
      retry: EVERY_MINUTE,
      fields: {
        event_type: 'integer', interface: 'string', appid: 'integer', domain: 'string', path: 'string', stream_id: 'string',
        stream_param: 'string', sequence: 'string', user_ip: 'string', data_time: 'integer', report_interval: 'integer',
        timeout: 'integer', abnormal_event: 'array',
      },
      sample: sample((c, now) =>
        pushExceptionReport(c, {
          at: now,
          userIp: SAMPLE_PUSH.userIp,
          abnormal: [{
            type: 6, count: 1, detail: [{ desc: 'video frame arrive interval too long, interval=3046(msec)', occur_time: now - 1200 }],
            type_desc_cn: '视频帧到达间隔过长', type_desc_en: 'video frame arrive interval bigger than 1000(ms)',
          }],
        }),
      ),
    },
  ),
  neverSent({
    eventType: 315,
    name: 'Audio moderation',
    templateParam: 'AudioAuditNotifyUrl',
    templateColumn: 'audio_audit_url',
    templateUrl: 'audioAudit',
    fieldLabel: 'Audio moderation callback',
    note: 'Never sent: livehook has no speech-to-text, so it sends no event 315. The URL is only stored (see docs/tencent-compat.md).',
    retry: EVERY_MINUTE,
  }),
];

/** Every URL parameter of Create/ModifyLiveCallbackTemplate that an event type uses. */
export type TemplateUrlParam = (typeof EVENT_TYPES)[number]['templateParam'];
export type TemplateUrlColumn = (typeof EVENT_TYPES)[number]['templateColumn'];

const BY_TYPE = new Map<number, EventDescriptor>(EVENT_TYPES.map((d) => [d.eventType, d]));

export const eventDescriptor = (eventType: number): EventDescriptor | undefined => BY_TYPE.get(eventType);

/** Retry policy of an event type; an unknown one gets Tencent's default (12 × 1 min). */
export const retryPolicy = (eventType: number): RetryPolicy => BY_TYPE.get(eventType)?.retry ?? EVERY_MINUTE;
