/**
 * API 3.0's older "v1" signature (docs/api-signing.md, "v1"): every parameter but `Signature`,
 * sorted by name and joined as `k=v&…` with the raw, not URL-encoded, values; the string to sign
 * is `METHOD + host + path + "?" + that`; the signature is the Base64 HMAC-SHA1 or HMAC-SHA256 of
 * it under the SecretKey. Pure functions; the request-level checks live in authenticate.ts.
 */
import { createHmac } from 'node:crypto';

/** SignatureMethod values and their HMAC digests; HmacSHA1 is the default when it is absent. */
export const V1_METHODS = { HmacSHA1: 'sha1', HmacSHA256: 'sha256' } as const;
export type V1Method = keyof typeof V1_METHODS;

export const isV1Method = (value: string): value is V1Method => Object.hasOwn(V1_METHODS, value);

interface V1Input {
  readonly method: string;
  /** The host the client addressed, exactly as it put it in the string (with or without port). */
  readonly host: string;
  readonly path: string;
  /** Every request parameter except `Signature`, in any order. */
  readonly params: ReadonlyArray<readonly [string, string]>;
}

/** Sorting is by code unit, which is byte order for the ASCII names Tencent's parameters have. */
export function v1StringToSign(input: V1Input): string {
  const sorted = [...input.params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${input.method.toUpperCase()}${input.host}${input.path}?${sorted.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** The raw HMAC bytes; the wire form is their Base64. */
export const signV1 = (method: V1Method, secretKey: string, stringToSign: string): Buffer =>
  createHmac(V1_METHODS[method], secretKey).update(stringToSign, 'utf8').digest();
