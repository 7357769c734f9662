/**
 * Stream state and history, read from the push sessions of every instance
 * (docs/stream-history.md): DescribeLiveStreamState, DescribeLiveStreamEventList,
 * DescribeLiveStreamPublishedList and DescribeLiveStreamPushInfoList.
 */
import { z } from 'zod';
import type { MeterReading } from '../../media/stream-meter.js';
import { pageLiveSessions, pagePublishedStreams, pageSessionHistory } from '../../store/push-history.js';
import { findLivePushSession, type PushSessionRow } from '../../store/push-sessions.js';
import { defineAction, type ActionContext } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { appName, domainName, flag, integer, pageReply, pageWindow, pagingShape } from '../params.js';
import { checkPageWithinQueryLimit, checkRange, RANGE_LIMITS, utcTime, utcTimeParam } from './history-time.js';

const streamName = () => z.string().min(1).max(256);

export const DescribeLiveStreamState = defineAction(
  z.strictObject({ AppName: appName(), DomainName: domainName(), StreamName: streamName() }),
  async (ctx, p) => {
    const domain = ctx.config.domain(p.DomainName);
    // Another account's domain is answered as one without pushes.
    if (domain?.appId === ctx.appId && ctx.config.forbiddenUntil(p.DomainName, p.AppName, p.StreamName) !== undefined) {
      return { StreamState: 'forbid' };
    }
    const live = await findLivePushSession(ctx.db, ctx.appId, p.DomainName, p.AppName, p.StreamName);
    return { StreamState: live ? 'active' : 'inactive' };
  },
);

/** `1280*720`, Tencent's way of writing a resolution; '' while unknown. */
const resolution = (s: PushSessionRow): string => (Number(s.width) > 0 ? `${Number(s.width)}*${Number(s.height)}` : '');
const pushStartOf = (s: PushSessionRow): number => Number(s.started_at ?? s.admitted_at);

/** StreamEventInfo / StreamName (one push): times in UTC; a live push has no end yet. */
function toStreamEventInfo(s: PushSessionRow, now: number) {
  const start = pushStartOf(s);
  const end = s.ended_at == null ? undefined : Number(s.ended_at);
  return {
    AppName: s.app_name,
    DomainName: s.domain_name,
    StreamName: s.stream_name,
    StreamStartTime: utcTime(start),
    StreamEndTime: end === undefined ? '' : utcTime(end),
    StopReason: s.end_errmsg ?? '',
    Duration: Math.max(0, Math.floor(((end ?? now) - start) / 1000)),
    ClientIp: s.client_ip,
    Resolution: resolution(s),
  };
}

const timeRange = { StartTime: utcTimeParam(), EndTime: utcTimeParam() };

export const DescribeLiveStreamEventList = defineAction(
  z.strictObject({
    ...timeRange,
    AppName: appName().optional(),
    DomainName: domainName().optional(),
    StreamName: z.string().max(256).optional(),
    ...pagingShape({ min: 1, max: 100, default: 10 }),
    IsFilter: flag().default(0),
    IsStrict: flag().default(0),
    IsAsc: flag().default(0),
  }),
  async (ctx, p) => {
    const { from, to } = checkRange(p.StartTime, p.EndTime, RANGE_LIMITS.sessions);
    checkPageWithinQueryLimit(p);
    const page = await pageSessionHistory(
      ctx.db,
      {
        appId: ctx.appId,
        from,
        to,
        domain: p.DomainName,
        app: p.AppName,
        stream: p.StreamName || undefined,
        strict: p.IsStrict === 1,
        startedOnly: p.IsFilter === 1,
      },
      pageWindow(p),
      p.IsAsc === 1,
    );
    const now = Date.now();
    return { EventList: page.rows.map((s) => toStreamEventInfo(s, now)), ...pageReply(p, page.total) };
  },
);

export const DescribeLiveStreamPublishedList = defineAction(
  z.strictObject({
    DomainName: domainName(),
    ...timeRange,
    AppName: appName().optional(),
    ...pagingShape({ min: 10, max: 100, default: 10 }),
    StreamName: z.string().max(256).optional(),
  }),
  async (ctx, p) => {
    const { from, to } = checkRange(p.StartTime, p.EndTime, RANGE_LIMITS.sessions);
    checkPageWithinQueryLimit(p);
    const page = await pagePublishedStreams(
      ctx.db,
      { appId: ctx.appId, from, to, domain: p.DomainName, app: p.AppName, stream: p.StreamName || undefined },
      pageWindow(p),
    );
    const now = Date.now();
    return { PublishInfo: page.rows.map((s) => toStreamEventInfo(s, now)), ...pageReply(p, page.total) };
  },
);

const UNMEASURED: MeterReading = {
  videoBps: 0,
  audioBps: 0,
  videoFps: 0,
  audioFps: 0,
  gopMs: 0,
  gopFrames: 0,
  videoCodec: '',
  audioCodec: '',
  audioSampleRate: 0,
  metaVideoBps: 0,
  metaAudioBps: 0,
  metaFps: 0,
};

/** PushDataInfo: the store's fields, and the media figures when this process measures the push. */
function toPushDataInfo(ctx: ActionContext, s: PushSessionRow) {
  const m = ctx.meters?.reading(s.sequence) ?? UNMEASURED;
  return {
    StreamName: s.stream_name,
    AppName: s.app_name,
    ClientIp: s.client_ip,
    ServerIp: s.node,
    VideoFps: Math.round(m.videoFps),
    VideoSpeed: m.videoBps,
    AudioFps: Math.round(m.audioFps),
    AudioSpeed: m.audioBps,
    PushDomain: s.domain_name,
    BeginPushTime: beijingTime(pushStartOf(s)),
    Acodec: m.audioCodec || s.audio_codec.toUpperCase(),
    Vcodec: m.videoCodec || s.video_codec.toUpperCase(),
    Resolution: resolution(s),
    AsampleRate: m.audioSampleRate,
    MetaAudioSpeed: m.metaAudioBps,
    MetaVideoSpeed: m.metaVideoBps,
    MetaFps: Math.round(m.metaFps),
  };
}

export const DescribeLiveStreamPushInfoList = defineAction(
  z.strictObject({
    PushDomain: domainName().optional(),
    AppName: appName().optional(),
    PageNum: integer(1, 10000).default(1),
    PageSize: integer(1, 100000).default(200),
  }),
  async (ctx, p) => {
    const page = await pageLiveSessions(ctx.db, { appId: ctx.appId, domain: p.PushDomain, app: p.AppName }, pageWindow(p));
    return { DataInfoList: page.rows.map((s) => toPushDataInfo(ctx, s)), ...pageReply(p, page.total) };
  },
);
