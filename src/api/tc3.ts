/**
 * TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0 (docs/api-signing.md, "TC3").
 * Pure functions: `signTc3` computes a signature from the canonical parts; `parseAuthorization`
 * reads the header. The request-level checks (clock skew, key lookup) live in authenticate.ts.
 */
import { createHmac, hash } from 'node:crypto';

const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

interface Tc3Input {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Lower-case header name → value, exactly the headers named in SignedHeaders. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly payload: Buffer | string;
  readonly timestamp: number;
  readonly service: string;
  readonly secretKey: string;
}

const sha256Hex = (data: Buffer | string): string => hash('sha256', data, 'hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** UTC `YYYY-MM-DD` of a Unix timestamp: the date in the credential scope. */
export const tc3Date = (timestamp: number): string => new Date(timestamp * 1000).toISOString().slice(0, 10);

export function canonicalRequest(input: Omit<Tc3Input, 'timestamp' | 'service' | 'secretKey'>): string {
  const canonicalHeaders = input.headers.map(([k, v]) => `${k}:${v}\n`).join('');
  const signedHeaders = input.headers.map(([k]) => k).join(';');
  return [input.method, input.path, input.query, canonicalHeaders, signedHeaders, sha256Hex(input.payload)].join('\n');
}

export function signTc3(input: Tc3Input): string {
  const date = tc3Date(input.timestamp);
  const stringToSign = [
    TC3_ALGORITHM,
    String(input.timestamp),
    `${date}/${input.service}/tc3_request`,
    sha256Hex(canonicalRequest(input)),
  ].join('\n');
  return createHmac('sha256', signingKey(input.secretKey, date, input.service)).update(stringToSign).digest('hex');
}

/** Derived signing keys: one per key, day and service, so three of the four HMACs run once a day. */
const signingKeys = new Map<string, Buffer>();
const SIGNING_KEYS_KEPT = 1024;

function signingKey(secretKey: string, date: string, service: string): Buffer {
  const id = `${date}\n${service}\n${secretKey}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = hmac(hmac(hmac('TC3' + secretKey, date), service), 'tc3_request');
    // Bounded by forgetting everything: refilling costs three HMACs per key.
    if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

interface Tc3Authorization {
  readonly secretId: string;
  readonly date: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 +Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s,]+)\/tc3_request *, *SignedHeaders=([a-z0-9;-]+) *, *Signature=([0-9a-fA-F]{64})$/;

/** Returns undefined when the header is not a well-formed TC3 Authorization. */
export function parseAuthorization(header: string | undefined): Tc3Authorization | undefined {
  const m = header === undefined ? null : AUTHORIZATION.exec(header.trim());
  if (!m) return undefined;
  return {
    secretId: m[1]!,
    date: m[2]!,
    service: m[3]!,
    signedHeaders: m[4]!.split(';').filter(Boolean),
    signature: m[5]!.toLowerCase(),
  };
}
