/**
 * Callback attempts signed and posted on a thread of their own, so that HTTP to receivers (request
 * writing, response parsing, TLS) and signing use the second core while the event loop keeps the
 * outbox, the hooks and the API. The dispatcher still decides what is sent (claims, order, leases,
 * recording): the thread only turns an attempt into a result, so durability and ordering are
 * exactly as without it. The one thing the thread keeps is the per-host cap: a receiver's slot is
 * busy while its request is out, not while the request or its answer waits to cross between
 * threads (counted in the dispatcher, a slot was held ~10 ms per attempt for ~5 ms of HTTP).
 *
 * Attempts go over in batches (one message per turn of the event loop) and results come back the
 * same way. Should the thread die, the attempts it held are rejected (the dispatcher releases
 * their rows, to be claimed again: a possible duplicate with the same webhook-id, never a loss),
 * the cause is logged, and the next attempt starts a new thread. The first thread starts with the
 * sender, so that no callback waits for it to load.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startWorker } from '../worker-thread.js';
import type { CallbackAttempt, CallbackSender, SentAttempt } from './callback-sender.js';
import type { FromSender, SenderWorkerData, ToSender } from './sender-protocol.js';

interface Waiting {
  readonly resolve: (sent: SentAttempt) => void;
  readonly reject: (error: Error) => void;
}

export class SenderThreadStoppedError extends Error {
  override name = 'SenderThreadStoppedError';
}

export function startSenderThread(
  /** The thread's HTTP client options and the per-host cap it keeps. */
  options: SenderWorkerData,
  log: Logger,
  /** How the thread is started (tests keep a handle on it). */
  start: typeof startWorker = startWorker,
): CallbackSender {
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<number, Waiting>();
  let outgoing: { id: number; attempt: CallbackAttempt }[] = [];
  let closing = false;
  /** The attempts each signal would abort: one listener per signal, however many attempts share it. */
  const bySignal = new WeakMap<AbortSignal, Set<number>>();

  function abortable(signal: AbortSignal): Set<number> {
    let ids = bySignal.get(signal);
    if (ids) return ids;
    const created = new Set<number>();
    signal.addEventListener(
      'abort',
      () => {
        const aborted = [...created].filter((id) => waiting.has(id));
        for (const id of aborted) {
          const w = waiting.get(id)!;
          waiting.delete(id);
          w.reject(signal.reason);
        }
        if (aborted.length > 0 && worker) post({ type: 'abort', ids: aborted });
        if (waiting.size === 0) worker?.unref();
      },
      { once: true },
    );
    bySignal.set(signal, created);
    return created;
  }

  const post = (message: ToSender) => thread().postMessage(message);
  const flush = () => {
    const attempts = outgoing;
    outgoing = [];
    // Alive while attempts are out (as sockets would keep it), not while idle.
    thread().ref();
    post({ type: 'send', attempts });
  };

  function thread(): Worker {
    if (worker) return worker;
    const started = start(import.meta.url, 'sender-worker', { workerData: options });
    started.on('message', (message: FromSender) => {
      for (const { id, sent } of message.results) {
        const w = waiting.get(id);
        waiting.delete(id);
        w?.resolve(sent);
      }
      if (waiting.size === 0) started.unref();
    });
    started.on('error', (error) => log.error({ err: error }, 'callback sender thread failed; its attempts are released and sent again'));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      if (!closing) log.error({ code, attempts: waiting.size }, 'callback sender thread exited; a new one starts with the next attempt');
      const stopped = new SenderThreadStoppedError(`the callback sender thread exited (code ${code})`);
      for (const w of waiting.values()) w.reject(stopped);
      waiting.clear();
    });
    worker = started;
    return started;
  }

  // Started now, not at the first attempt: loading the thread's modules takes a few hundred
  // milliseconds that the first callbacks would otherwise wait. Idle, it keeps nothing alive.
  thread().unref();
  return {
    perHostConcurrency: options.perHostConcurrency,
    send(attempt, signal) {
      if (closing) return Promise.reject(new SenderThreadStoppedError('the callback sender is closed'));
      if (signal?.aborted) return Promise.reject(signal.reason);
      const id = nextId++;
      if (signal) abortable(signal).add(id);
      return new Promise<SentAttempt>((resolve, reject) => {
        waiting.set(id, {
          resolve: (sent) => (signal && bySignal.get(signal)?.delete(id), resolve(sent)),
          reject: (error) => (signal && bySignal.get(signal)?.delete(id), reject(error)),
        });
        if (outgoing.length === 0) setImmediate(flush);
        outgoing.push({ id, attempt });
      });
    },
    async close() {
      closing = true;
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
      worker.ref(); // until its connections are closed
      post({ type: 'close' });
      await exited;
    },
  };
}
