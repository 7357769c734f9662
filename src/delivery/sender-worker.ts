/**
 * The callback sender thread (sender-thread.ts): signs and posts what the dispatcher sends it with
 * its own SSRF-safe client, at most `perHostConcurrency` at once per host (the rest wait here in
 * arrival order), and answers in batches. It touches no store: an attempt that never answers is
 * the dispatcher's to release, as with any aborted attempt.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { signAndPost, type CallbackAttempt, type SentAttempt } from './callback-sender.js';
import { createCallbackHttpClient } from './http-client.js';
import type { FromSender, SenderWorkerData, ToSender } from './sender-protocol.js';

interface Queued {
  readonly id: number;
  readonly attempt: CallbackAttempt;
  readonly abort: AbortController;
}

interface Lane {
  active: number;
  readonly queue: Queued[];
}

const port = parentPort!;
const { perHostConcurrency, ...httpOptions } = workerData as SenderWorkerData;
const http = createCallbackHttpClient(httpOptions);
const aborts = new Map<number, AbortController>();
const lanes = new Map<string, Lane>();
let answers: { id: number; sent: SentAttempt }[] = [];

function answer(id: number, sent: SentAttempt): void {
  if (answers.length === 0) setImmediate(flush);
  answers.push({ id, sent });
}

function flush(): void {
  const message: FromSender = { type: 'results', results: answers };
  answers = [];
  port.postMessage(message);
}

function admit(item: Queued): void {
  let lane = lanes.get(item.attempt.host);
  if (!lane) lanes.set(item.attempt.host, (lane = { active: 0, queue: [] }));
  if (lane.active < perHostConcurrency) start(item, lane);
  else lane.queue.push(item);
}

function start(item: Queued, lane: Lane): void {
  lane.active++;
  signAndPost(http, item.attempt, item.abort.signal)
    .then((sent) => answer(item.id, sent), () => {}) // aborted: the dispatcher has let it go already
    .finally(() => {
      aborts.delete(item.id);
      lane.active--;
      let next = lane.queue.shift();
      // An attempt aborted while it waited was let go by the dispatcher: never start it.
      while (next?.abort.signal.aborted) next = lane.queue.shift();
      if (next) start(next, lane);
      else if (lane.active === 0) lanes.delete(item.attempt.host);
    });
}

port.on('message', (message: ToSender) => {
  switch (message.type) {
    case 'send':
      for (const { id, attempt } of message.attempts) {
        const abort = new AbortController();
        aborts.set(id, abort);
        admit({ id, attempt, abort });
      }
      break;
    case 'abort':
      for (const id of message.ids) {
        aborts.get(id)?.abort();
        aborts.delete(id);
      }
      break;
    case 'close':
      for (const abort of aborts.values()) abort.abort();
      for (const lane of lanes.values()) lane.queue.length = 0;
      void http.close().finally(() => port.close());
      break;
  }
});
