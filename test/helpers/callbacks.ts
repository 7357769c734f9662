/**
 * Shared pieces of the tests that deal with callbacks (event, delivery, ingest, console and e2e
 * tests): calling livehook's own actions through the official SDK's generic `request`, binding a
 * domain to a template, building events with realistic values, picking one stream's callbacks out
 * of a receiver, and polling.
 */
import { createHash } from 'node:crypto';
import {
  pornDetected,
  pushEnded,
  pushStarted,
  recordFileReady,
  snapshotTaken,
  type LiveEvent,
  type StreamContext,
} from '../../src/events/builders.js';
import { TEST_APPID, type LiveClient } from './livehook.js';
import type { ReceivedRequest } from './receiver.js';

export const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Calls any action (livehook's own ones included) through the SDK's generic request. */
export async function callAction<T = Record<string, unknown>>(client: LiveClient, action: string, params: Record<string, unknown> = {}): Promise<T> {
  return (await client.request(action, params)) as T;
}

/**
 * A receiver filter: the callbacks about one stream. Events 1, 0, 100 and 200 name it in
 * `stream_id`, event 317 (porn detection) in `streamId`.
 */
export const forStream =
  (stream: string) =>
  (r: ReceivedRequest): boolean => {
    const body = r.json as { stream_id?: unknown; streamId?: unknown } | undefined;
    return body?.stream_id === stream || body?.streamId === stream;
  };

export interface AttemptInfo {
  Attempt: number;
  Time: string;
  StatusCode: number;
  LatencyMs: number;
  ErrorKind: string;
  ResponseExcerpt: string;
}

export interface EventInfo {
  EventId: string;
  EventType: number;
  DomainName: string;
  AppName: string;
  StreamName: string;
  Sequence: string;
  TemplateId: number;
  Url: string;
  Status: string;
  Attempts: number;
  CreateTime: string;
  FinishTime: string;
  Payload: string;
  AttemptList: AttemptInfo[];
}

export interface DescribeCallbackEventsResponse {
  TotalNum: number;
  TotalPage: number;
  PageNum: number;
  PageSize: number;
  EventList: EventInfo[];
}

export const describeEvents = (client: LiveClient, params: Record<string, unknown> = {}): Promise<DescribeCallbackEventsResponse> =>
  callAction<DescribeCallbackEventsResponse>(client, 'DescribeCallbackEvents', params);

/** Every page of DescribeCallbackEvents for a filter. */
export async function allEvents(client: LiveClient, params: Record<string, unknown> = {}): Promise<EventInfo[]> {
  const out: EventInfo[] = [];
  for (let page = 1; ; page++) {
    const r = await describeEvents(client, { ...params, PageNum: page, PageSize: 100 });
    out.push(...r.EventList);
    if (page >= r.TotalPage) return out;
  }
}

/** One event by its EventId (webhook-id); searched within a domain to keep it cheap. */
export async function findEvent(client: LiveClient, eventId: string, domain?: string): Promise<EventInfo | undefined> {
  const events = await allEvents(client, domain ? { DomainName: domain } : {});
  return events.find((e) => e.EventId === eventId);
}

/** Polls `probe` until it returns something other than undefined/false. */
export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Polls DescribeCallbackEvents until the event satisfies `done`. */
export function waitForEvent(
  client: LiveClient,
  eventId: string,
  domain: string,
  done: (e: EventInfo) => boolean,
  timeoutMs = 10_000,
): Promise<EventInfo> {
  return waitUntil(
    async () => {
      const e = await findEvent(client, eventId, domain);
      return e && done(e) ? e : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `event ${eventId}` },
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface TemplateUrls {
  StreamBeginNotifyUrl?: string;
  StreamEndNotifyUrl?: string;
  RecordNotifyUrl?: string;
  SnapshotNotifyUrl?: string;
  PornCensorshipNotifyUrl?: string;
  PushExceptionNotifyUrl?: string;
}

export interface TemplateOptions {
  /** TemplateName; default a unique `tpl_<pid>_<n>`. */
  templateName?: string;
}

let templateCounter = 0;

export async function createTemplate(
  client: LiveClient,
  urls: TemplateUrls,
  callbackKey?: string,
  options: TemplateOptions = {},
): Promise<number> {
  const created = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
    TemplateName: options.templateName ?? `tpl_${process.pid}_${++templateCounter}`,
    ...urls,
    ...(callbackKey === undefined ? {} : { CallbackKey: callbackKey }),
  });
  return created.TemplateId;
}

/** Adds a push domain, creates a template with `urls` and binds it to the whole domain; returns its id. */
export async function bindDomain(
  client: LiveClient,
  domain: string,
  urls: TemplateUrls,
  callbackKey?: string,
  options: TemplateOptions = {},
): Promise<number> {
  await callAction(client, 'AddLiveDomain', { DomainName: domain, DomainType: 0 });
  const templateId = await createTemplate(client, urls, callbackKey, options);
  await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: '', TemplateId: templateId });
  return templateId;
}

/** The template URLs of all five event types on one receiver, one path per type. */
export const allUrls = (url: (path: string) => string): Required<Omit<TemplateUrls, 'PushExceptionNotifyUrl'>> => ({
  StreamBeginNotifyUrl: url('/begin'),
  StreamEndNotifyUrl: url('/end'),
  RecordNotifyUrl: url('/record'),
  SnapshotNotifyUrl: url('/snapshot'),
  PornCensorshipNotifyUrl: url('/porn'),
});

export function streamContext(domain: string, stream: string, sequence = '', appId = TEST_APPID): StreamContext {
  return {
    appId,
    domain,
    appName: 'live',
    stream,
    streamParam: 'txSecret=ca3e25e5dc17a6f9909a9ae7281e300d&txTime=60B83800',
    sequence,
  };
}

const PUSH = { node: '100.121.160.92', userIp: '119.29.94.245', width: 1280, height: 720 };

export const startEvent = (c: StreamContext, at = Date.now()): LiveEvent => pushStarted(c, { ...PUSH, at });

export const endEvent = (c: StreamContext, at = Date.now(), durationMs = 61_234): LiveEvent =>
  pushEnded(c, { ...PUSH, at, durationMs, errcode: 1, errmsg: 'push client stopped the stream' });

export const recordEvent = (c: StreamContext, at = Date.now()): LiveEvent =>
  recordFileReady(c, {
    recordFileId: 'rec_0001',
    format: 'mp4',
    startMs: at - 154_316,
    endMs: at,
    durationSeconds: 154,
    fileSize: 277_941_079,
    videoUrl: `http://127.0.0.1:8080/files/record/${c.stream}.mp4`,
    videoCodec: 'h264',
    width: 640,
    height: 480,
  });

export const snapshotEvent = (c: StreamContext, at = Date.now()): LiveEvent =>
  snapshotTaken(c, {
    at,
    fileSize: 30_670,
    width: 1280,
    height: 720,
    picUrl: `/${c.stream}/${c.stream}-screenshot-10-12-05-1280x720.jpg`,
    picFullUrl: `http://127.0.0.1:8080/files/snapshots/${c.stream}/${c.stream}-screenshot-10-12-05-1280x720.jpg`,
  });

export const pornEvent = (c: StreamContext, at = Date.now()): LiveEvent =>
  pornDetected(c, {
    img: `http://127.0.0.1:8080/files/snapshots/${c.stream}.jpg`,
    screenshotAt: at - 2000,
    sentAt: at,
    suggestion: 'Block',
    label: 'Porn',
    subLabel: 'PornHigh',
    types: ['Porn'],
    scores: [97],
    labelResults: [
      { Scene: 'Porn', Suggestion: 'Block', Label: 'Porn', SubLabel: 'PornHigh', Score: 97, Details: [{ Id: 0, Name: 'PornHigh', Score: 97 }] },
    ],
  });

/** A builder per event type, for tests that go over all five. */
export const EVENT_BUILDERS: Record<number, (c: StreamContext) => LiveEvent> = {
  1: (c) => startEvent(c),
  0: (c) => endEvent(c),
  100: (c) => recordEvent(c),
  200: (c) => snapshotEvent(c),
  317: (c) => pornEvent(c),
};
