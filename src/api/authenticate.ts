/**
 * Request authentication for API 3.0, both signatures Tencent accepts (docs/api-signing.md):
 * TC3-HMAC-SHA256 (Authorization header) and the older v1 (HmacSHA1/HmacSHA256 parameters).
 * Each checks the clock skew, looks up the key, recomputes the signature and compares it in
 * constant time; the host may have been signed with or without its port.
 */
import { timingSafeEqual } from 'node:crypto';
import { apiError } from './errors.js';
import { parseAuthorization, signTc3, tc3Date } from './tc3.js';
import { isV1Method, signV1, v1StringToSign } from './v1-signature.js';

/** Tencent refuses requests whose timestamp is more than five minutes from server time. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
const REQUIRED_SIGNED_HEADERS = ['content-type', 'host'];
/** The credential-scope service Tencent's own endpoint uses. */
const LIVE_SERVICE = 'live';

export interface SignedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/` or `/?a=b`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly timestamp: number;
}

export interface Credential {
  readonly appId: number;
  readonly secretKey: string;
}

interface Principal {
  readonly appId: number;
  readonly secretId: string;
}

type FindCredential = (secretId: string) => Promise<Credential | undefined>;

/**
 * The host names a client may have signed for this Host header: as sent, and without its port
 * (the official Node SDK signs the bare name, Tencent's Python SDK and tccli keep the port).
 */
function signedHostForms(host: string): string[] {
  const sent = host.trim().toLowerCase();
  const bare = sent.startsWith('[') ? sent.slice(0, sent.indexOf(']') + 1) : sent.replace(/:\d*$/, '');
  return bare === sent ? [sent] : [sent, bare];
}

/** Whether the last signature that matched was over the bare host (the second form). */
let bareMatchedLast = false;

/**
 * Whether `signedWith` holds for one of the host forms. The form that matched last time is tried
 * first: clients mostly sign one way (the Node SDK the bare host), and each form tried costs a
 * signature.
 */
function someHostForm(forms: readonly string[], signedWith: (host: string) => boolean): boolean {
  const both = forms.length === 2;
  const matched = (both && bareMatchedLast ? [forms[1]!, forms[0]!] : forms).find(signedWith);
  if (both && matched !== undefined) bareMatchedLast = matched === forms[1];
  return matched !== undefined;
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function checkClockSkew(timestamp: number, nowSeconds: number): void {
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) throw apiError('AuthFailure.SignatureExpire');
}

async function requireCredential(findCredential: FindCredential, secretId: string): Promise<Credential> {
  const credential = await findCredential(secretId);
  if (!credential) throw apiError('AuthFailure.SecretIdNotFound');
  return credential;
}

const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** livehook issues no temporary credentials, so no session token can be valid. */
function refuseToken(token: string | undefined): void {
  if (token !== undefined && token !== '') {
    throw apiError('AuthFailure.TokenFailure', 'livehook issues no temporary credentials; sign with a permanent key and no token.');
  }
}

/**
 * The credential-scope services a client may have used: `live`, as Tencent's endpoint, or the
 * Host's first label, as the official SDK derives it from its endpoint (`127` for 127.0.0.1).
 */
const acceptedServices = (hostForms: readonly string[]): Set<string> =>
  new Set([LIVE_SERVICE, ...hostForms.map((h) => h.split('.')[0]!)]);

/** TC3-HMAC-SHA256: the Authorization header over the canonical request. */
export async function authenticate(
  request: SignedRequest,
  findCredential: FindCredential,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<Principal> {
  const auth = parseAuthorization(headerValue(request.headers, 'authorization'));
  if (!auth) throw apiError('AuthFailure.InvalidAuthorization');
  for (const name of REQUIRED_SIGNED_HEADERS) {
    if (!auth.signedHeaders.includes(name)) {
      throw apiError('AuthFailure.InvalidAuthorization', `SignedHeaders must include ${name}.`);
    }
  }
  checkClockSkew(request.timestamp, nowSeconds);
  if (auth.date !== tc3Date(request.timestamp)) {
    throw apiError('AuthFailure.SignatureFailure', 'The credential date does not match X-TC-Timestamp.');
  }
  const hostForms = signedHostForms(headerValue(request.headers, 'host') ?? '');
  if (!acceptedServices(hostForms).has(auth.service)) {
    throw apiError('AuthFailure.SignatureFailure', `The credential scope's service \`${auth.service}\` is neither live nor this endpoint's.`);
  }
  const credential = await requireCredential(findCredential, auth.secretId);

  const otherHeaders = new Map<string, string>();
  for (const name of auth.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) {
      throw apiError('AuthFailure.SignatureFailure', `Signed header ${name} is missing from the request.`);
    }
    if (name !== 'host') otherHeaders.set(name, value.trim().toLowerCase());
  }
  const queryStart = request.url.indexOf('?');
  const given = Buffer.from(auth.signature, 'hex');
  const matches = someHostForm(hostForms, (host) => {
    const expected = signTc3({
      method: request.method.toUpperCase(),
      path: queryStart < 0 ? request.url : request.url.slice(0, queryStart),
      query: queryStart < 0 ? '' : request.url.slice(queryStart + 1),
      headers: auth.signedHeaders.map((name) => [name, name === 'host' ? host : otherHeaders.get(name)!] as const),
      payload: request.body,
      timestamp: request.timestamp,
      service: auth.service,
      secretKey: credential.secretKey,
    });
    return sameBytes(Buffer.from(expected, 'hex'), given);
  });
  if (!matches) throw apiError('AuthFailure.SignatureFailure');
  refuseToken(headerValue(request.headers, 'x-tc-token'));
  return { appId: credential.appId, secretId: auth.secretId };
}

export interface V1Request {
  readonly method: string;
  readonly host: string;
  /** The request path without its query, e.g. `/`. */
  readonly path: string;
  /** Every parameter of the request (query or form body), `Signature` included; names unique. */
  readonly params: ReadonlyArray<readonly [string, string]>;
}

/** What a verified v1 request proved, and what identifies it for the Nonce check. */
interface V1Principal extends Principal {
  readonly timestamp: number;
  readonly nonce: string;
}

/** v1: `Signature` over the sorted parameters, with `Timestamp` and `Nonce` among them. */
export async function authenticateV1(
  request: V1Request,
  findCredential: FindCredential,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<V1Principal> {
  const params = new Map(request.params);
  const required = (name: string): string => {
    const value = params.get(name);
    if (value === undefined || value === '') throw apiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
    return value;
  };
  const timestampText = required('Timestamp');
  const nonce = required('Nonce');
  const secretId = required('SecretId');
  const signature = required('Signature');
  if (!/^\d{1,12}$/.test(timestampText)) throw apiError('InvalidParameter', 'Timestamp must be a Unix time in seconds.');
  if (!/^\d{1,20}$/.test(nonce)) throw apiError('InvalidParameter', 'Nonce must be a positive integer.');
  const method = params.get('SignatureMethod') ?? 'HmacSHA1';
  if (!isV1Method(method)) throw apiError('InvalidParameterValue', 'SignatureMethod must be HmacSHA1 or HmacSHA256.');
  const timestamp = Number(timestampText);
  checkClockSkew(timestamp, nowSeconds);
  const credential = await requireCredential(findCredential, secretId);

  const given = Buffer.from(signature, 'base64');
  const signed = request.params.filter(([name]) => name !== 'Signature');
  const matches = someHostForm(signedHostForms(request.host), (host) =>
    sameBytes(signV1(method, credential.secretKey, v1StringToSign({ method: request.method, host, path: request.path, params: signed })), given),
  );
  if (!matches) throw apiError('AuthFailure.SignatureFailure');
  refuseToken(params.get('Token'));
  return { appId: credential.appId, secretId, timestamp, nonce };
}
