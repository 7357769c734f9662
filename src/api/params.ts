/**
 * Action parameters: zod schemas for Tencent's parameter types, and the mapping of validation
 * failures onto Tencent's error codes (UnknownParameter, MissingParameter, InvalidParameter for a
 * wrong type, InvalidParameterValue for a value out of range or format, or a specific code that a
 * schema names in its `params.code`).
 */
import { z } from 'zod';
import { isDomainName, MAX_DOMAIN_NAME_LENGTH } from '../media/stream-names.js';
import { parseBeijingTime } from './beijing-time.js';
import { ApiError, isApiErrorCode, type ApiErrorCode } from './errors.js';

const TENCENT_TYPE: Record<string, string> = {
  string: 'String',
  number: 'Integer',
  int: 'Integer',
  array: 'Array',
  object: 'Object',
  boolean: 'Boolean',
};

function paramName(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `.${p}` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/**
 * The Tencent type a value should have had, when the problem is its JSON type rather than its
 * value. Literal unions and enums (DomainType, 0/1 flags) report any bad input as a bad value, so
 * their branches are inspected: `"0"` for DomainType is a wrong type, `2` a wrong value.
 */
function expectedType(issue: z.core.$ZodIssue, input: unknown = issue.input): string | undefined {
  if (issue.code === 'invalid_type') return TENCENT_TYPE[issue.expected] ?? issue.expected;
  if (issue.code === 'invalid_value') {
    const types = new Set(issue.values.map((v) => typeof v));
    return types.has(typeof input) ? undefined : [...types].map((t) => TENCENT_TYPE[t] ?? t).join(' or ');
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const perBranch = issue.errors.map((branch) => branch.map((i) => expectedType(i, input)).find((t) => t !== undefined));
    return perBranch.every((t) => t !== undefined) ? [...new Set(perBranch)].join(' or ') : undefined;
  }
  return undefined;
}

/**
 * Turn a failed parse of an action's parameters into the ApiError Tencent would answer. When
 * several problems are found, the first by rank wins: unknown, missing, wrong type, bad value.
 */
function toApiError(error: z.ZodError): ApiError {
  const ranked = error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const name = paramName([...issue.path, issue.keys[0] ?? '']);
        return { rank: 0, error: new ApiError('UnknownParameter', `The parameter \`${name}\` is not recognized.`) };
      }
      const name = paramName(issue.path);
      if ((issue.code === 'invalid_type' || issue.code === 'invalid_union' || issue.code === 'invalid_value') && issue.input === undefined) {
        return { rank: 1, error: new ApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`) };
      }
      const expected = expectedType(issue);
      if (expected !== undefined) {
        return { rank: 2, error: new ApiError('InvalidParameter', `The type of parameter \`${name}\` is incorrect; expected ${expected}.`) };
      }
      const code: ApiErrorCode =
        issue.code === 'custom' && isApiErrorCode(issue.params?.code) ? issue.params.code : 'InvalidParameterValue';
      return { rank: 3, error: new ApiError(code, `The value of parameter \`${name}\` is invalid: ${issue.message}`) };
    })
    .sort((a, b) => a.rank - b.rank);
  return ranked[0]?.error ?? new ApiError('InvalidParameter');
}

export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw toApiError(result.error);
  return result.data;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A refinement that reports a specific Tencent code when it fails. */
const withCode = (code: ApiErrorCode, message: string) => ({ message, params: { code } });

// ---- Tencent parameter types ----

/** Tencent Integer: a JSON number that is a whole number. */
export const integer = (min: number, max: number) => z.number().int().min(min).max(max);
export const flag = () => z.union([z.literal(0), z.literal(1)]);

/** A string limited in UTF-8 bytes, as Tencent's limits are. */
export const bytes = (max: number) =>
  z.string().refine((s) => byteLength(s) <= max, { message: `at most ${max} bytes` });

/** Chinese, letters, digits, `_` and `-`: Tencent's charset for names and descriptions. */
const NAME_CHARSET = /^[\p{Script=Han}A-Za-z0-9_-]*$/u;

/** TemplateName (callback, snapshot and record templates): 1–255 bytes of NAME_CHARSET. */
export const templateName = () =>
  bytes(255)
    .refine((s) => s.length > 0, withCode('InvalidParameter.ArgsNotMatch', 'must not be empty'))
    .refine((s) => NAME_CHARSET.test(s), withCode('InvalidParameter.ArgsNotMatch', 'only Chinese, letters, digits, _ and - are allowed'));

/** A template's Description: up to 1024 bytes, same charset as names. */
export const description = () =>
  bytes(1024).refine((s) => NAME_CHARSET.test(s), 'only Chinese, letters, digits, _ and - are allowed');

/** TemplateId of any template family. */
export const templateId = () => integer(1, Number.MAX_SAFE_INTEGER);

/** DomainName: lower-cased, then checked for length and format with Tencent's codes. */
export const domainName = () =>
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .refine((s) => s.length <= MAX_DOMAIN_NAME_LENGTH, withCode('InvalidParameter.DomainTooLong', `at most ${MAX_DOMAIN_NAME_LENGTH} characters`))
    .refine((s) => isDomainName(s), withCode('InvalidParameter.DomainFormatError', 'not a valid domain name'));

/** AppName (push path): letters, digits, `_`, `-`, `.`; '' means the whole domain in rules. */
export const appName = () =>
  z.string().max(64).regex(/^[A-Za-z0-9_.-]*$/, 'only letters, digits, _ - and . are allowed');

const MAX_URL_LENGTH = 2048;

/** A callback URL: http(s) with a host, or '' to clear it. */
export const callbackUrl = () =>
  z
    .string()
    .max(MAX_URL_LENGTH)
    .refine((s) => s === '' || isHttpUrl(s), 'must be an http:// or https:// URL');

function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\//i.test(s)) return false;
  try {
    const url = new URL(s);
    return url.hostname.length > 0 && !url.username && !url.password;
  } catch {
    return false;
  }
}

/**
 * PageNum and PageSize of a Describe…List action. PageNum is 1–100000 (default 1) everywhere;
 * PageSize's limits and default are the action's own, as Tencent's differ per action.
 */
export const pagingShape = (pageSize: { min: number; max: number; default: number }) => ({
  PageNum: integer(1, 100000).default(1),
  PageSize: integer(pageSize.min, pageSize.max).default(pageSize.default),
});

interface Paging {
  readonly PageNum: number;
  readonly PageSize: number;
}

/** The rows a page holds, as an offset and a limit. */
export const pageWindow = (p: Paging) => ({ offset: (p.PageNum - 1) * p.PageSize, limit: p.PageSize });

/** The paging fields of a Describe…List answer, for `total` rows in all. */
export const pageReply = (p: Paging, total: number) => ({
  TotalNum: total,
  TotalPage: Math.ceil(total / p.PageSize),
  PageNum: p.PageNum,
  PageSize: p.PageSize,
});

/**
 * A time given as Beijing time `YYYY-MM-DD HH:MM:SS` (Tencent's format), parsed to Unix ms.
 * Times have whole seconds, so the end of a range means the last millisecond of its second:
 * an event listed with CreateTime X is then found by EndTime X.
 */
const beijingTimeParam = (edge: 'start' | 'end' = 'start') =>
  z.string().transform((s, ctx) => {
    const ms = parseBeijingTime(s);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected Beijing time YYYY-MM-DD HH:MM:SS' });
      return z.NEVER;
    }
    return edge === 'end' ? ms + 999 : ms;
  });

/** StartTime and EndTime: an optional Beijing-time range, EndTime up to the end of its second. */
export const timeRangeShape = () => ({
  StartTime: beijingTimeParam().optional(),
  EndTime: beijingTimeParam('end').optional(),
});
