/**
 * Callback signatures, as pure functions of their inputs (docs/delivery.md).
 *
 * Two schemes are sent side by side:
 * - Tencent's `sign` / `t` body fields, so receivers written for Tencent Cloud CSS work unchanged;
 * - Standard Webhooks v1 headers, which (unlike Tencent's md5) cover the body and a timestamp,
 *   so a captured request cannot be replayed with a different body.
 * Both use the template's CallbackKey; with no key, neither is sent.
 */
import { createHmac, hash } from 'node:crypto';

/** How long a Tencent `t` stays valid after sending, in seconds (Tencent uses 600). */
export const SIGNATURE_VALIDITY_SECONDS = 600;

/** Tencent `sign`: lowercase hex md5 of the key followed by the decimal `t`. */
export function tencentSign(callbackKey: string, t: number): string {
  return hash('md5', callbackKey + String(t), 'hex');
}

/** Tencent `t`: the Unix second at which the signature expires. */
export function signatureExpiry(nowMs: number, validitySeconds = SIGNATURE_VALIDITY_SECONDS): number {
  return Math.floor(nowMs / 1000) + validitySeconds;
}

/**
 * Standard Webhooks v1 `webhook-signature` value: one `v1,<base64 HMAC-SHA256>` entry per key,
 * space-separated, so a receiver holding either the old or the new key verifies during rotation.
 *
 * The HMAC key is the UTF-8 bytes of the CallbackKey as typed (not base64-decoded, no `whsec_`
 * handling): Tencent keys are plain strings, and receivers are told to use them as they are.
 */
export function standardWebhookSignature(
  keys: readonly string[] | string,
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  const signedContent = `${msgId}.${timestampSec}.${body}`;
  const keyList = typeof keys === 'string' ? [keys] : keys;
  return keyList
    .map((key) => `v1,${createHmac('sha256', Buffer.from(key, 'utf8')).update(signedContent).digest('base64')}`)
    .join(' ');
}

export interface SignedHeadersInput {
  /** The template's CallbackKey; empty or absent means "unsigned". */
  callbackKey?: string | undefined;
  /** Stable across retries of one delivery, so receivers can deduplicate. */
  webhookId: string;
  timestampSec: number;
  /** The exact bytes that will be sent; the signature covers them, not a re-serialisation. */
  body: string;
}

/** Request headers for one attempt; `webhook-signature` only when a key is set. */
export function signedHeaders(input: SignedHeadersInput): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(input.timestampSec),
  };
  if (input.callbackKey) {
    headers['webhook-signature'] = standardWebhookSignature(
      input.callbackKey,
      input.webhookId,
      input.timestampSec,
      input.body,
    );
  }
  return headers;
}
