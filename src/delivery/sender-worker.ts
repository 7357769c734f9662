/**
 * The callback sender thread (sender-thread.ts): signs and posts what the dispatcher sends it with
 * its own SSRF-safe client, and answers in batches. It touches no store: an attempt that never
 * answers is the dispatcher's to release, as with any aborted attempt.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { signAndPost } from './callback-sender.js';
import { createCallbackHttpClient, type CallbackResult } from './http-client.js';
import type { FromSender, SenderWorkerData, ToSender } from './sender-protocol.js';

const port = parentPort!;
const http = createCallbackHttpClient(workerData as SenderWorkerData);
const aborts = new Map<number, AbortController>();
let answers: { id: number; result: CallbackResult }[] = [];

function answer(id: number, result: CallbackResult): void {
  if (answers.length === 0) setImmediate(flush);
  answers.push({ id, result });
}

function flush(): void {
  const message: FromSender = { type: 'results', results: answers };
  answers = [];
  port.postMessage(message);
}

port.on('message', (message: ToSender) => {
  switch (message.type) {
    case 'send':
      for (const { id, attempt } of message.attempts) {
        const abort = new AbortController();
        aborts.set(id, abort);
        signAndPost(http, attempt, abort.signal)
          .then((result) => answer(id, result), () => {}) // aborted: the dispatcher has let it go already
          .finally(() => aborts.delete(id));
      }
      break;
    case 'abort':
      for (const id of message.ids) aborts.get(id)?.abort();
      break;
    case 'close':
      for (const abort of aborts.values()) abort.abort();
      void http.close().finally(() => port.close());
      break;
  }
});
