/**
 * Request authentication for API 3.0: parse the TC3 Authorization, check clock skew, look up
 * the key, recompute the signature over the raw body bytes and compare in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { apiError } from './errors.js';
import { parseAuthorization, signTc3, tc3Date } from './tc3.js';

/** Tencent refuses requests whose timestamp is more than five minutes from server time. */
const MAX_CLOCK_SKEW_SECONDS = 300;
const REQUIRED_SIGNED_HEADERS = ['content-type', 'host'];

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

/** The canonical host is the Host header without its port: the official SDK signs URL.hostname. */
function canonicalHost(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  return host.replace(/:\d*$/, '').toLowerCase();
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export async function authenticate(
  request: SignedRequest,
  findCredential: (secretId: string) => Promise<Credential | undefined>,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<Principal> {
  const auth = parseAuthorization(headerValue(request.headers, 'authorization'));
  if (!auth) throw apiError('AuthFailure.InvalidAuthorization');
  for (const name of REQUIRED_SIGNED_HEADERS) {
    if (!auth.signedHeaders.includes(name)) {
      throw apiError('AuthFailure.InvalidAuthorization', `SignedHeaders must include ${name}.`);
    }
  }
  if (Math.abs(nowSeconds - request.timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    throw apiError('AuthFailure.SignatureExpire');
  }
  if (auth.date !== tc3Date(request.timestamp)) {
    throw apiError('AuthFailure.SignatureFailure', 'The credential date does not match X-TC-Timestamp.');
  }
  const credential = await findCredential(auth.secretId);
  if (!credential) throw apiError('AuthFailure.SecretIdNotFound');

  const headers: Array<[string, string]> = [];
  for (const name of auth.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) {
      throw apiError('AuthFailure.SignatureFailure', `Signed header ${name} is missing from the request.`);
    }
    headers.push([name, name === 'host' ? canonicalHost(value) : value.trim().toLowerCase()]);
  }
  const queryStart = request.url.indexOf('?');
  const expected = signTc3({
    method: request.method.toUpperCase(),
    path: queryStart < 0 ? request.url : request.url.slice(0, queryStart),
    query: queryStart < 0 ? '' : request.url.slice(queryStart + 1),
    headers,
    payload: request.body,
    timestamp: request.timestamp,
    service: auth.service,
    secretKey: credential.secretKey,
  });
  const given = Buffer.from(auth.signature, 'hex');
  if (!timingSafeEqual(Buffer.from(expected, 'hex'), given)) throw apiError('AuthFailure.SignatureFailure');
  return { appId: credential.appId, secretId: auth.secretId };
}
