/**
 * What the dispatcher hands over for one attempt, and the one way it goes out: the stored payload
 * becomes the signed body (callback-body.ts), the Standard Webhooks headers are added
 * (signing.ts), and the SSRF-safe client posts it (http-client.ts). A sender does this in this
 * thread (`sendWith`) or on a thread of its own (sender-thread.ts); the dispatcher cannot tell.
 */
import { callbackBody } from './callback-body.js';
import type { CallbackHttpClient, CallbackResult } from './http-client.js';
import { signedHeaders } from './signing.js';

export interface CallbackAttempt {
  readonly url: string;
  /** The stored payload (JSON object text, without `t` and `sign`). */
  readonly payload: string;
  readonly callbackKey: string;
  readonly webhookId: string;
  /** The attempt's start (ms): `t` and `webhook-timestamp` derive from it. */
  readonly startedAt: number;
}

export interface CallbackSender {
  /** Resolves with the outcome; rejects only when `signal` aborts the attempt (or the sender stops). */
  send(attempt: CallbackAttempt, signal?: AbortSignal): Promise<CallbackResult>;
  close(): Promise<void>;
}

export function signAndPost(http: Pick<CallbackHttpClient, 'post'>, attempt: CallbackAttempt, signal?: AbortSignal): Promise<CallbackResult> {
  const body = callbackBody(attempt.payload, attempt.callbackKey, attempt.startedAt);
  const headers = signedHeaders({
    callbackKey: attempt.callbackKey,
    webhookId: attempt.webhookId,
    timestampSec: Math.floor(attempt.startedAt / 1000),
    body,
  });
  return http.post(attempt.url, body, headers, signal);
}

/** A sender that signs and posts in the calling thread, through a client its caller owns (and closes). */
export const sendWith = (http: Pick<CallbackHttpClient, 'post'>): CallbackSender => ({
  send: (attempt, signal) => signAndPost(http, attempt, signal),
  close: async () => {},
});
