/**
 * One POST through undici's handler interface (`dispatch`), keeping only what an attempt records:
 * the status, `Retry-After`, and the first RESPONSE_EXCERPT_BYTES of the body. `Agent.request()`
 * wraps every response in a Readable stream read through an async iterator, which cost about a
 * quarter of a request's client CPU (docs/delivery.md, "What a response costs").
 *
 * Settles once: with the exchange when the body ends or the excerpt is full (the rest is never
 * read: the request is aborted, which closes its connection), or with an error (the server's,
 * the connector's, or the reason given to `abort`, which rejects at once even while the request
 * still waits for a connection).
 */
import type { Agent, Dispatcher } from 'undici';

export interface Exchange {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly excerpt: string;
}

/** Passed to undici to stop reading a body whose excerpt is complete; never seen by callers. */
class ExcerptComplete extends Error {}

export class PostExchange {
  readonly #excerptBytes: number;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #settled = false;
  #resolve: (exchange: Exchange) => void = () => {};
  #reject: (error: Error) => void = () => {};

  constructor(excerptBytes: number) {
    this.#excerptBytes = excerptBytes;
  }

  send(agent: Agent, options: Dispatcher.DispatchOptions): Promise<Exchange> {
    const done = new Promise<Exchange>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const self = this;
    let status = 0;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => self.#settle(() => self.#resolve({ status, retryAfter, excerpt: Buffer.concat(chunks, size).subarray(0, self.#excerptBytes).toString('utf8') }));
    agent.dispatch(options, {
      onRequestStart(controller) {
        self.#controller = controller;
        if (self.#abortReason) controller.abort(self.#abortReason);
      },
      onResponseStart(_controller, statusCode, headers) {
        status = statusCode;
        const value = headers['retry-after'];
        retryAfter = Array.isArray(value) ? value[0] : value;
      },
      onResponseData(controller, chunk) {
        if (self.#settled) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= self.#excerptBytes) {
          finish();
          controller.abort(new ExcerptComplete());
        }
      },
      onResponseEnd: () => finish(),
      onResponseError: (_controller, error) => self.#settle(() => self.#reject(error)),
    });
    return done;
  }

  /** Stops the request (a deadline, shutdown): the exchange rejects with `reason` unless it already settled. */
  abort(reason: Error): void {
    if (this.#settled) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    this.#settle(() => this.#reject(reason));
  }

  #settle(then: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    then();
  }
}
