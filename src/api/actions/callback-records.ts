/**
 * DescribeCallbackRecordsList: the callbacks sent about one stream in a time range, one record per
 * delivery attempt, from livehook's delivery log (docs/stream-history.md).
 */
import { z } from 'zod';
import { pageCallbackRecords, type CallbackRecordRow } from '../../store/callback-records.js';
import { defineAction } from '../action.js';
import { integer, pageReply, pageWindow } from '../params.js';
import { eventType } from './callback-events.js';
import { anyTimeParam, checkRange, formatTime, RANGE_LIMITS, type TimeFormat } from './history-time.js';

/** ResultCode of an attempt: 0 accepted, else the receiver's HTTP status, or -1 when it gave none. */
const NO_ANSWER = -1;

const resultCode = (r: CallbackRecordRow): number =>
  r.error_kind == null ? 0 : r.status_code == null ? NO_ANSWER : Number(r.status_code);

function toCallbackEventInfo(r: CallbackRecordRow, format: TimeFormat) {
  return {
    EventTime: formatTime(r.event_created_at, format),
    EventType: Number(r.event_type),
    Request: r.payload,
    Response: r.response_excerpt,
    ResponseTime: formatTime(Number(r.started_at) + Number(r.latency_ms), format),
    ResultCode: resultCode(r),
    StreamId: r.stream,
  };
}

export const DescribeCallbackRecordsList = defineAction(
  z.strictObject({
    StartTime: anyTimeParam(),
    EndTime: anyTimeParam(),
    StreamName: z.string().min(1).max(256),
    PageNum: integer(1, 100000),
    PageSize: integer(1, 100),
    EventType: eventType().optional(),
    ResultCode: integer(0, 2 ** 31 - 1).optional(),
  }),
  async (ctx, p) => {
    const { from, to } = checkRange(p.StartTime, p.EndTime, RANGE_LIMITS.callbacks);
    const page = await pageCallbackRecords(
      ctx.db,
      {
        appId: ctx.appId,
        stream: p.StreamName,
        from,
        to,
        eventType: p.EventType,
        succeeded: p.ResultCode === undefined ? undefined : p.ResultCode === 0,
      },
      pageWindow(p),
    );
    return {
      DataInfoList: page.rows.map((r) => toCallbackEventInfo(r, p.StartTime.format)),
      ...pageReply(p, page.total),
    };
  },
);
