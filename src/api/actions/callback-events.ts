/**
 * livehook's own additions, in Tencent's envelope: DescribeCallbackEvents (the delivery log with
 * every attempt), ResendCallbackEvent (one event, or every failed one in a time range),
 * SendTestCallback (a sample event POSTed now to a template's URL, answer reported back) and
 * DescribeCallbackEventTypes (the event registry, which the console's forms are built from).
 */
import { z } from 'zod';
import { callbackBody } from '../../delivery/callback-body.js';
import type { ResendItem } from '../../delivery/outbox.js';
import { signedHeaders } from '../../delivery/signing.js';
import { callbackUrlFor } from '../../events/callback-url.js';
import { newWebhookId } from '../../events/emit.js';
import { EVENT_TYPES, eventDescriptor } from '../../events/registry.js';
import {
  findEventByWebhookId,
  findEventIds,
  findEventsByIds,
  listAttempts,
  pageEvents,
  type AttemptRow,
  type EventRow,
} from '../../store/callback-events.js';
import { defineAction, type ActionContext } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { apiError } from '../errors.js';
import { appName, domainName, integer, pageReply, pageWindow, pagingShape, templateId, timeRangeShape } from '../params.js';
import { requireCallbackTemplate } from './callback-templates.js';

/** At most this many events are resent by one time-range call; call again for more. */
const MAX_RESEND_PER_CALL = 10_000;

const CODES = EVENT_TYPES.map((d) => d.eventType).sort((a, b) => a - b);
export const eventType = () => integer(CODES[0]!, CODES.at(-1)!).refine((t) => CODES.includes(t), `one of ${CODES.join(', ')}`);
const webhookId = () => z.string().regex(/^msg_[0-9a-f]{32}$/, 'an EventId as returned by DescribeCallbackEvents');

function toAttemptInfo(a: AttemptRow) {
  return {
    Attempt: Number(a.attempt),
    Time: beijingTime(a.started_at),
    StatusCode: a.status_code == null ? 0 : Number(a.status_code),
    LatencyMs: Number(a.latency_ms),
    ErrorKind: a.error_kind ?? '',
    ResponseExcerpt: a.response_excerpt,
  };
}

function toEventInfo(e: EventRow, attempts: AttemptRow[]) {
  return {
    EventId: e.webhook_id,
    EventType: Number(e.event_type),
    DomainName: e.domain,
    AppName: e.app_name,
    StreamName: e.stream,
    Sequence: e.sequence,
    TemplateId: e.template_id == null ? 0 : Number(e.template_id),
    Url: e.url,
    Status: e.status,
    Attempts: Number(e.attempts),
    CreateTime: beijingTime(e.created_at),
    FinishTime: e.finished_at == null ? '' : beijingTime(e.finished_at),
    Payload: e.payload,
    AttemptList: attempts.map(toAttemptInfo),
  };
}

export const DescribeCallbackEvents = defineAction(
  z.strictObject({
    ...timeRangeShape(),
    DomainName: domainName().optional(),
    StreamName: appName().optional(),
    EventType: eventType().optional(),
    Status: z.enum(['pending', 'delivered', 'failed', 'no_callback', 'no_url']).optional(),
    ...pagingShape({ min: 1, max: 100, default: 20 }),
  }),
  async (ctx, p) => {
    const filter = {
      appId: ctx.appId,
      from: p.StartTime,
      to: p.EndTime,
      domain: p.DomainName,
      stream: p.StreamName,
      eventType: p.EventType,
      status: p.Status,
    };
    const page = await pageEvents(ctx.db, filter, pageWindow(p));
    const attempts = await listAttempts(ctx.db, page.rows.map((e) => Number(e.id)));
    const byEvent = new Map<number, AttemptRow[]>();
    for (const a of attempts) {
      const list = byEvent.get(Number(a.event_id));
      if (list) list.push(a);
      else byEvent.set(Number(a.event_id), [a]);
    }
    return {
      ...pageReply(p, page.total),
      EventList: page.rows.map((e) => toEventInfo(e, byEvent.get(Number(e.id)) ?? [])),
    };
  },
);

/** Resend items for finished events that had a URL, signed with their template's current key. */
function resendItems(ctx: ActionContext, events: readonly EventRow[]): ResendItem[] {
  return events.flatMap((e) => {
    const template = e.template_id == null ? undefined : ctx.config.template(Number(e.template_id));
    if (!e.url || !template || e.status === 'pending') return [];
    return [{ eventId: Number(e.id), url: e.url, eventType: Number(e.event_type), callbackKey: template.callbackKey }];
  });
}

export const ResendCallbackEvent = defineAction(
  z.strictObject({
    EventId: webhookId().optional(),
    ...timeRangeShape(),
    DomainName: domainName().optional(),
  }),
  async (ctx, p) => {
    let events: EventRow[];
    if (p.EventId !== undefined) {
      if (p.StartTime !== undefined || p.EndTime !== undefined) {
        throw apiError('InvalidParameter', 'Give either EventId or StartTime and EndTime, not both.');
      }
      const event = await findEventByWebhookId(ctx.db, ctx.appId, p.EventId);
      if (!event) throw apiError('FailedOperation.NotFound', 'No event has that EventId.');
      if (event.status === 'pending') throw apiError('FailedOperation', 'The event is still being delivered.');
      if (!event.url) throw apiError('FailedOperation', 'The event had no callback URL: nothing to resend.');
      events = [event];
    } else {
      if (p.StartTime === undefined || p.EndTime === undefined) {
        throw apiError('MissingParameter', 'Give EventId, or StartTime and EndTime to resend every failed event in that range.');
      }
      if (p.EndTime < p.StartTime) throw apiError('InvalidParameterValue', 'EndTime is before StartTime.');
      const ids = await findEventIds(
        ctx.db,
        { appId: ctx.appId, from: p.StartTime, to: p.EndTime, domain: p.DomainName, status: 'failed' },
        MAX_RESEND_PER_CALL,
      );
      events = await findEventsByIds(ctx.db, ids);
    }
    const items = resendItems(ctx, events);
    if (p.EventId !== undefined && items.length === 0) {
      throw apiError('InvalidParameter.ConfNotFound', 'The event’s callback template no longer exists.');
    }
    const count = await ctx.delivery.outbox.resend(items, Date.now());
    if (count > 0) ctx.delivery.wake();
    return { ResentCount: count };
  },
);

export const SendTestCallback = defineAction(
  z.strictObject({
    TemplateId: templateId(),
    EventType: eventType(),
    DomainName: domainName().optional(),
  }),
  async (ctx, p) => {
    await requireCallbackTemplate(ctx, p.TemplateId);
    const template = ctx.config.template(p.TemplateId);
    if (!template) throw apiError('InvalidParameter.ConfNotFound');
    const url = callbackUrlFor(template, p.EventType);
    if (!url) throw apiError('InvalidParameterValue', `The template has no URL for event type ${p.EventType}.`);
    const sample = eventDescriptor(p.EventType)?.sample;
    if (!sample) throw apiError('InvalidParameterValue', `livehook never sends event type ${p.EventType}, so it has no sample of it.`);
    const event = sample({ appId: ctx.appId, domain: p.DomainName ?? 'test.livehook.local', publicUrl: ctx.publicUrl });
    const now = Date.now();
    const body = callbackBody(JSON.stringify(event.payload), template.callbackKey, now);
    const headers = signedHeaders({ callbackKey: template.callbackKey, webhookId: newWebhookId(), timestampSec: Math.floor(now / 1000), body });
    const result = await ctx.delivery.http.post(url, body, headers);
    return {
      Url: url,
      Success: result.ok,
      StatusCode: result.status ?? 0,
      LatencyMs: Math.round(result.latencyMs),
      ResponseExcerpt: result.responseExcerpt ?? '',
      ErrorKind: result.ok ? '' : result.kind,
      ErrorMessage: result.ok ? '' : result.message,
      Body: body,
    };
  },
);

/** The event types livehook knows: which template field receives each, whether it is sent, its retries. */
export const DescribeCallbackEventTypes = defineAction(z.strictObject({}), async () => ({
  EventTypeList: EVENT_TYPES.map((d) => ({
    EventType: d.eventType,
    Name: d.name,
    TemplateField: d.templateParam,
    FieldLabel: d.fieldLabel,
    Delivery: d.delivery,
    Note: d.note,
    HasSample: d.sample !== undefined,
    RetryCount: d.retry.retries,
    RetryIntervalSeconds: d.retry.stepMs / 1000,
  })),
}));
