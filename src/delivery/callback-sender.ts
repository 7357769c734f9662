/**
 * What the dispatcher hands over for one attempt, and the one way it goes out: the stored payload
 * becomes the signed body (callback-body.ts), the Standard Webhooks headers are added
 * (signing.ts), and the SSRF-safe client posts it (http-client.ts). A sender does this in this
 * thread (`sendWith`) or on a thread of its own (sender-thread.ts); the dispatcher cannot tell,
 * except that a sender may keep the per-host cap itself (`perHostConcurrency`).
 */
import { callbackBody } from './callback-body.js';
import type { CallbackHttpClient, CallbackResult } from './http-client.js';
import { signedHeaders } from './signing.js';

export interface CallbackAttempt {
  readonly url: string;
  /** The receiver's host as the dispatcher counts it (outbox-sql.ts `targetHostOf`): the unit of the per-host cap. */
  readonly host: string;
  /** The stored payload (JSON object text, without `t` and `sign`). */
  readonly payload: string;
  readonly callbackKey: string;
  readonly webhookId: string;
}

/** An attempt made: when it started (ms; `t` and `webhook-timestamp` derive from it) and how it ended. */
export interface SentAttempt {
  readonly startedAt: number;
  readonly result: CallbackResult;
}

export interface CallbackSender {
  /**
   * Set when the sender keeps at most this many attempts per host in flight itself, starting the
   * others as earlier ones finish: the dispatcher then hands it a host's claimed rows at once
   * instead of counting slots that include the time an attempt spends between threads.
   */
  readonly perHostConcurrency?: number;
  /** Resolves with the outcome; rejects only when `signal` aborts the attempt (or the sender stops). */
  send(attempt: CallbackAttempt, signal?: AbortSignal): Promise<SentAttempt>;
  close(): Promise<void>;
}

export async function signAndPost(http: Pick<CallbackHttpClient, 'post'>, attempt: CallbackAttempt, signal?: AbortSignal): Promise<SentAttempt> {
  const startedAt = Date.now();
  const body = callbackBody(attempt.payload, attempt.callbackKey, startedAt);
  const headers = signedHeaders({
    callbackKey: attempt.callbackKey,
    webhookId: attempt.webhookId,
    timestampSec: Math.floor(startedAt / 1000),
    body,
  });
  return { startedAt, result: await http.post(attempt.url, body, headers, signal) };
}

/** A sender that signs and posts in the calling thread, through a client its caller owns (and closes). */
export const sendWith = (http: Pick<CallbackHttpClient, 'post'>): CallbackSender => ({
  send: (attempt, signal) => signAndPost(http, attempt, signal),
  close: async () => {},
});
