/** Messages between the dispatcher's thread and the callback sender thread (sender-thread.ts). */
import type { CallbackAttempt, SentAttempt } from './callback-sender.js';
import type { CallbackHttpClientOptions } from './http-client.js';

export interface SenderWorkerData extends CallbackHttpClientOptions {
  /** Attempts in flight at once to one host; the thread queues the others (per host, in order). */
  readonly perHostConcurrency: number;
}

/** Attempts are sent in batches, one message per turn of the event loop, in both directions. */
export type ToSender =
  | { readonly type: 'send'; readonly attempts: readonly { readonly id: number; readonly attempt: CallbackAttempt }[] }
  | { readonly type: 'abort'; readonly ids: readonly number[] }
  | { readonly type: 'close' };

export type FromSender = { readonly type: 'results'; readonly results: readonly { readonly id: number; readonly sent: SentAttempt }[] };
