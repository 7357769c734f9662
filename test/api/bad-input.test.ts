/**
 * Bad input against every action in src/api/router.ts's ACTIONS (new actions are covered
 * automatically): malformed bodies, unknown/missing/mistyped/out-of-range parameters, oversized
 * strings, random JSON and random bytes, all sent as correctly signed raw requests.
 *
 * Every answer must be HTTP 200 with the `{"Response":…}` envelope, a UUID RequestId, and either a
 * success or an error whose code is in API_ERRORS, never InternalError, never a stack trace.
 * On top of that, the table checks the specific code: unknown key → UnknownParameter, missing
 * required → MissingParameter, wrong type → InvalidParameter, out of range → InvalidParameterValue.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { API_ERRORS } from '../../src/api/errors.js';
import { MAX_BODY_BYTES } from '../../src/api/route.js';
import { ACTIONS } from '../../src/api/router.js';
import { TEST_SECRET_ID, TEST_SECRET_KEY, startTestLivehook, type TestLivehook } from '../helpers/livehook.js';

/** Property runs per action and property; keep the whole file well under ~15 s. */
const NUM_RUNS = 30;
/** Set FC_SEED to replay a failure fast-check reported. */
const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: NUM_RUNS,
  includeErrorInReport: true,
  ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
};
const ACTION_NAMES = Object.keys(ACTIONS);

// ---- Schema introspection (zod 4 internals: `_zod.def`) ----

interface ZodLike {
  readonly _zod: { readonly def: Record<string, unknown> & { readonly type: string } };
  safeParse(input: unknown): { success: boolean };
}

type Kind = 'string' | 'integer' | 'array' | 'boolean' | 'object' | 'unknown';

function unwrap(schema: ZodLike): ZodLike {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) s = def.innerType as ZodLike;
    else if (def.type === 'pipe') s = def.in as ZodLike;
    else return s;
  }
}

function kindOf(schema: ZodLike): Kind {
  const s = unwrap(schema);
  const def = s._zod.def;
  switch (def.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
    case 'int':
    case 'bigint':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    case 'literal':
      return typeof (def.values as unknown[])[0] === 'number' ? 'integer' : 'string';
    case 'union':
      return kindOf((def.options as ZodLike[])[0]!);
    default:
      return 'unknown';
  }
}

/**
 * Parameters whose schema is a union of literals, an enum or an array of enums. zod reports a
 * wrong type or a missing value for these as `invalid_union` / `invalid_value`, which
 * src/api/params.ts's toApiError must still map to InvalidParameter / MissingParameter.
 * Mismatches on these are collected and reported by their own test below.
 */
function usesLiteralMatching(schema: ZodLike): boolean {
  const s = unwrap(schema);
  const type = s._zod.def.type;
  if (type === 'union' || type === 'literal' || type === 'enum') return true;
  if (type === 'array') return usesLiteralMatching(s._zod.def.element as ZodLike);
  return false;
}

function shapeOf(action: string): Record<string, ZodLike> {
  const schema = ACTIONS[action]!.schema as unknown as ZodLike;
  const def = schema._zod.def;
  assert.equal(def.type, 'object', `${action}: the schema is expected to be a z.strictObject`);
  return def.shape as Record<string, ZodLike>;
}

const isRequired = (field: ZodLike): boolean => !field.safeParse(undefined).success;

// ---- Valid values, by parameter name (extend when an action brings a new parameter) ----

const SEED_DOMAIN = 'seed.livehook-test.com';
const SEED_APP = 'live';
const HOOK_URL = 'http://127.0.0.1:9/hook';
let seedTemplateId = 0;

const VALID: Record<string, () => unknown> = {
  DomainName: () => SEED_DOMAIN,
  DomainType: () => 0,
  PlayType: () => 1,
  IsDelayLive: () => 0,
  IsMiniProgramLive: () => 0,
  VerifyOwnerType: () => 'dbCheck',
  DomainStatus: () => 1,
  PageSize: () => 10,
  PageNum: () => 1,
  DomainPrefix: () => 'seed',
  Enable: () => 1,
  MasterAuthKey: () => 'abc123',
  BackupAuthKey: () => 'def456',
  AuthDelta: () => 1800,
  TemplateName: () => 'bad_input',
  Description: () => 'desc',
  CallbackKey: () => 'key123',
  RecordExceptionLevels: () => ['error'],
  TemplateId: () => seedTemplateId,
  AppName: () => SEED_APP,
  // livehook's own additions (DescribeCallbackEvents, ResendCallbackEvent, SendTestCallback)
  StartTime: () => '2024-01-01 00:00:00',
  EndTime: () => '2024-01-02 00:00:00',
  StreamName: () => 'stream1',
  EventType: () => 1,
  Status: () => 'failed',
  EventId: () => 'msg_' + '0'.repeat(32),
  // Stream actions (ForbidLiveStream)
  ResumeTime: () => new Date(Date.now() + 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  Reason: () => 'maintenance',
  // Snapshot templates and rules
  CosAppId: () => 1250000000,
  CosBucket: () => 'snapshots',
  CosRegion: () => 'ap-guangzhou',
  SnapshotInterval: () => 10,
  Width: () => 640,
  Height: () => 360,
  PornFlag: () => 0,
  CosPrefix: () => '/{Year}-{Month}-{Day}',
  CosFileName: () => '{StreamID}-{Hour}{Minute}{Second}{Ext}',
  // Record templates and rules
  FlvParam: () => ({ Enable: 1, RecordInterval: 1800, StorageTime: 0 }),
  HlsParam: () => ({ Enable: 1 }),
  Mp4Param: () => ({ Enable: 1, RecordInterval: 60 }),
  AacParam: () => ({ Enable: 0 }),
  Mp3Param: () => ({ Enable: 0 }),
  HlsSpecialParam: () => ({ FlowContinueDuration: 30 }),
  FlvSpecialParam: () => ({ UploadInRecording: false }),
  RemoveWatermark: () => false,
  CosStore: () => 0,
  // Remote push authentication (livehook's own)
  Url: () => 'https://auth.example.com/check',
  TimeoutMs: () => 1000,
  Retries: () => 1,
  OnFailure: () => 'allow',
  // Stream state and history
  IsFilter: () => 0,
  IsStrict: () => 0,
  IsAsc: () => 1,
  PushDomain: () => SEED_DOMAIN,
  ResultCode: () => 0,
};

function validValue(action: string, key: string): unknown {
  if (key.endsWith('NotifyUrl')) return HOOK_URL;
  const make = VALID[key];
  assert.ok(make, `${action}.${key}: add a valid value for this parameter to VALID in test/api/bad-input.test.ts`);
  return make();
}

/** The smallest valid-looking parameter set: every required key with a valid value. */
function baseParams(action: string): Record<string, unknown> {
  const shape = shapeOf(action);
  return Object.fromEntries(Object.keys(shape).filter((k) => isRequired(shape[k]!)).map((k) => [k, validValue(action, k)]));
}

const omit = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** Insert a raw `"key":value` member at the start of a JSON object text (for keys like __proto__). */
const withRawMember = (json: string, member: string) => (json === '{}' ? `{${member}}` : `{${member},${json.slice(1)}`);

// ---- Signed raw requests ----

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function authorization(body: string | Buffer, contentType: string, host: string, timestamp: number): string {
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonical = ['POST', '/', '', `content-type:${contentType}\nhost:${host}\n`, 'content-type;host', sha256Hex(body)].join('\n');
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/live/tc3_request`, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac('TC3' + TEST_SECRET_KEY, date), 'live'), 'tc3_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${TEST_SECRET_ID}/${date}/live/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
}

interface TcResponse {
  Response: { RequestId: string; Error?: { Code: string; Message: string }; [key: string]: unknown };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STACK_TRACE = /\.[cm]?[jt]s:\d|\bat \S+ \(|\n\s+at |node_modules|file:\/\//;

/** The invariant every answer of POST / must satisfy. Returns the error code, or undefined on success. */
function checkEnvelope(status: number, text: string, label: string): { code: string | undefined; json: TcResponse } {
  assert.equal(status, 200, `${label}: HTTP ${status} ${text.slice(0, 300)}`);
  let json: TcResponse;
  try {
    json = JSON.parse(text) as TcResponse;
  } catch {
    assert.fail(`${label}: the answer is not JSON: ${text.slice(0, 300)}`);
  }
  assert.ok(json.Response && typeof json.Response === 'object', `${label}: no Response object: ${text.slice(0, 300)}`);
  assert.match(String(json.Response.RequestId), UUID, `${label}: RequestId`);
  const error = json.Response.Error;
  if (error === undefined) return { code: undefined, json };
  assert.deepEqual(Object.keys(json.Response).sort(), ['Error', 'RequestId'], `${label}: error envelope keys`);
  assert.equal(typeof error.Code, 'string', `${label}: Error.Code`);
  assert.equal(typeof error.Message, 'string', `${label}: Error.Message`);
  assert.ok(Object.hasOwn(API_ERRORS, error.Code), `${label}: ${error.Code} is not in API_ERRORS (${error.Message})`);
  assert.notEqual(error.Code, 'InternalError', `${label}: InternalError: ${error.Message}`);
  assert.doesNotMatch(error.Message, STACK_TRACE, `${label}: stack trace in the message`);
  return { code: error.Code, json };
}

// ---- Expectations ----

type Expect = readonly string[] | 'error' | 'any';

interface Case {
  readonly label: string;
  readonly body: string | Buffer;
  readonly expect: Expect;
  /** Set when the case hits the literal-union/enum mapping problem (see usesLiteralMatching). */
  readonly literalMatching?: boolean;
}

const INVALID_VALUE: readonly string[] = ['InvalidParameterValue'];
/** A value refused by a refinement may carry a specific InvalidParameter.* code (e.g. DomainTooLong). */
const isValueCode = (code: string | undefined): boolean => code === 'InvalidParameterValue' || /^InvalidParameter\.\w+$/.test(code ?? '');

function matches(expect: Expect, code: string | undefined): boolean {
  if (expect === 'any') return true;
  if (expect === 'error') return code !== undefined;
  if (code === undefined) return false;
  if (expect === INVALID_VALUE) return isValueCode(code);
  return expect.includes(code);
}

const WRONG_TYPE_VALUES: Record<Kind, ReadonlyArray<readonly [string, unknown]>> = {
  string: [
    ['integer', 1],
    ['float', 1.5],
    ['boolean', true],
    ['object', { a: 'b' }],
    ['array', ['x']],
    ['null', null],
  ],
  integer: [
    ['numeric string', '1'],
    ['string', 'x'],
    ['boolean', false],
    ['object', { a: 1 }],
    ['array', [1]],
    ['null', null],
  ],
  array: [
    ['string', 'error'],
    ['integer', 1],
    ['boolean', true],
    ['object', { a: 1 }],
    ['null', null],
    ['array of integer', [1]],
    ['array of object', [{}]],
  ],
  boolean: [
    ['string', 'true'],
    ['integer', 1],
    ['object', {}],
    ['null', null],
  ],
  object: [
    ['string', 'x'],
    ['integer', 1],
    ['array', []],
    ['null', null],
  ],
  unknown: [],
};

const OUT_OF_RANGE_INTEGERS: ReadonlyArray<readonly [string, number]> = [
  ['-1', -1],
  ['-2^31', -(2 ** 31)],
  ['2^53', 2 ** 53],
  ['1e20', 1e20],
  ['1e308', 1e308],
];
const FLOATS: ReadonlyArray<readonly [string, number]> = [
  ['1.5', 1.5],
  ['0.1', 0.1],
];

function tableCases(action: string): Case[] {
  const shape = shapeOf(action);
  const keys = Object.keys(shape);
  const base = baseParams(action);
  const baseJson = JSON.stringify(base);
  const cases: Case[] = [];
  const add = (label: string, body: string | Buffer, expect: Expect, literalMatching = false) => cases.push({ label, body, expect, literalMatching });

  // Bodies that are not a JSON object.
  for (const [label, body] of [
    ['invalid JSON `{`', '{'],
    ['invalid JSON, truncated', baseJson.slice(0, -1) || '{'],
    ['invalid JSON, single quotes', "{'a':1}"],
    ['invalid JSON, trailing comma', withRawMember(baseJson, '"x":1').replace(/}$/, ',}')],
    ['invalid JSON, NaN', '{"a":NaN}'],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['JSON array', '[]'],
    ['JSON array of the params', `[${baseJson}]`],
    ['JSON string', '"hello"'],
    ['JSON number', '42'],
    ['JSON true', 'true'],
    ['JSON null', 'null'],
  ] as const) {
    add(label, body, ['InvalidParameter']);
  }

  // Unknown parameters (keys are case-sensitive; prototype names are not parameters).
  add('unknown parameter', JSON.stringify({ ...base, NoSuchParameter: 1 }), ['UnknownParameter']);
  add('unknown parameter (only)', JSON.stringify({ NoSuchParameter: 'x' }), ['UnknownParameter']);
  for (const key of keys) add(`unknown parameter ${key.toLowerCase()} (wrong case)`, JSON.stringify({ ...base, [key.toLowerCase()]: validValue(action, key) }), ['UnknownParameter']);
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    add(`unknown parameter ${key}`, withRawMember(baseJson, `${JSON.stringify(key)}:{"a":1}`), ['UnknownParameter']);
  }
  add('unknown parameter beside a missing one', JSON.stringify({ NoSuchParameter: 1 }), ['UnknownParameter']);

  // Each required parameter missing.
  for (const key of keys.filter((k) => isRequired(shape[k]!))) {
    add(`missing ${key}`, JSON.stringify(omit(base, key)), ['MissingParameter'], usesLiteralMatching(shape[key]!));
  }
  if (keys.some((k) => isRequired(shape[k]!))) add('empty object', '{}', ['MissingParameter']);

  // Wrong types, one parameter at a time.
  for (const key of keys) {
    const kind = kindOf(shape[key]!);
    assert.notEqual(kind, 'unknown', `${action}.${key}: kindOf() does not know this schema; extend it`);
    for (const [label, value] of WRONG_TYPE_VALUES[kind]) {
      add(`${key}: ${label} where ${kind}`, JSON.stringify({ ...base, [key]: value }), ['InvalidParameter'], usesLiteralMatching(shape[key]!));
    }
  }

  // Oversized strings: 10 000 characters in each string parameter, then in all of them at once.
  const stringKeys = keys.filter((k) => kindOf(shape[k]!) === 'string');
  for (const key of stringKeys) {
    add(`${key}: 10 000 ASCII characters`, JSON.stringify({ ...base, [key]: 'a'.repeat(10_000) }), INVALID_VALUE);
    add(`${key}: 10 000 CJK characters`, JSON.stringify({ ...base, [key]: '直'.repeat(10_000) }), INVALID_VALUE);
  }
  if (stringKeys.length > 0) {
    const all = { ...base, ...Object.fromEntries(stringKeys.map((k) => [k, 'b'.repeat(10_000)])) };
    add('every string parameter 10 000 characters', JSON.stringify(all), INVALID_VALUE);
  }

  // Integers out of range, floats, and numbers JSON can spell but JavaScript cannot hold.
  for (const key of keys.filter((k) => kindOf(shape[k]!) === 'integer')) {
    for (const [label, value] of OUT_OF_RANGE_INTEGERS) add(`${key}: ${label}`, JSON.stringify({ ...base, [key]: value }), INVALID_VALUE);
    for (const [label, value] of FLOATS) {
      add(`${key}: float ${label}`, JSON.stringify({ ...base, [key]: value }), ['InvalidParameter', 'InvalidParameterValue']);
    }
    add(`${key}: 1e400 (Infinity)`, withRawMember(JSON.stringify(omit(base, key)), `${JSON.stringify(key)}:1e400`), ['InvalidParameter', 'InvalidParameterValue']);
    add(`${key}: -0`, withRawMember(JSON.stringify(omit(base, key)), `${JSON.stringify(key)}:-0`), 'any');
  }

  // Arrays: too long, duplicates.
  for (const key of keys.filter((k) => kindOf(shape[k]!) === 'array')) {
    add(`${key}: 1000 elements`, JSON.stringify({ ...base, [key]: Array.from({ length: 1000 }, () => validValue(action, key)).flat() }), INVALID_VALUE);
  }
  return cases;
}

// ---- fast-check arbitraries ----

function wrongTypeArb(kind: Kind): fc.Arbitrary<unknown> {
  const values = WRONG_TYPE_VALUES[kind].map(([, v]) => v);
  return values.length > 0 ? fc.constantFrom(...values) : fc.jsonValue();
}

function fieldArb(action: string, key: string, field: ZodLike): fc.Arbitrary<unknown> {
  const kind = kindOf(field);
  const valid = validValue(action, key);
  const byKind: fc.Arbitrary<unknown> =
    kind === 'integer'
      ? fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1, 2, 2 ** 53, 1e20))
      : kind === 'string'
        ? fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.constantFrom('', ' ', 'a'.repeat(3000), HOOK_URL, 'ftp://x.y/'))
        : kind === 'array'
          ? fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('error', 'warning', 'info', 'alarm')), { maxLength: 6 })
          : fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    { arbitrary: fc.constant(valid), weight: 3 },
    { arbitrary: byKind, weight: 3 },
    { arbitrary: wrongTypeArb(kind), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
  );
}

/** Objects over the action's own parameters (any subset) with valid, edge and wrong-typed values. */
function paramsArb(action: string): fc.Arbitrary<Record<string, unknown>> {
  const shape = shapeOf(action);
  const keys = Object.keys(shape);
  if (keys.length === 0) return fc.constant({});
  return fc.record(Object.fromEntries(keys.map((k) => [k, fieldArb(action, k, shape[k]!)])), { requiredKeys: [] }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

// ---- The suite ----

describe('bad input to every action', () => {
  let lh: TestLivehook;
  let agent: Agent;
  let host: string;
  let hostPort: string;
  const literalTypeMismatches: string[] = [];

  async function send(
    action: string,
    body: string | Buffer,
    options: { contentType?: string; method?: string } = {},
  ): Promise<{ status: number; text: string }> {
    const contentType = options.contentType ?? 'application/json';
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await request(`${lh.httpUrl}/`, {
      method: (options.method ?? 'POST') as 'POST',
      dispatcher: agent,
      headers: {
        host: hostPort,
        'content-type': contentType,
        'x-tc-action': action,
        'x-tc-version': '2018-08-01',
        'x-tc-timestamp': String(timestamp),
        authorization: authorization(body, contentType, host, timestamp),
      },
      body,
    });
    return { status: res.statusCode, text: await res.body.text() };
  }

  async function call(action: string, body: string | Buffer, label = action, contentType?: string) {
    const { status, text } = await send(action, body, contentType === undefined ? {} : { contentType });
    return checkEnvelope(status, text, label);
  }

  /** Domain, template and a domain-wide-for-app rule, so mutating actions reach their handlers. */
  async function ensureSeed(): Promise<void> {
    const domain = await call('AddLiveDomain', JSON.stringify({ DomainName: SEED_DOMAIN, DomainType: 0 }), 'seed domain');
    assert.ok(domain.code === undefined || domain.code === 'FailedOperation.DomainAdded', `seed domain: ${domain.code}`);
    if (seedTemplateId > 0) {
      const found = await call('DescribeLiveCallbackTemplate', JSON.stringify({ TemplateId: seedTemplateId }), 'seed template lookup');
      if (found.code !== undefined) seedTemplateId = 0;
    }
    if (seedTemplateId === 0) {
      const created = await call('CreateLiveCallbackTemplate', JSON.stringify({ TemplateName: 'seed', StreamBeginNotifyUrl: HOOK_URL }), 'seed template');
      if (created.code === undefined) {
        seedTemplateId = created.json.Response.TemplateId as number;
      } else {
        // At the 50-template limit (the fuzzers create templates): reuse any existing one.
        assert.equal(created.code, 'InternalError.ConfOutLimit');
        const listed = await call('DescribeLiveCallbackTemplates', '{}', 'seed template list');
        seedTemplateId = (listed.json.Response.Templates as Array<{ TemplateId: number }>)[0]!.TemplateId;
      }
    }
    const rule = await call(
      'CreateLiveCallbackRule',
      JSON.stringify({ DomainName: SEED_DOMAIN, AppName: SEED_APP, TemplateId: seedTemplateId }),
      'seed rule',
    );
    assert.ok(rule.code === undefined || rule.code === 'InternalError.RuleAlreadyExist', `seed rule: ${rule.code}`);
  }

  before(async () => {
    lh = await startTestLivehook();
    agent = new Agent({ keepAliveTimeout: 1000 });
    const url = new URL(lh.httpUrl);
    host = url.hostname;
    hostPort = url.host;
    await ensureSeed();
  });

  after(async () => {
    await agent.close();
    await lh.stop();
  });

  test('ACTIONS is not empty and every schema is introspectable', () => {
    assert.ok(ACTION_NAMES.length > 0, "ACTIONS is empty");
    for (const action of ACTION_NAMES) {
      for (const [key, field] of Object.entries(shapeOf(action))) {
        assert.notEqual(kindOf(field), 'unknown', `${action}.${key}`);
        validValue(action, key);
      }
    }
  });

  test('the seeded fixtures are in place', async () => {
    const domain = await call('DescribeLiveDomain', JSON.stringify({ DomainName: SEED_DOMAIN }));
    assert.equal(domain.code, undefined);
    const rules = await call('DescribeLiveCallbackRules', '{}');
    assert.ok((rules.json.Response.Rules as Array<{ DomainName: string }>).some((r) => r.DomainName === SEED_DOMAIN));
  });

  describe('table', () => {
    for (const action of ACTION_NAMES) {
      test(action, async () => {
        await ensureSeed();
        const mismatches: string[] = [];
        for (const c of tableCases(action)) {
          const label = `${action} / ${c.label}`;
          const { code, json } = await call(action, c.body, label);
          if (matches(c.expect, code)) continue;
          const line = `${label}: expected ${Array.isArray(c.expect) ? c.expect.join('|') : String(c.expect)}, got ${code ?? 'success'} (${json.Response.Error?.Message ?? ''})`;
          // A known-bug case may only be off by mapping to InvalidParameterValue.
          if (c.literalMatching && code === 'InvalidParameterValue') literalTypeMismatches.push(line);
          else mismatches.push(line);
        }
        assert.deepEqual(mismatches, [], mismatches.join('\n'));
      });
    }
  });

  describe('properties (fast-check)', () => {
    for (const action of ACTION_NAMES) {
      test(action, async () => {
        await ensureSeed();
        const shape = shapeOf(action);
        const required = Object.keys(shape).filter((k) => isRequired(shape[k]!));

        // Any JSON value as the body: never a crash; anything but an object is InvalidParameter.
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
            const body = JSON.stringify(value) ?? 'null';
            const { code } = await call(action, body, `${action} / jsonValue ${body.slice(0, 80)}`);
            const parsed: unknown = JSON.parse(body);
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) assert.equal(code, 'InvalidParameter');
          }),
          FC_PARAMS,
        );

        // Objects with at least one key the action does not know: always UnknownParameter.
        await fc.assert(
          fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 }), async (dict) => {
            const body = JSON.stringify(dict);
            const keys = Object.keys(JSON.parse(body) as object);
            const { code } = await call(action, body, `${action} / dictionary ${body.slice(0, 80)}`);
            if (keys.some((k) => !Object.hasOwn(shape, k))) assert.equal(code, 'UnknownParameter', `${action} ${body.slice(0, 200)}`);
          }),
          FC_PARAMS,
        );

        // The action's own parameters with valid, edge and wrong-typed values: never UnknownParameter,
        // and never a success while a required parameter is missing.
        await fc.assert(
          fc.asyncProperty(paramsArb(action), async (params) => {
            const body = JSON.stringify(params);
            const { code } = await call(action, body, `${action} / params ${body.slice(0, 120)}`);
            assert.notEqual(code, 'UnknownParameter', body.slice(0, 200));
            if (required.some((k) => !Object.hasOwn(params, k))) assert.notEqual(code, undefined, `success without a required key: ${body.slice(0, 200)}`);
          }),
          FC_PARAMS,
        );

        // Random bytes.
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), async (bytes) => {
            await call(action, Buffer.from(bytes), `${action} / bytes ${Buffer.from(bytes).toString('hex').slice(0, 80)}`);
          }),
          FC_PARAMS,
        );
      });
    }
  });

  test('a wrong JSON type (or absence) of a literal-union or enum parameter is InvalidParameter (MissingParameter)', () => {
    assert.deepEqual(literalTypeMismatches, [], literalTypeMismatches.join('\n'));
  });

  test('a body over 1 MiB → RequestSizeLimitExceeded (HTTP 200), with and without Content-Length', async () => {
    const big = `{"Description":"${'a'.repeat(MAX_BODY_BYTES)}"}`;
    const sized = await call('DescribeLiveCallbackTemplates', big, 'body > 1 MiB');
    assert.equal(sized.code, 'RequestSizeLimitExceeded');

    const timestamp = Math.floor(Date.now() / 1000);
    // A stream body is sent chunked: no Content-Length, so the limit applies while reading.
    const chunks = Readable.from(
      (function* () {
        for (let i = 0; i < 5; i++) yield Buffer.from(' '.repeat(MAX_BODY_BYTES / 4));
        yield Buffer.from('{}');
      })(),
    );
    const whole = Buffer.concat([Buffer.from(' '.repeat(MAX_BODY_BYTES / 4 * 5)), Buffer.from('{}')]);
    const res = await request(`${lh.httpUrl}/`, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        host: hostPort,
        'content-type': 'application/json',
        'x-tc-action': 'DescribeLiveCallbackTemplates',
        'x-tc-version': '2018-08-01',
        'x-tc-timestamp': String(timestamp),
        authorization: authorization(whole, 'application/json', host, timestamp),
      },
      body: chunks,
    });
    const chunked = checkEnvelope(res.statusCode, await res.body.text(), 'chunked body > 1 MiB');
    assert.equal(chunked.code, 'RequestSizeLimitExceeded');
  });

  test('a body of exactly 1 MiB is read and answered', async () => {
    const body = '{}' + ' '.repeat(MAX_BODY_BYTES - 2);
    assert.equal(Buffer.byteLength(body), MAX_BODY_BYTES);
    const { code, json } = await call('DescribeLiveCallbackTemplates', body, 'body = 1 MiB');
    assert.equal(code, undefined);
    assert.ok(Array.isArray(json.Response.Templates));
  });

  test('content-type text/plain, signed as such, still works (the API reads raw bytes)', async () => {
    const list = await call('DescribeLiveCallbackTemplates', '{}', 'text/plain', 'text/plain');
    assert.equal(list.code, undefined);
    const one = await call('DescribeLiveCallbackTemplate', JSON.stringify({ TemplateId: seedTemplateId }), 'text/plain', 'text/plain; charset=utf-8');
    assert.equal(one.code, undefined);
    const form = await call('DescribeLiveCallbackTemplates', '{}', 'form content type', 'application/x-www-form-urlencoded');
    assert.equal(form.code, undefined);
    const octets = await call('DescribeLiveCallbackTemplates', '{}', 'octet-stream', 'application/octet-stream');
    assert.equal(octets.code, undefined);
  });

  test('an empty body is an empty parameter set', async () => {
    assert.equal((await call('DescribeLiveCallbackTemplates', '', 'empty body')).code, undefined);
    assert.equal((await call('DescribeLiveDomain', '', 'empty body, required param')).code, 'MissingParameter');
  });

  test('no Content-Type header at all: still an envelope, never 5xx', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await request(`${lh.httpUrl}/`, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        host: hostPort,
        'x-tc-action': 'DescribeLiveCallbackTemplates',
        'x-tc-version': '2018-08-01',
        'x-tc-timestamp': String(timestamp),
        authorization: authorization('{}', 'application/json', host, timestamp),
      },
      body: '{}',
    });
    const { code } = checkEnvelope(res.statusCode, await res.body.text(), 'no content-type');
    assert.notEqual(code, undefined);
  });

  test('GET /, PUT /, DELETE / and POST /other do not produce 5xx', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['PUT', '/'],
      ['DELETE', '/'],
      ['PATCH', '/'],
      ['POST', '/other'],
      ['GET', '/?Action=DescribeLiveCallbackTemplates&Version=2018-08-01'],
    ] as const) {
      const res = await request(`${lh.httpUrl}${path}`, {
        method,
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-tc-action': 'DescribeLiveCallbackTemplates', 'x-tc-version': '2018-08-01' },
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
      });
      const text = await res.body.text();
      assert.ok(res.statusCode < 500, `${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      assert.doesNotMatch(text, STACK_TRACE, `${method} ${path}`);
    }
  });

  test('the server is still healthy after the sweep', async () => {
    const { code, json } = await call('DescribeLiveDomains', '{}', 'after sweep');
    assert.equal(code, undefined);
    assert.ok(Array.isArray(json.Response.DomainList));
  });
});
