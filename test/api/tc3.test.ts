/**
 * TC3-HMAC-SHA256 request signing (docs/tencent-compat.md): Tencent's published test
 * vector against the pure functions, then every authentication and common-header failure over real
 * HTTP, and the official SDK against a live livehook.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { authenticate, type SignedRequest } from '../../src/api/authenticate.js';
import { ApiError } from '../../src/api/errors.js';
import { canonicalRequest, parseAuthorization, signTc3 } from '../../src/api/tc3.js';
import { TEST_APPID, TEST_SECRET_ID, TEST_SECRET_KEY, startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { AHEAD_OF_WINDOW, nowSeconds } from '../helpers/tencent-signers.js';

// ---- Tencent's published vector (CVM DescribeInstances) ----

const VECTOR = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  timestamp: 1551113065,
  date: '2019-02-25',
  service: 'cvm',
  host: 'cvm.tencentcloudapi.com',
  contentType: 'application/json; charset=utf-8',
  // The body exactly as Tencent's example sends it (Python json.dumps: spaces, \u escapes).
  body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  payloadHash: '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
  canonicalRequestHash: '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
  signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
} as const;

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

const vectorHeaders = [
  ['content-type', VECTOR.contentType],
  ['host', VECTOR.host],
] as const;

const vectorAuthorization =
  `TC3-HMAC-SHA256 Credential=${VECTOR.secretId}/${VECTOR.date}/${VECTOR.service}/tc3_request, ` +
  `SignedHeaders=content-type;host, Signature=${VECTOR.signature}`;

const vectorRequest = (): SignedRequest => ({
  method: 'POST',
  url: '/',
  headers: {
    'content-type': VECTOR.contentType,
    host: VECTOR.host,
    authorization: vectorAuthorization,
    'x-tc-action': 'DescribeInstances',
    'x-tc-version': '2017-03-12',
    'x-tc-region': 'ap-guangzhou',
    'x-tc-timestamp': String(VECTOR.timestamp),
  },
  body: Buffer.from(VECTOR.body, 'utf8'),
  timestamp: VECTOR.timestamp,
});

const vectorCredential = async (secretId: string) =>
  secretId === VECTOR.secretId ? { appId: 1250000000, secretKey: VECTOR.secretKey } : undefined;

async function authErrorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected authenticate() to refuse the request');
}

describe('TC3 test vector (pure)', () => {
  test('payload hash and canonical-request hash', () => {
    assert.equal(sha256Hex(VECTOR.body), VECTOR.payloadHash);
    const canonical = canonicalRequest({ method: 'POST', path: '/', query: '', headers: vectorHeaders, payload: VECTOR.body });
    assert.equal(
      canonical,
      `POST\n/\n\ncontent-type:${VECTOR.contentType}\nhost:${VECTOR.host}\n\ncontent-type;host\n${VECTOR.payloadHash}`,
    );
    assert.equal(sha256Hex(canonical), VECTOR.canonicalRequestHash);
  });

  test('signTc3 gives the published signature (string and Buffer payload)', () => {
    const input = {
      method: 'POST',
      path: '/',
      query: '',
      headers: vectorHeaders,
      timestamp: VECTOR.timestamp,
      service: VECTOR.service,
      secretKey: VECTOR.secretKey,
    };
    assert.equal(signTc3({ ...input, payload: VECTOR.body }), VECTOR.signature);
    assert.equal(signTc3({ ...input, payload: Buffer.from(VECTOR.body, 'utf8') }), VECTOR.signature);
  });

  test('the independent signer of these tests agrees with the vector', () => {
    const { signature } = tc3({
      secretKey: VECTOR.secretKey,
      timestamp: VECTOR.timestamp,
      date: VECTOR.date,
      service: VECTOR.service,
      headers: vectorHeaders,
      body: VECTOR.body,
    });
    assert.equal(signature, VECTOR.signature);
  });

  test('parseAuthorization reads the vector header', () => {
    assert.deepEqual(parseAuthorization(vectorAuthorization), {
      secretId: VECTOR.secretId,
      date: VECTOR.date,
      service: VECTOR.service,
      signedHeaders: ['content-type', 'host'],
      signature: VECTOR.signature,
    });
    assert.equal(parseAuthorization(undefined), undefined);
    assert.equal(parseAuthorization('TC3-HMAC-SHA1 ' + vectorAuthorization.slice('TC3-HMAC-SHA256 '.length)), undefined);
  });

  test('authenticate() accepts the vector request at its own timestamp', async () => {
    const principal = await authenticate(vectorRequest(), vectorCredential, VECTOR.timestamp);
    assert.deepEqual(principal, { appId: 1250000000, secretId: VECTOR.secretId });
  });

  test('authenticate() clock skew: 299 s and 300 s accepted, 301 s expired (both directions)', async () => {
    for (const skew of [299, 300, -299, -300]) {
      await authenticate(vectorRequest(), vectorCredential, VECTOR.timestamp + skew);
    }
    assert.equal(await authErrorCode(authenticate(vectorRequest(), vectorCredential, VECTOR.timestamp + 301)), 'AuthFailure.SignatureExpire');
    assert.equal(await authErrorCode(authenticate(vectorRequest(), vectorCredential, VECTOR.timestamp - 301)), 'AuthFailure.SignatureExpire');
  });

  test('authenticate() refuses a tampered body, an unknown SecretId and a wrong key', async () => {
    const tampered = { ...vectorRequest(), body: Buffer.from(VECTOR.body.replace('1', '2')) };
    assert.equal(await authErrorCode(authenticate(tampered, vectorCredential, VECTOR.timestamp)), 'AuthFailure.SignatureFailure');
    assert.equal(await authErrorCode(authenticate(vectorRequest(), async () => undefined, VECTOR.timestamp)), 'AuthFailure.SecretIdNotFound');
    const wrongKey = async () => ({ appId: 1, secretKey: VECTOR.secretKey + 'x' });
    assert.equal(await authErrorCode(authenticate(vectorRequest(), wrongKey, VECTOR.timestamp)), 'AuthFailure.SignatureFailure');
  });

  test('authenticate() ignores the Host port but not the Host name', async () => {
    const withHost = (host: string): SignedRequest => ({ ...vectorRequest(), headers: { ...vectorRequest().headers, host } });
    await authenticate(withHost(`${VECTOR.host}:443`), vectorCredential, VECTOR.timestamp);
    await authenticate(withHost(VECTOR.host.toUpperCase()), vectorCredential, VECTOR.timestamp);
    assert.equal(
      await authErrorCode(authenticate(withHost('cvm.example.com'), vectorCredential, VECTOR.timestamp)),
      'AuthFailure.SignatureFailure',
    );
  });
});

// ---- An independent TC3 signer for raw requests ----

interface Tc3Parts {
  readonly secretKey: string;
  readonly timestamp: number;
  /** Credential-scope date; normally the UTC date of `timestamp`. */
  readonly date: string;
  readonly service: string;
  /** Lower-case name → canonical value, in signing order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string | Buffer;
}

function tc3(parts: Tc3Parts): { signature: string; signedHeaders: string } {
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const signedHeaders = parts.headers.map(([k]) => k).join(';');
  const canonical = [
    'POST',
    '/',
    '',
    parts.headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    sha256Hex(parts.body),
  ].join('\n');
  const stringToSign = ['TC3-HMAC-SHA256', String(parts.timestamp), `${parts.date}/${parts.service}/tc3_request`, sha256Hex(canonical)].join('\n');
  const secretSigning = hmac(hmac(hmac('TC3' + parts.secretKey, parts.date), parts.service), 'tc3_request');
  return { signature: createHmac('sha256', secretSigning).update(stringToSign).digest('hex'), signedHeaders };
}

const utcDate = (timestamp: number): string => new Date(timestamp * 1000).toISOString().slice(0, 10);

interface RawCall {
  action?: string | undefined;
  version?: string | undefined;
  body?: string | Buffer;
  secretId?: string;
  secretKey?: string;
  timestamp?: number;
  /** Sent as X-TC-Timestamp; default String(timestamp); undefined (explicitly) omits it. */
  timestampHeader?: string | undefined;
  service?: string;
  date?: string;
  contentType?: string;
  /** Host name signed (the canonical host: no port). Default: the server's host name. */
  signHost?: string;
  /** Host header sent. Default: the server's host:port. */
  sendHost?: string;
  /** Overrides applied after signing, to tamper with what was signed. */
  sendBody?: string | Buffer;
  sendContentType?: string;
  /** Replaces the Authorization header entirely; null omits it. */
  authorization?: string | null;
  algorithm?: string;
  signedHeaderNames?: readonly string[];
}

interface TcResponse {
  Response: {
    RequestId: string;
    Error?: { Code: string; Message: string };
    [key: string]: unknown;
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('TC3 over HTTP', () => {
  let lh: TestLivehook;
  let agent: Agent;
  let hostName: string;
  let hostPort: string;

  before(async () => {
    lh = await startTestLivehook();
    agent = new Agent({ keepAliveTimeout: 1000 });
    const url = new URL(lh.httpUrl);
    hostName = url.hostname;
    hostPort = url.host;
  });

  after(async () => {
    await agent.close();
    await lh.stop();
  });

  async function call(options: RawCall = {}): Promise<TcResponse> {
    const has = (key: keyof RawCall) => Object.hasOwn(options, key);
    const timestamp = options.timestamp ?? nowSeconds();
    const body = options.body ?? '{}';
    const contentType = options.contentType ?? 'application/json';
    const service = options.service ?? 'live';
    const signValues: Record<string, string> = {
      'content-type': contentType,
      host: options.signHost ?? hostName,
      'x-tc-action': (options.action ?? 'DescribeLiveCallbackTemplates').toLowerCase(),
    };
    const names = options.signedHeaderNames ?? ['content-type', 'host'];
    const { signature, signedHeaders } = tc3({
      secretKey: options.secretKey ?? TEST_SECRET_KEY,
      timestamp,
      date: options.date ?? utcDate(timestamp),
      service,
      headers: names.map((n) => [n, signValues[n] ?? ''] as const),
      body,
    });
    const authorization =
      `${options.algorithm ?? 'TC3-HMAC-SHA256'} Credential=${options.secretId ?? TEST_SECRET_ID}/` +
      `${options.date ?? utcDate(timestamp)}/${service}/tc3_request, SignedHeaders=${signedHeaders}, Signature=${signature}`;

    const headers: Record<string, string> = {
      host: options.sendHost ?? hostPort,
      'content-type': options.sendContentType ?? contentType,
    };
    const action = has('action') ? options.action : 'DescribeLiveCallbackTemplates';
    if (action !== undefined) headers['x-tc-action'] = action;
    const version = has('version') ? options.version : '2018-08-01';
    if (version !== undefined) headers['x-tc-version'] = version;
    const timestampHeader = has('timestampHeader') ? options.timestampHeader : String(timestamp);
    if (timestampHeader !== undefined) headers['x-tc-timestamp'] = timestampHeader;
    if (options.authorization !== null) headers.authorization = options.authorization ?? authorization;

    const res = await request(`${lh.httpUrl}/`, { method: 'POST', headers, body: options.sendBody ?? body, dispatcher: agent });
    const text = await res.body.text();
    assert.equal(res.statusCode, 200, `HTTP status for ${text}`);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const json = JSON.parse(text) as TcResponse;
    assert.ok(json.Response && typeof json.Response === 'object', text);
    assert.match(json.Response.RequestId, UUID);
    return json;
  }

  function assertSuccess(json: TcResponse): void {
    assert.equal(json.Response.Error, undefined, JSON.stringify(json));
  }

  async function assertError(options: RawCall, code: string): Promise<void> {
    const json = await call(options);
    assert.ok(json.Response.Error, `expected ${code}, got success ${JSON.stringify(json)}`);
    assert.deepEqual(Object.keys(json.Response).sort(), ['Error', 'RequestId']);
    assert.deepEqual(Object.keys(json.Response.Error).sort(), ['Code', 'Message']);
    assert.equal(json.Response.Error.Code, code, JSON.stringify(json));
    assert.equal(typeof json.Response.Error.Message, 'string');
    assert.ok(json.Response.Error.Message.length > 0);
    assert.doesNotMatch(json.Response.Error.Message, /\.ts:\d|\bat \S*[/\\]|node_modules/);
  }

  test('a correctly signed DescribeLiveCallbackTemplates succeeds', async () => {
    const json = await call();
    assertSuccess(json);
    assert.ok(Array.isArray(json.Response.Templates));
    assert.deepEqual(Object.keys(json.Response).sort(), ['RequestId', 'Templates']);
  });

  test('every request gets its own RequestId', async () => {
    const a = await call();
    const b = await call();
    assert.notEqual(a.Response.RequestId, b.Response.RequestId);
  });

  test('body tampered after signing → AuthFailure.SignatureFailure', async () => {
    await assertError({ action: 'DescribeLiveCallbackTemplates', body: '{}', sendBody: '{ }' }, 'AuthFailure.SignatureFailure');
    await assertError(
      { action: 'DescribeLiveCallbackTemplate', body: '{"TemplateId":1}', sendBody: '{"TemplateId":2}' },
      'AuthFailure.SignatureFailure',
    );
  });

  test('signed header tampered (content-type changed) → AuthFailure.SignatureFailure', async () => {
    await assertError({ contentType: 'application/json', sendContentType: 'application/json; charset=utf-8' }, 'AuthFailure.SignatureFailure');
    await assertError({ contentType: 'application/json', sendContentType: 'text/plain' }, 'AuthFailure.SignatureFailure');
  });

  test('Host: another host name fails, another port with the same name passes', async () => {
    await assertError({ signHost: hostName, sendHost: 'example.com' }, 'AuthFailure.SignatureFailure');
    await assertError({ signHost: hostName, sendHost: `localhost:${new URL(lh.httpUrl).port}` }, 'AuthFailure.SignatureFailure');
    await assertError({ signHost: 'live.tencentcloudapi.com', sendHost: hostPort }, 'AuthFailure.SignatureFailure');
    assertSuccess(await call({ signHost: hostName, sendHost: `${hostName}:1` }));
    assertSuccess(await call({ signHost: hostName, sendHost: `${hostName}:443` }));
    assertSuccess(await call({ signHost: hostName, sendHost: hostName }));
    // What Tencent's own host would look like behind a proxy that keeps the Host header.
    assertSuccess(await call({ signHost: 'live.tencentcloudapi.com', sendHost: 'live.tencentcloudapi.com:8443' }));
  });

  test('the service name is taken from the credential scope (127 like the SDK, live like Tencent)', async () => {
    assertSuccess(await call({ service: '127' }));
    assertSuccess(await call({ service: 'live' }));
    // Neither `live` nor the Host's first label (issue 11 item 8): refused.
    await assertError({ service: 'localhost' }, 'AuthFailure.SignatureFailure');
  });

  test('extra signed headers are verified too', async () => {
    assertSuccess(await call({ signedHeaderNames: ['content-type', 'host', 'x-tc-action'] }));
  });

  test('timestamp 301 s old or 330 s ahead → AuthFailure.SignatureExpire; 250 s old and 250 s ahead pass', async () => {
    await assertError({ timestamp: nowSeconds() - 301 }, 'AuthFailure.SignatureExpire');
    await assertError({ timestamp: nowSeconds() + AHEAD_OF_WINDOW }, 'AuthFailure.SignatureExpire');
    await assertError({ timestamp: 0 }, 'AuthFailure.SignatureExpire');
    assertSuccess(await call({ timestamp: nowSeconds() - 250 }));
    assertSuccess(await call({ timestamp: nowSeconds() + 250 }));
  });

  test('unknown SecretId → AuthFailure.SecretIdNotFound', async () => {
    await assertError({ secretId: 'AKIDunknown000000000000000000000000' }, 'AuthFailure.SecretIdNotFound');
  });

  test('right SecretId, wrong key → AuthFailure.SignatureFailure', async () => {
    await assertError({ secretKey: TEST_SECRET_KEY + 'x' }, 'AuthFailure.SignatureFailure');
    await assertError({ secretKey: '' }, 'AuthFailure.SignatureFailure');
  });

  test('malformed Authorization → AuthFailure.InvalidAuthorization', async () => {
    await assertError({ authorization: null }, 'AuthFailure.InvalidAuthorization');
    await assertError({ authorization: '' }, 'AuthFailure.InvalidAuthorization');
    await assertError({ authorization: 'garbage' }, 'AuthFailure.InvalidAuthorization');
    await assertError({ authorization: 'Bearer abc.def.ghi' }, 'AuthFailure.InvalidAuthorization');
    await assertError({ authorization: 'TC3-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=zz' }, 'AuthFailure.InvalidAuthorization');
    await assertError({ algorithm: 'TC3-HMAC-SHA1' }, 'AuthFailure.InvalidAuthorization');
    await assertError({ algorithm: 'HMAC-SHA256' }, 'AuthFailure.InvalidAuthorization');
    await assertError({ signedHeaderNames: ['content-type'] }, 'AuthFailure.InvalidAuthorization');
    await assertError({ signedHeaderNames: ['host'] }, 'AuthFailure.InvalidAuthorization');
  });

  test('credential date not matching X-TC-Timestamp → AuthFailure.SignatureFailure', async () => {
    const ts = nowSeconds();
    await assertError({ timestamp: ts, date: utcDate(ts - 2 * 86400) }, 'AuthFailure.SignatureFailure');
    await assertError({ timestamp: ts, date: utcDate(ts + 86400) }, 'AuthFailure.SignatureFailure');
  });

  test('common headers: missing action, unknown action, wrong version, missing timestamp', async () => {
    await assertError({ action: undefined }, 'MissingParameter');
    await assertError({ action: 'DescribeInstances' }, 'InvalidAction');
    await assertError({ action: 'describelivecallbacktemplates' }, 'InvalidAction');
    await assertError({ action: '__proto__' }, 'InvalidAction');
    await assertError({ action: 'constructor' }, 'InvalidAction');
    await assertError({ version: '2017-03-12' }, 'NoSuchVersion');
    await assertError({ version: undefined }, 'MissingParameter');
    await assertError({ timestampHeader: undefined }, 'MissingParameter');
    await assertError({ timestampHeader: 'yesterday' }, 'InvalidParameter');
  });

  test('the official SDK works against 127.0.0.1:<port> (service 127 in its scope)', async () => {
    assert.equal(hostName, '127.0.0.1');
    const client = lh.client();
    const created = await client.CreateLiveCallbackTemplate({ TemplateName: 'sdk_tc3', StreamBeginNotifyUrl: 'http://127.0.0.1:9/hook' });
    assert.equal(typeof created.TemplateId, 'number');
    assert.match(created.RequestId ?? '', UUID);
    const listed = await client.DescribeLiveCallbackTemplates();
    assert.ok(listed.Templates?.some((t) => t.TemplateId === created.TemplateId && t.TemplateName === 'sdk_tc3'));
    // The same template is visible to a raw request signed with service `live`.
    const raw = await call({ action: 'DescribeLiveCallbackTemplate', body: JSON.stringify({ TemplateId: created.TemplateId }) });
    assertSuccess(raw);
    assert.equal((raw.Response.Template as { TemplateName: string }).TemplateName, 'sdk_tc3');
    assert.equal(lh.bootstrap.created?.appId, TEST_APPID);
  });

  test('the official SDK with a wrong key gets AuthFailure.SignatureFailure', async () => {
    await assert.rejects(lh.client(TEST_SECRET_ID, 'wrong').DescribeLiveCallbackTemplates(), (error: { code?: string }) => {
      assert.equal(error.code, 'AuthFailure.SignatureFailure');
      return true;
    });
  });
});
