/**
 * Every way Tencent Cloud API 3.0 signs a request (docs/api-signing.md), signed by the independent
 * signers of test/helpers/tencent-signers.ts against a real livehook: TC3 over POST JSON, POST
 * form and GET with the host signed with or without its port; v1 HmacSHA1/HmacSHA256 over GET and
 * POST form; the error paths (wrong signature, expired, replayed Nonce, replayed TC3 mutation,
 * wrong scope service, mismatched x-tc-action, token, language) and the flattened parameters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { flatParams } from '../../src/api/flat-params.js';
import { findAction } from '../../src/api/router.js';
import { signV1, v1StringToSign } from '../../src/api/v1-signature.js';
import { ApiError } from '../../src/api/errors.js';
import { TEST_SECRET_ID, TEST_SECRET_KEY, startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import {
  AHEAD_OF_WINDOW,
  flatten,
  formEncode,
  nowSeconds,
  tc3Authorization,
  v1Params,
  v1Signature,
  v1SourceString,
  type V1SignatureMethod,
} from '../helpers/tencent-signers.js';

// ---- Tencent's published v1 example (CVM DescribeInstances, HmacSHA1) ----

const V1_VECTOR = {
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  params: [
    ['Action', 'DescribeInstances'],
    ['InstanceIds.0', 'ins-09dx96dg'],
    ['Limit', '20'],
    ['Nonce', '11886'],
    ['Offset', '0'],
    ['Region', 'ap-guangzhou'],
    ['SecretId', 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE'],
    ['Timestamp', '1465185768'],
    ['Version', '2017-03-12'],
  ] as Array<[string, string]>,
  source:
    'GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0' +
    '&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12',
  signature: 'EliP9YW3pW28FpsEdkXt/+WcGeI=',
} as const;

describe('TC3 published example (pure)', () => {
  test('the independent signer gives the published Authorization (CVM DescribeInstances)', () => {
    const authorization = tc3Authorization({
      method: 'POST',
      host: 'cvm.tencentcloudapi.com',
      query: '',
      contentType: 'application/json; charset=utf-8',
      body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      timestamp: 1551113065,
      service: 'cvm',
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    });
    assert.equal(
      authorization,
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });
});

describe('v1 published example (pure)', () => {
  const shuffled = [...V1_VECTOR.params].reverse();

  test('the independent signer gives the published string and signature', () => {
    const r = { method: 'GET' as const, host: 'cvm.tencentcloudapi.com', params: shuffled };
    assert.equal(v1SourceString(r), V1_VECTOR.source);
    assert.equal(v1Signature({ ...r, secretKey: V1_VECTOR.secretKey }), V1_VECTOR.signature);
  });

  test("livehook's v1StringToSign and signV1 give the same", () => {
    const source = v1StringToSign({ method: 'get', host: 'cvm.tencentcloudapi.com', path: '/', params: shuffled });
    assert.equal(source, V1_VECTOR.source);
    assert.equal(signV1('HmacSHA1', V1_VECTOR.secretKey, source).toString('base64'), V1_VECTOR.signature);
  });

  test('flatten follows the documented naming (X.0, X.0.Name)', () => {
    assert.deepEqual(flatten({ InstanceIds: ['a', 'b'], Filters: [{ Name: 'n', Values: ['v'] }], Limit: 1 }), [
      ['InstanceIds.0', 'a'],
      ['InstanceIds.1', 'b'],
      ['Filters.0.Name', 'n'],
      ['Filters.0.Values.0', 'v'],
      ['Limit', '1'],
    ]);
  });
});

describe('flattened parameters become the typed parameters the schemas validate', () => {
  const schema = (action: string) => findAction(action)!.schema;
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ApiError, String(error));
      return error.code;
    }
    assert.fail('expected an ApiError');
  };

  test('numbers, 0/1 flags, arrays and strings that look like numbers', () => {
    assert.deepEqual(
      flatParams(schema('DescribeLiveDomains'), [['PageSize', '5'], ['PageNum', '1'], ['DomainType', '0'], ['DomainPrefix', '123']]),
      { PageSize: 5, PageNum: 1, DomainType: 0, DomainPrefix: '123' },
    );
    assert.deepEqual(
      flatParams(schema('CreateLiveCallbackTemplate'), [['TemplateName', '42'], ['RecordExceptionLevels.1', 'alarm'], ['RecordExceptionLevels.0', 'error']]),
      { TemplateName: '42', RecordExceptionLevels: ['error', 'alarm'] },
    );
  });

  test('booleans and nested objects (record template params)', () => {
    assert.deepEqual(
      flatParams(schema('CreateLiveRecordTemplate'), [['TemplateName', 't'], ['RemoveWatermark', 'true'], ['FlvSpecialParam.UploadInRecording', 'false']]),
      { TemplateName: 't', RemoveWatermark: true, FlvSpecialParam: { UploadInRecording: false } },
    );
  });

  test('a value that is not a number stays a string, so the schema reports a wrong type', () => {
    assert.deepEqual(flatParams(schema('DescribeLiveDomains'), [['PageSize', 'ten']]), { PageSize: 'ten' });
  });

  test('any flattened input either parses or is an ApiError, never a crash (fast-check)', () => {
    const segment = fc.constantFrom('0', '1', '2', '00', '01', 'Name', 'TemplateName', 'RecordExceptionLevels', '__proto__', 'constructor', '', 'x');
    const name = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('.'));
    const pairs = fc.array(fc.tuple(name, fc.constantFrom('1', 'true', 'error', '', 'x', '-1.5')), { maxLength: 12 });
    const actions = ['CreateLiveCallbackTemplate', 'CreateLiveRecordTemplate', 'DescribeLiveDomains', 'DescribeCallbackEvents'];
    fc.assert(
      fc.property(fc.constantFrom(...actions), pairs, (action, input) => {
        try {
          const value = flatParams(schema(action), input);
          assert.equal(typeof value, 'object');
        } catch (error) {
          assert.ok(error instanceof ApiError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('malformed names are InvalidParameter', () => {
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), [['RecordExceptionLevels.1', 'error']])), 'InvalidParameter');
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), [['A.0', 'x'], ['A.b', 'y']])), 'InvalidParameter');
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), [['A', 'x'], ['A.b', 'y']])), 'InvalidParameter');
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), [['A..b', 'x']])), 'InvalidParameter');
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), [['A.00', 'x']])), 'InvalidParameter');
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), [['A.0', 'x'], ['A.01', 'y']])), 'InvalidParameter');
    const many = Array.from({ length: 1001 }, (_, i) => [`P${i}`, 'x'] as [string, string]);
    assert.equal(code(() => flatParams(schema('CreateLiveCallbackTemplate'), many)), 'InvalidParameter');
  });
});

interface TcResponse {
  Response: { RequestId: string; Error?: { Code: string; Message: string }; [key: string]: unknown };
}

describe('signed requests over HTTP (replay guard on)', () => {
  let lh: TestLivehook;
  let agent: Agent;
  let hostName: string;
  let hostPort: string;

  before(async () => {
    lh = await startTestLivehook({ flags: { apiReplayGuard: true } });
    agent = new Agent({ keepAliveTimeout: 1000 });
    hostName = new URL(lh.httpUrl).hostname;
    hostPort = new URL(lh.httpUrl).host;
  });

  after(async () => {
    await agent.close();
    await lh.stop();
  });

  async function send(o: { method: 'GET' | 'POST'; query?: string; headers: Record<string, string>; body?: string }): Promise<TcResponse> {
    const res = await request(`${lh.httpUrl}/${o.query ? `?${o.query}` : ''}`, {
      method: o.method,
      headers: { host: hostPort, ...o.headers },
      dispatcher: agent,
      ...(o.body === undefined ? {} : { body: o.body }),
    });
    const text = await res.body.text();
    assert.equal(res.statusCode, 200, text);
    return JSON.parse(text) as TcResponse;
  }

  const ok = (json: TcResponse): TcResponse['Response'] => {
    assert.equal(json.Response.Error, undefined, JSON.stringify(json));
    return json.Response;
  };
  const failed = (json: TcResponse, code: string): void => assert.equal(json.Response.Error?.Code, code, JSON.stringify(json));

  interface Tc3Call {
    method?: 'GET' | 'POST';
    action?: string;
    params?: Record<string, unknown>;
    /** json (default) or form; GET always carries its parameters in the query. */
    encoding?: 'json' | 'form';
    signHost?: string;
    service?: string;
    timestamp?: number;
    extraSignedHeaders?: Record<string, string>;
    sendAction?: string;
    headers?: Record<string, string>;
    secretKey?: string;
  }

  /** A TC3 request as a client builds it; `again` resends exactly the same bytes. */
  function tc3Request(c: Tc3Call = {}) {
    const method = c.method ?? 'POST';
    const action = c.action ?? 'DescribeLiveDomains';
    const timestamp = c.timestamp ?? nowSeconds();
    const pairs = flatten((c.params ?? {}) as Parameters<typeof flatten>[0]);
    const form = method === 'GET' || c.encoding === 'form';
    const query = method === 'GET' ? formEncode(pairs) : '';
    const body = method === 'GET' ? '' : form ? formEncode(pairs) : JSON.stringify(c.params ?? {});
    const contentType = form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8';
    const authorization = tc3Authorization({
      method,
      host: c.signHost ?? hostName,
      query,
      contentType,
      body,
      timestamp,
      service: c.service ?? 'live',
      secretId: TEST_SECRET_ID,
      secretKey: c.secretKey ?? TEST_SECRET_KEY,
      ...(c.extraSignedHeaders ? { extraSignedHeaders: c.extraSignedHeaders } : {}),
    });
    const headers = {
      'content-type': contentType,
      'x-tc-action': c.sendAction ?? action,
      'x-tc-version': '2018-08-01',
      'x-tc-timestamp': String(timestamp),
      authorization,
      ...c.headers,
    };
    return { method, query, headers, ...(method === 'GET' ? {} : { body }) };
  }

  const tc3 = (c: Tc3Call = {}) => send(tc3Request(c));

  interface V1Call {
    method?: 'GET' | 'POST';
    action?: string;
    params?: Record<string, unknown>;
    signatureMethod?: V1SignatureMethod;
    signHost?: string;
    timestamp?: number;
    nonce?: number;
    secretId?: string;
    secretKey?: string;
    extra?: Array<[string, string]>;
    /** Applied to the signed pairs before sending, to tamper with them. */
    tamper?: (pairs: Array<[string, string]>) => Array<[string, string]>;
  }

  function v1(c: V1Call = {}): Promise<TcResponse> {
    const method = c.method ?? 'GET';
    let pairs = v1Params({
      method,
      host: c.signHost ?? hostPort,
      action: c.action ?? 'DescribeLiveDomains',
      params: c.params as Parameters<typeof flatten>[0],
      secretId: c.secretId ?? TEST_SECRET_ID,
      secretKey: c.secretKey ?? TEST_SECRET_KEY,
      ...(c.signatureMethod ? { signatureMethod: c.signatureMethod } : {}),
      ...(c.timestamp === undefined ? {} : { timestamp: c.timestamp }),
      ...(c.nonce === undefined ? {} : { nonce: c.nonce }),
      ...(c.extra ? { extra: c.extra } : {}),
    });
    if (c.tamper) pairs = c.tamper(pairs);
    const encoded = formEncode(pairs);
    return method === 'GET'
      ? send({ method, query: encoded, headers: {} })
      : send({ method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encoded });
  }

  // ---- TC3 ----

  test('TC3 POST JSON: host signed with its port (Python SDK, tccli) or without (Node SDK)', async () => {
    ok(await tc3({ signHost: hostPort }));
    ok(await tc3({ signHost: hostName }));
    failed(await tc3({ signHost: `${hostName}:1` }), 'AuthFailure.SignatureFailure');
    failed(await tc3({ signHost: 'live.tencentcloudapi.com' }), 'AuthFailure.SignatureFailure');
    // The form that matched last is tried first: each switch, both ways, is still accepted.
    for (const signHost of [hostName, hostName, hostPort, hostPort, hostName, hostPort]) ok(await tc3({ signHost }));
  });

  test('TC3 GET: parameters in the query, numbers and flags typed as in JSON', async () => {
    assert.ok(Array.isArray(ok(await tc3({ method: 'GET', params: { PageSize: 10, PageNum: 1, DomainType: 0 } })).DomainList));
    const events = ok(await tc3({ method: 'GET', action: 'DescribeCallbackEvents', params: { PageSize: 7, PageNum: 2 } }));
    assert.deepEqual([events.PageSize, events.PageNum], [7, 2]);
    failed(await tc3({ method: 'GET', params: { PageSize: 'x' } }), 'InvalidParameter');
    failed(await tc3({ method: 'GET', params: { Bogus: 1 } }), 'UnknownParameter');
    ok(await tc3({ method: 'GET', signHost: hostPort }));
  });

  test('TC3 POST form: a template created with an array parameter reads back typed', async () => {
    const created = ok(
      await tc3({
        action: 'CreateLiveCallbackTemplate',
        encoding: 'form',
        params: { TemplateName: 'tc3_form', StreamBeginNotifyUrl: 'http://127.0.0.1:9/a?b=c d', RecordExceptionLevels: ['error', 'alarm'] },
      }),
    );
    const id = created.TemplateId as number;
    assert.equal(typeof id, 'number');
    const read = ok(await tc3({ action: 'DescribeLiveCallbackTemplate', method: 'GET', params: { TemplateId: id } }));
    const template = read.Template as Record<string, unknown>;
    assert.equal(template.TemplateName, 'tc3_form');
    assert.equal(template.StreamBeginNotifyUrl, 'http://127.0.0.1:9/a?b=c d');
    assert.deepEqual(template.RecordExceptionLevels, ['error', 'alarm']);
  });

  test('TC3: a replayed mutation is refused; a repeated Describe is not', async () => {
    const create = tc3Request({ action: 'CreateLiveCallbackTemplate', params: { TemplateName: 'replayed', StreamEndNotifyUrl: 'http://127.0.0.1:9/e' } });
    ok(await send(create));
    failed(await send(create), 'AuthFailure.SignatureFailure');
    const describe = tc3Request({ action: 'DescribeLiveCallbackTemplates' });
    ok(await send(describe));
    ok(await send(describe));
    // A form mutation replayed, too.
    const form = tc3Request({ action: 'CreateLiveCallbackTemplate', encoding: 'form', params: { TemplateName: 'replayed2', StreamEndNotifyUrl: 'http://127.0.0.1:9/e' } });
    ok(await send(form));
    failed(await send(form), 'AuthFailure.SignatureFailure');
  });

  test('TC3: the scope service must be live or the Host first label', async () => {
    ok(await tc3({ service: 'live' }));
    ok(await tc3({ service: hostName.split('.')[0]! }));
    failed(await tc3({ service: 'cvm' }), 'AuthFailure.SignatureFailure');
    failed(await tc3({ service: 'localhost' }), 'AuthFailure.SignatureFailure');
  });

  test('TC3: a signed x-tc-action must be the action sent', async () => {
    ok(await tc3({ extraSignedHeaders: { 'x-tc-action': 'DescribeLiveDomains' } }));
    failed(
      await tc3({ action: 'DescribeLiveDomains', extraSignedHeaders: { 'x-tc-action': 'DescribeLiveDomains' }, sendAction: 'DescribeLiveCallbackTemplates' }),
      'AuthFailure.SignatureFailure',
    );
    failed(
      await tc3({ action: 'DeleteLiveCallbackTemplate', params: { TemplateId: 1 }, extraSignedHeaders: { 'x-tc-action': 'describelivecallbacktemplate' } }),
      'AuthFailure.SignatureFailure',
    );
  });

  test('TC3: expired timestamp, wrong key, token, language, region', async () => {
    failed(await tc3({ timestamp: nowSeconds() - 301 }), 'AuthFailure.SignatureExpire');
    failed(await tc3({ method: 'GET', timestamp: nowSeconds() + AHEAD_OF_WINDOW }), 'AuthFailure.SignatureExpire');
    failed(await tc3({ secretKey: 'wrong' }), 'AuthFailure.SignatureFailure');
    failed(await tc3({ headers: { 'x-tc-token': 'session-token' } }), 'AuthFailure.TokenFailure');
    ok(await tc3({ headers: { 'x-tc-token': '' } }));
    ok(await tc3({ headers: { 'x-tc-language': 'en-US' } }));
    ok(await tc3({ headers: { 'x-tc-language': 'zh-CN' } }));
    failed(await tc3({ headers: { 'x-tc-language': 'fr-FR' } }), 'InvalidParameterValue');
    ok(await tc3({ headers: { 'x-tc-region': 'ap-guangzhou' } }));
  });

  // ---- v1 ----

  for (const method of ['GET', 'POST'] as const) {
    for (const signatureMethod of [undefined, 'HmacSHA1', 'HmacSHA256'] as const) {
      test(`v1 ${method} ${signatureMethod ?? '(no SignatureMethod: HmacSHA1)'}: host with or without port`, async () => {
        ok(await v1({ method, ...(signatureMethod ? { signatureMethod } : {}) }));
        ok(await v1({ method, signHost: hostName, ...(signatureMethod ? { signatureMethod } : {}) }));
        failed(await v1({ method, signHost: 'example.com', ...(signatureMethod ? { signatureMethod } : {}) }), 'AuthFailure.SignatureFailure');
      });
    }
  }

  test('v1: a mutation with array and typed parameters, then read back', async () => {
    const created = ok(
      await v1({
        method: 'POST',
        signatureMethod: 'HmacSHA256',
        action: 'CreateLiveCallbackTemplate',
        params: { TemplateName: 'v1_form', PushExceptionNotifyUrl: 'http://127.0.0.1:9/x', RecordExceptionLevels: ['warning'] },
      }),
    );
    const read = ok(await v1({ action: 'DescribeLiveCallbackTemplate', params: { TemplateId: created.TemplateId as number } }));
    assert.deepEqual((read.Template as Record<string, unknown>).RecordExceptionLevels, ['warning']);
  });

  test('v1 errors: wrong signature, expired, unknown SecretId, missing parameters, bad method, token', async () => {
    failed(await v1({ secretKey: 'wrong' }), 'AuthFailure.SignatureFailure');
    failed(await v1({ tamper: (p) => p.map(([k, v]) => [k, k === 'PageSize' ? '3' : v]) , params: { PageSize: 2 } }), 'AuthFailure.SignatureFailure');
    failed(await v1({ tamper: (p) => p.map(([k, v]) => [k, k === 'Signature' ? 'AAAA' : v]) }), 'AuthFailure.SignatureFailure');
    failed(await v1({ timestamp: nowSeconds() - 301 }), 'AuthFailure.SignatureExpire');
    failed(await v1({ method: 'POST', timestamp: nowSeconds() + AHEAD_OF_WINDOW }), 'AuthFailure.SignatureExpire');
    failed(await v1({ secretId: 'AKIDunknown000000000000000000000000' }), 'AuthFailure.SecretIdNotFound');
    for (const name of ['Nonce', 'Timestamp', 'SecretId', 'Signature', 'Version']) {
      failed(await v1({ tamper: (p) => p.filter(([k]) => k !== name) }), 'MissingParameter');
    }
    failed(await v1({ tamper: (p) => p.filter(([k]) => k !== 'Action') }), 'MissingParameter');
    failed(await v1({ action: 'DescribeInstances' }), 'InvalidAction');
    failed(await v1({ extra: [['SignatureMethod', 'HmacMD5']] }), 'InvalidParameterValue');
    failed(await v1({ extra: [['Token', 'session-token']] }), 'AuthFailure.TokenFailure');
    failed(await v1({ extra: [['Language', 'xx']] }), 'InvalidParameterValue');
    ok(await v1({ extra: [['Region', 'ap-guangzhou'], ['Language', 'en-US'], ['RequestClient', 'test']] }));
    failed(await v1({ tamper: (p) => [...p, ['Nonce', '1']] }), 'InvalidParameter');
  });

  test('v1: a Nonce is good once per SecretId and Timestamp (reads too)', async () => {
    const timestamp = nowSeconds();
    ok(await v1({ nonce: 4242, timestamp }));
    failed(await v1({ nonce: 4242, timestamp }), 'AuthFailure.SignatureFailure');
    failed(await v1({ method: 'POST', nonce: 4242, timestamp }), 'AuthFailure.SignatureFailure');
    ok(await v1({ nonce: 4242, timestamp: timestamp - 1 }));
    ok(await v1({ nonce: 4243, timestamp }));
  });

  test('GET / no longer 404s: a bare GET is an API request, a browser is sent to the console', async () => {
    failed(await send({ method: 'GET', headers: {} }), 'MissingParameter');
    const res = await request(`${lh.httpUrl}/`, { headers: { accept: 'text/html' }, dispatcher: agent });
    await res.body.dump();
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/console');
  });
});

describe('replay guard off (--api-replay-guard false)', () => {
  test('the same signed mutation is answered twice', async () => {
    const lh = await startTestLivehook({ flags: { apiReplayGuard: false } });
    try {
      const host = new URL(lh.httpUrl).host;
      const timestamp = nowSeconds();
      const body = JSON.stringify({ TemplateName: 'twice', StreamEndNotifyUrl: 'http://127.0.0.1:9/e' });
      const contentType = 'application/json';
      const headers = {
        'content-type': contentType,
        'x-tc-action': 'CreateLiveCallbackTemplate',
        'x-tc-version': '2018-08-01',
        'x-tc-timestamp': String(timestamp),
        authorization: tc3Authorization({
          method: 'POST', host, query: '', contentType, body, timestamp, service: 'live', secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY,
        }),
      };
      for (let i = 0; i < 2; i++) {
        const res = await request(`${lh.httpUrl}/`, { method: 'POST', headers, body });
        const json = (await res.body.json()) as TcResponse;
        assert.equal(json.Response.Error, undefined, JSON.stringify(json));
      }
    } finally {
      await lh.stop();
    }
  });
});
