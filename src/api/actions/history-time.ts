/**
 * Times of the stream history actions (docs/stream-history.md): the UTC form
 * `YYYY-MM-DDThh:mm:ssZ` that DescribeLiveStreamEventList and DescribeLiveStreamPublishedList
 * take and answer in, the Beijing form `YYYY-MM-DD hh:mm:ss` that DescribeCallbackRecordsList
 * also takes (its answer uses the form of the request), and the checks on a StartTime/EndTime
 * pair: order, span, how far back, not in the future.
 */
import { z } from 'zod';
import { beijingTime, parseBeijingTime } from '../beijing-time.js';
import { apiError } from '../errors.js';

export type TimeFormat = 'utc' | 'beijing';

const UTC_FORMAT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

export const utcTime = (epochMs: number): string => new Date(Number(epochMs)).toISOString().slice(0, 19) + 'Z';

/** Parses `YYYY-MM-DDThh:mm:ssZ`; undefined when malformed or not a real date. */
function parseUtcTime(text: string): number | undefined {
  const m = UTC_FORMAT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return utcTime(ms) === text ? ms : undefined;
}

export interface GivenTime {
  readonly ms: number;
  readonly format: TimeFormat;
}

const timeParam = (formats: readonly TimeFormat[]) =>
  z.string().transform((s, ctx): GivenTime => {
    const utc = parseUtcTime(s);
    if (utc !== undefined) return { ms: utc, format: 'utc' };
    const beijing = formats.includes('beijing') ? parseBeijingTime(s) : undefined;
    if (beijing !== undefined) return { ms: beijing, format: 'beijing' };
    ctx.addIssue({
      code: 'custom',
      message: formats.includes('beijing')
        ? 'expected UTC YYYY-MM-DDThh:mm:ssZ or Beijing time YYYY-MM-DD hh:mm:ss'
        : 'expected UTC YYYY-MM-DDThh:mm:ssZ',
    });
    return z.NEVER;
  });

/** A required UTC time (`2018-12-29T19:00:00Z`). */
export const utcTimeParam = () => timeParam(['utc']);
/** A required time in either of Tencent's forms. */
export const anyTimeParam = () => timeParam(['utc', 'beijing']);

/** A time in the form the caller used. */
export const formatTime = (epochMs: number, format: TimeFormat): string =>
  format === 'utc' ? utcTime(epochMs) : beijingTime(epochMs);

const DAY_MS = 24 * 3600 * 1000;
/** Clocks of caller and server may differ this much (the same allowance as the signature's). */
const CLOCK_SKEW_MS = 300_000;

export const RANGE_LIMITS = {
  /** DescribeLiveStreamEventList and …PublishedList: 30 days apart, 60 days back. */
  sessions: { maxSpanMs: 30 * DAY_MS, maxAgeMs: 60 * DAY_MS, spanText: '30 days (1 month)', ageText: '60 days (2 months)' },
  /** DescribeCallbackRecordsList: 1 day apart, 14 days back. */
  callbacks: { maxSpanMs: DAY_MS, maxAgeMs: 14 * DAY_MS, spanText: '1 day', ageText: '14 days' },
} as const;

/**
 * Checks a StartTime/EndTime pair (both given to the second) and returns it as a Unix-ms range
 * whose end is the last millisecond of EndTime's second. Problems are InvalidParameterValue,
 * the code Tencent lists for these actions.
 */
export function checkRange(
  start: GivenTime,
  end: GivenTime,
  limits: (typeof RANGE_LIMITS)[keyof typeof RANGE_LIMITS],
  now = Date.now(),
): { from: number; to: number } {
  if (end.ms < start.ms) throw apiError('InvalidParameterValue', 'EndTime is before StartTime.');
  if (end.ms - start.ms > limits.maxSpanMs) {
    throw apiError('InvalidParameterValue', `StartTime and EndTime may be at most ${limits.spanText} apart.`);
  }
  if (end.ms > now + CLOCK_SKEW_MS) throw apiError('InvalidParameterValue', 'EndTime is after the current time.');
  if (start.ms < now - limits.maxAgeMs) {
    throw apiError('InvalidParameterValue', `StartTime may be at most ${limits.ageText} ago.`);
  }
  return { from: start.ms, to: end.ms + 999 };
}

/** Tencent answers at most the first 10,000 rows of a query; later pages must narrow the range. */
const MAX_QUERY_ROWS = 10_000;

export function checkPageWithinQueryLimit(p: { PageNum: number; PageSize: number }): void {
  if ((p.PageNum - 1) * p.PageSize >= MAX_QUERY_ROWS) {
    throw apiError('InvalidParameterValue', `Only the first ${MAX_QUERY_ROWS} records can be paged through; narrow the time range.`);
  }
}
