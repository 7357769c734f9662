/**
 * Stream actions: DescribeLiveStreamOnlineList, DropLiveStream, ForbidLiveStream,
 * ResumeLiveStream, DescribeLiveForbidStreamList. Forbidding is stored configuration (it flows
 * through the config cache, which every instance reloads, and the holder ends a live push of that
 * stream); dropping ends the push in the store, wherever it is held, and its holder closes the
 * publisher (media/push-sessions.ts). The online list is read from the store: every instance's pushes.
 */
import { z } from 'zod';
import { EndReason } from '../../media/end-reasons.js';
import { deleteForbiddenStream, listForbiddenStreams, upsertForbiddenStream } from '../../store/forbidden-streams.js';
import { listLivePushSessions } from '../../store/push-sessions.js';
import { defineAction } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { apiError } from '../errors.js';
import { appName, bytes, domainName, pageReply, pageWindow, pagingShape } from '../params.js';
import { requireDomain } from './domains.js';

const DAY_MS = 24 * 3600 * 1000;
/** Tencent: forbidden for 7 days by default, 90 days at most. */
const DEFAULT_FORBID_MS = 7 * DAY_MS;
const MAX_FORBID_MS = 90 * DAY_MS;

const streamName = () => z.string().min(1).max(256).regex(/^[A-Za-z0-9_.-]+$/, 'only letters, digits, _ - and . are allowed');
/** ISO 8601 as Tencent takes it: `2018-11-29T19:00:00Z` (UTC) or with an offset (`+08:00`). */
const isoTime = () =>
  z.string().transform((s, ctx) => {
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) ? Date.parse(s) : NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time such as 2018-11-29T19:00:00Z' });
      return z.NEVER;
    }
    return ms;
  });

export const DescribeLiveStreamOnlineList = defineAction(
  z.strictObject({
    DomainName: domainName().optional(),
    AppName: appName().optional(),
    ...pagingShape({ min: 10, max: 300000, default: 10 }),
    StreamName: z.string().max(256).optional(),
  }),
  async (ctx, p) => {
    // The store has every instance's pushes; the holder is shown as a livehook extension field.
    const live = await listLivePushSessions(ctx.db, ctx.appId, { domain: p.DomainName, app: p.AppName, stream: p.StreamName });
    const { offset, limit } = pageWindow(p);
    return {
      ...pageReply(p, live.length),
      OnlineInfo: live.slice(offset, offset + limit).map((s) => ({
        StreamName: s.stream_name,
        AppName: s.app_name,
        DomainName: s.domain_name,
        PublishTimeList: [{ PublishTime: new Date(s.started_at ?? s.admitted_at).toISOString().replace(/\.\d{3}Z$/, 'Z') }],
        PushToDelay: 0,
        LivehookInstanceId: s.instance_id,
      })),
    };
  },
);

const streamParams = z.strictObject({ DomainName: domainName(), AppName: appName(), StreamName: streamName() });

export const DropLiveStream = defineAction(streamParams, async (ctx, p) => {
  await requireDomain(ctx, p.DomainName);
  if (!(await ctx.pushes.end(p.DomainName, p.AppName, p.StreamName, EndReason.dropped))) {
    throw apiError('ResourceNotFound.StreamNotAlive');
  }
  return {};
});

export const ForbidLiveStream = defineAction(
  streamParams.extend({
    ResumeTime: isoTime().optional(),
    Reason: bytes(2048).optional(),
  }),
  async (ctx, p) => {
    await requireDomain(ctx, p.DomainName);
    const now = Date.now();
    const resumeAt = p.ResumeTime ?? now + DEFAULT_FORBID_MS;
    if (resumeAt <= now) throw apiError('InvalidParameterValue', 'ResumeTime must be in the future.');
    if (resumeAt > now + MAX_FORBID_MS) throw apiError('InvalidParameterValue', 'A stream can be forbidden for 90 days at most.');
    await upsertForbiddenStream(ctx.db, {
      app_id: ctx.appId,
      domain_name: p.DomainName,
      app_name: p.AppName,
      stream_name: p.StreamName,
      reason: p.Reason ?? '',
      resume_at: resumeAt,
      created_at: now,
    });
    // The rebuilt cache ends a live push of this stream (errcode 10) and refuses new ones.
    await ctx.config.invalidate();
    return {};
  },
);

export const ResumeLiveStream = defineAction(streamParams, async (ctx, p) => {
  await requireDomain(ctx, p.DomainName);
  await deleteForbiddenStream(ctx.db, ctx.appId, p.DomainName, p.AppName, p.StreamName);
  await ctx.config.invalidate();
  return {};
});

export const DescribeLiveForbidStreamList = defineAction(
  z.strictObject({
    ...pagingShape({ min: 1, max: 100, default: 10 }),
    StreamName: z.string().max(256).optional(),
  }),
  async (ctx, p) => {
    const all = (await listForbiddenStreams(ctx.db, Date.now(), ctx.appId)).filter(
      (f) => p.StreamName === undefined || f.stream_name === p.StreamName,
    );
    const { offset, limit } = pageWindow(p);
    return {
      ...pageReply(p, all.length),
      ForbidStreamList: all.slice(offset, offset + limit).map((f) => ({
        StreamName: f.stream_name,
        AppName: f.app_name,
        DomainName: f.domain_name,
        CreateTime: beijingTime(f.created_at),
        ExpireTime: beijingTime(f.resume_at),
        Reason: f.reason,
      })),
    };
  },
);
