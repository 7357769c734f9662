/**
 * Tencent Cloud API 3.0 request signing, written from Tencent's documentation ("Signature v3" and
 * "Signature" (v1) pages, with their published examples) and independent of livehook's verifier
 * in src/api: tests sign with these and livehook must accept them. Nothing here imports src/.
 */
import { createHash, createHmac } from 'node:crypto';

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmacSha256 = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** `YYYY-MM-DD` (UTC) of a Unix time in seconds: the credential-scope date. */
export const utcDate = (timestamp: number): string => new Date(timestamp * 1000).toISOString().slice(0, 10);

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
/**
 * Seconds ahead that are outside the 300 s window however late the server reads its clock: one
 * second more (301) comes back to 300 when a second boundary passes before the server looks. The
 * exact bound is tested with a fixed clock (tc3.test.ts, authenticate()).
 */
export const AHEAD_OF_WINDOW = 330;

/**
 * RFC 3986 percent-encoding, as the v3 page asks for the canonical query string: everything but
 * ALPHA / DIGIT / `-` `.` `_` `~` is escaped.
 */
export const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

type Scalar = string | number | boolean;
type Nested = Scalar | Nested[] | { [key: string]: Nested | undefined };

/**
 * The documented flattening of structured parameters for GET and form requests: arrays by index
 * from 0 (`InstanceIds.0`), objects by member (`Filters.0.Name`).
 */
export function flatten(params: Record<string, Nested | undefined>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const name = prefix + key;
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...flatten({ [String(i)]: v }, `${name}.`)));
    else if (typeof value === 'object') out.push(...flatten(value, `${name}.`));
    else out.push([name, String(value)]);
  }
  return out;
}

export const formEncode = (pairs: ReadonlyArray<readonly [string, string]>): string =>
  pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');

// ---- TC3-HMAC-SHA256 ----

export interface Tc3Request {
  readonly method: 'GET' | 'POST';
  /** The host as signed: `host` or `host:port`. */
  readonly host: string;
  /** Canonical query string, already URL-encoded ('' for POST). */
  readonly query: string;
  readonly contentType: string;
  readonly body: string | Buffer;
  readonly timestamp: number;
  readonly service: string;
  readonly secretId: string;
  readonly secretKey: string;
  /** Signed besides content-type and host, lower-case name → value (e.g. x-tc-action). */
  readonly extraSignedHeaders?: Readonly<Record<string, string>>;
  /** Credential-scope date; default the UTC date of `timestamp`. */
  readonly date?: string;
}

/** The Authorization header value of the v3 page's four steps. */
export function tc3Authorization(r: Tc3Request): string {
  const headers: Array<[string, string]> = [
    ['content-type', r.contentType.toLowerCase()],
    ['host', r.host.toLowerCase()],
    ...Object.entries(r.extraSignedHeaders ?? {}).map(([k, v]): [string, string] => [k.toLowerCase(), v.trim().toLowerCase()]),
  ];
  headers.sort(([a], [b]) => (a < b ? -1 : 1));
  const signedHeaders = headers.map(([k]) => k).join(';');
  // Step 1: the canonical request.
  const canonicalRequest = [
    r.method,
    '/',
    r.query,
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    sha256Hex(r.body),
  ].join('\n');
  // Step 2: the string to sign.
  const date = r.date ?? utcDate(r.timestamp);
  const scope = `${date}/${r.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${r.timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  // Step 3: the derived key and the signature.
  const secretSigning = hmacSha256(hmacSha256(hmacSha256(`TC3${r.secretKey}`, date), r.service), 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  // Step 4: the header.
  return `TC3-HMAC-SHA256 Credential=${r.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

// ---- v1 (HmacSHA1 / HmacSHA256) ----

export type V1SignatureMethod = 'HmacSHA1' | 'HmacSHA256';

export interface V1Request {
  readonly method: 'GET' | 'POST';
  /** The host as signed: `host` or `host:port`. */
  readonly host: string;
  readonly path?: string;
  /** Every parameter, common ones included, Signature excluded; values raw (not URL-encoded). */
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly secretKey: string;
  /** Also decides the digest; absent means HmacSHA1, as the v1 page says. */
  readonly signatureMethod?: V1SignatureMethod;
}

/**
 * The v1 page's string to sign: parameters sorted by name, `k=v` joined by `&` with raw values,
 * prefixed by method, host and path and `?`.
 */
export function v1SourceString(r: Omit<V1Request, 'secretKey'>): string {
  const sorted = [...r.params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${r.method}${r.host}${r.path ?? '/'}?${sorted.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** Base64 of the HMAC of the string to sign under the SecretKey. */
export function v1Signature(r: V1Request): string {
  const digest = r.signatureMethod === 'HmacSHA256' ? 'sha256' : 'sha1';
  return createHmac(digest, r.secretKey).update(v1SourceString(r), 'utf8').digest('base64');
}

/**
 * The full parameter list of a v1 call: the action's flattened parameters plus the common ones
 * and the Signature, ready to be form-encoded into a query or a body.
 */
export function v1Params(o: {
  readonly method: 'GET' | 'POST';
  readonly host: string;
  readonly action: string;
  readonly params?: Record<string, Nested | undefined>;
  readonly secretId: string;
  readonly secretKey: string;
  readonly signatureMethod?: V1SignatureMethod;
  readonly timestamp?: number;
  readonly nonce?: number;
  readonly version?: string;
  readonly extra?: ReadonlyArray<readonly [string, string]>;
}): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ...flatten(o.params ?? {}),
    ['Action', o.action],
    ['Version', o.version ?? '2018-08-01'],
    ['Timestamp', String(o.timestamp ?? nowSeconds())],
    ['Nonce', String(o.nonce ?? 1 + Math.floor(Math.random() * 2 ** 31))],
    ['SecretId', o.secretId],
    ...(o.signatureMethod ? [['SignatureMethod', o.signatureMethod] as [string, string]] : []),
    ...(o.extra ?? []).map(([k, v]): [string, string] => [k, v]),
  ];
  const signature = v1Signature({ method: o.method, host: o.host, params: pairs, secretKey: o.secretKey, ...(o.signatureMethod ? { signatureMethod: o.signatureMethod } : {}) });
  return [...pairs, ['Signature', signature]];
}
