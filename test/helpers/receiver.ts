/**
 * A callback receiver for tests: a real node:http server on 127.0.0.1 that records every request
 * and answers as programmed.
 *
 * - Every request is recorded (method, path, headers, raw body, parsed JSON, arrival time and a
 *   process-wide arrival number, so that requests to different receivers can be ordered).
 * - The answer comes from a responder: a fixed status, a status per path, or a function of the
 *   request (and of how many requests that path has seen). A responder may also return
 *   `HANG` ("black hole": accept, read the body, never answer) or delay its answer.
 * - `waitFor(n)` resolves once n requests (optionally matching a filter) have arrived.
 * - `close()` destroys every socket, including hanging ones, so tests always exit.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ReceivedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Path with the query string, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON, or undefined if it was not JSON. */
  readonly json: unknown;
  /** Date.now() when the whole body had arrived. */
  readonly at: number;
  /** performance.now() at the same moment (monotonic, sub-millisecond). */
  readonly hrAt: number;
  /** Process-wide arrival number: orders requests across all receivers. */
  readonly order: number;
  /** 1-based count of requests to this path on this receiver, this one included. */
  readonly nthOnPath: number;
}

/** Never answer (the request is recorded; the socket stays open until close()). */
export const HANG = Symbol('hang');

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type ReplySpec = Reply | number | typeof HANG;
export type Responder = (req: ReceivedRequest) => ReplySpec | Promise<ReplySpec>;

let arrivals = 0;

/** Header values as plain strings (what standardwebhooks' verify() expects). */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #pathCounts = new Map<string, number>();
  readonly #waiters = new Set<(req: ReceivedRequest) => void>();
  #responder: Responder = () => 200;
  #blackHole = false;
  #closed = false;

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req, res) => this.#handle(req, res));
  }

  /** Starts a receiver on 127.0.0.1 (port 0 = any free port). */
  static async start(options: { port?: number; respond?: Responder | ReplySpec } = {}): Promise<Receiver> {
    const receiver = new Receiver(createServer());
    if (options.respond !== undefined) receiver.respond(options.respond);
    await new Promise<void>((resolve, reject) => {
      receiver.#server.once('error', reject);
      receiver.#server.listen(options.port ?? 0, '127.0.0.1', () => {
        receiver.#server.off('error', reject);
        resolve();
      });
    });
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** http://127.0.0.1:<port> */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Full URL of a path on this receiver. */
  url(path = '/'): string {
    return this.origin + (path.startsWith('/') ? path : `/${path}`);
  }

  /** Sets how requests are answered: a status, a reply, HANG, or a function of the request. */
  respond(spec: Responder | ReplySpec): this {
    this.#responder = typeof spec === 'function' ? spec : () => spec;
    return this;
  }

  /** Answers by path (exact path, no query); `fallback` for any other path. */
  respondByPath(byPath: Record<string, ReplySpec>, fallback: ReplySpec = 404): this {
    return this.respond((req) => byPath[req.path] ?? fallback);
  }

  /** Black-hole mode: accept every request and never answer it (until turned off or closed). */
  blackHole(on = true): this {
    this.#blackHole = on;
    return this;
  }

  /** Requests matching a filter (all when none), in arrival order. */
  received(filter?: (req: ReceivedRequest) => boolean): ReceivedRequest[] {
    return filter ? this.requests.filter(filter) : [...this.requests];
  }

  /** Requests to one path. */
  onPath(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Forgets what was received (path counts too). */
  clear(): void {
    this.requests.length = 0;
    this.#pathCounts.clear();
  }

  /** Resolves with the matching requests once at least `n` of them have arrived. */
  async waitFor(
    n: number,
    options: { filter?: (req: ReceivedRequest) => boolean; timeoutMs?: number; path?: string } = {},
  ): Promise<ReceivedRequest[]> {
    const { timeoutMs = 10_000, path } = options;
    const filter = (req: ReceivedRequest): boolean =>
      (path === undefined || req.path === path) && (options.filter === undefined || options.filter(req));
    const matching = (): ReceivedRequest[] => this.requests.filter(filter);
    let count = matching().length;
    if (count >= n) return matching();
    return new Promise<ReceivedRequest[]>((resolve, reject) => {
      // Counted as requests arrive, so that waiting on thousands of requests stays cheap.
      const check = (req: ReceivedRequest): void => {
        if (!filter(req) || ++count < n) return;
        cleanup();
        resolve(matching());
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`receiver ${this.origin}: waited ${timeoutMs} ms for ${n} request(s)${path ? ` on ${path}` : ''}, got ${matching().length}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** Stops listening and destroys every socket, hanging ones included. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
      const url = req.url ?? '/';
      const path = url.split('?', 1)[0] ?? '/';
      const nthOnPath = (this.#pathCounts.get(path) ?? 0) + 1;
      this.#pathCounts.set(path, nthOnPath);
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path,
        url,
        headers: req.headers,
        rawBody,
        json,
        at: Date.now(),
        hrAt: performance.now(),
        order: ++arrivals,
        nthOnPath,
      };
      this.requests.push(received);
      for (const waiter of [...this.#waiters]) waiter(received);
      if (this.#blackHole) return;
      void this.#answer(received, res);
    });
  }

  async #answer(req: ReceivedRequest, res: ServerResponse): Promise<void> {
    let spec: ReplySpec;
    try {
      spec = await this.#responder(req);
    } catch (rawError) {
      spec = { status: 599, body: `responder threw: ${String(rawError)}` };
    }
    if (spec === HANG) return;
    const reply: Reply = typeof spec === 'number' ? { status: spec } : spec;
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed || this.#closed) return;
    const status = reply.status ?? 200;
    const body = reply.body ?? (status >= 200 && status < 300 && status !== 204 ? '{"code":0}' : '');
    res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
    res.end(status === 204 || status === 304 ? undefined : body);
  }
}
