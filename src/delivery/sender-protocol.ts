/** Messages between the dispatcher's thread and the callback sender thread (sender-thread.ts). */
import type { CallbackAttempt } from './callback-sender.js';
import type { CallbackHttpClientOptions, CallbackResult } from './http-client.js';

export type SenderWorkerData = CallbackHttpClientOptions;

/** Attempts are sent in batches, one message per turn of the event loop, in both directions. */
export type ToSender =
  | { readonly type: 'send'; readonly attempts: readonly { readonly id: number; readonly attempt: CallbackAttempt }[] }
  | { readonly type: 'abort'; readonly ids: readonly number[] }
  | { readonly type: 'close' };

export type FromSender = { readonly type: 'results'; readonly results: readonly { readonly id: number; readonly result: CallbackResult }[] };
