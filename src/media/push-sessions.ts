/**
 * Push sessions: the one place that decides whether a push may start (for the embedded RTMP
 * ingest and every media-server adapter alike), keeps the live ones, and turns their start and
 * end into events 1 and 0 that share one `sequence`.
 *
 * A push moves admitted → started (event 1 emitted) → ended (event 0 emitted). An end that comes
 * before the start was announced (a very short push) announces the start first, so a receiver
 * never sees a push end without its push start.
 */
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { ConfigCache, DomainConfig } from '../bindings/config-cache.js';
import { streamKey } from '../bindings/config-cache.js';
import { pushEnded, pushStarted, randomDecimalId, type StreamContext } from '../events/builders.js';
import type { EventSink } from '../events/emit.js';
import { EndReason, type PushEnd } from './end-reasons.js';
import { verifyPushAuth } from './push-auth.js';
import { nameProblem } from './stream-names.js';

export type IngestSource = 'rtmp' | 'nginx-rtmp' | 'srs' | 'mediamtx';

export interface PublishRequest {
  readonly source: IngestSource;
  /** The host the pusher connected to (RTMP tcUrl host, SRS vhost, …). */
  readonly host: string;
  readonly app: string;
  readonly stream: string;
  /** The push URL's query string, unchanged: it becomes `stream_param`. */
  readonly rawQuery: string;
  readonly clientIp: string;
  /** Address of the ingest node that took the push. */
  readonly node: string;
  /** Ends the push at its source; absent when livehook cannot reach the media server's publisher. */
  readonly kick?: () => void;
}

export interface PushSession {
  readonly key: string;
  readonly source: IngestSource;
  readonly domain: DomainConfig;
  readonly app: string;
  readonly stream: string;
  readonly context: StreamContext;
  readonly clientIp: string;
  readonly node: string;
  readonly startedAt: number;
  width: number;
  height: number;
  state: 'admitted' | 'started' | 'ended';
  /** Why the push is being ended, when livehook itself ends it (drop, forbid, shutdown). */
  endReason: PushEnd | undefined;
  readonly kick: (() => void) | undefined;
}

export type Admission =
  | { readonly ok: true; readonly session: PushSession }
  | { readonly ok: false; readonly reason: string };

const bareIp = (address: string): string => address.replace(/^::ffff:/, '');

/** The push domain: the connected host, or the `domain=` query parameter when that host is an IP. */
export function pushDomainOf(host: string, query: URLSearchParams): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  const named = bare && !isIP(bare) && bare !== 'localhost' ? bare : query.get('domain') ?? '';
  return named ? named.toLowerCase() : undefined;
}

export class PushSessions {
  readonly #config: ConfigCache;
  readonly #events: EventSink;
  readonly #log: Logger;
  readonly #live = new Map<string, PushSession>();
  readonly #listeners = new Set<(change: 'started' | 'ended', session: PushSession) => void>();

  constructor(options: { config: ConfigCache; events: EventSink; log: Logger }) {
    this.#config = options.config;
    this.#events = options.events;
    this.#log = options.log;
  }

  /** Decides synchronously, from the config cache, whether the push may start; reserves it if so. */
  admit(request: PublishRequest): Admission {
    const query = new URLSearchParams(request.rawQuery);
    const refuse = (reason: string): Admission => {
      this.#log.info({ source: request.source, host: request.host, app: request.app, stream: request.stream, clientIp: request.clientIp, reason }, 'push refused');
      return { ok: false, reason };
    };
    const name = pushDomainOf(request.host, query);
    const problem = nameProblem({ domain: name, app: request.app, stream: request.stream });
    if (problem) return refuse(problem);
    if (!name) return refuse('no push domain: the host is an IP address and the URL has no domain= parameter');
    const domain = this.#config.domain(name);
    if (!domain || domain.type !== 0) return refuse(`${name} is not a registered push domain`);
    if (!domain.enabled) return refuse(`push domain ${name} is forbidden`);
    const until = this.#config.forbiddenUntil(name, request.app, request.stream);
    if (until !== undefined) return refuse(`stream is forbidden until ${new Date(until).toISOString()}`);
    const auth = verifyPushAuth(domain.pushAuth, request.stream, query, Math.floor(Date.now() / 1000));
    if (!auth.ok) return refuse(`push authentication failed: ${auth.reason}`);
    const key = streamKey(name, request.app, request.stream);
    if (this.#live.has(key)) return refuse('the stream is already being pushed');

    const session: PushSession = {
      key,
      source: request.source,
      domain,
      app: request.app,
      stream: request.stream,
      context: {
        appId: domain.appId,
        domain: name,
        appName: request.app,
        stream: request.stream,
        streamParam: request.rawQuery,
        sequence: randomDecimalId(),
      },
      clientIp: bareIp(request.clientIp),
      node: bareIp(request.node),
      startedAt: Date.now(),
      width: 0,
      height: 0,
      state: 'admitted',
      endReason: undefined,
      kick: request.kick,
    };
    this.#live.set(key, session);
    this.#log.info({ source: request.source, domain: name, app: request.app, stream: request.stream, sequence: session.context.sequence }, 'push accepted');
    return { ok: true, session };
  }

  /**
   * Follow pushes as they start and end (screenshots and recording attach here). Listeners must
   * not throw: errors are logged and the push goes on.
   */
  onLifecycle(listener: (change: 'started' | 'ended', session: PushSession) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(change: 'started' | 'ended', session: PushSession): void {
    for (const listener of this.#listeners) {
      try {
        listener(change, session);
      } catch (rawError) {
        this.#log.error({ err: rawError, change, stream: session.stream }, 'push lifecycle listener failed');
      }
    }
  }

  /** Announce the push (event 1). Idempotent. Resolves once the event is stored. */
  started(session: PushSession, video?: { width: number; height: number }): Promise<void> {
    if (session.state !== 'admitted') return Promise.resolve();
    if (video) {
      session.width = video.width;
      session.height = video.height;
    }
    session.state = 'started';
    this.#log.info({ domain: session.context.domain, app: session.app, stream: session.stream, width: session.width, height: session.height }, 'push started');
    const stored = this.#emit(pushStarted(session.context, this.#pushInfo(session, session.startedAt)));
    this.#notify('started', session);
    return stored;
  }

  /**
   * The push is over (event 0). Idempotent; announces the start first if it never was.
   * Resolves once the event is stored.
   */
  ended(session: PushSession, reason: PushEnd): Promise<void> {
    if (session.state === 'ended') return Promise.resolve();
    void this.started(session);
    session.state = 'ended';
    if (this.#live.get(session.key) === session) this.#live.delete(session.key);
    const end = session.endReason ?? reason;
    const now = Date.now();
    this.#log.info({ domain: session.context.domain, app: session.app, stream: session.stream, errcode: end.errcode, errmsg: end.errmsg }, 'push ended');
    this.#notify('ended', session);
    return this.#emit(pushEnded(session.context, { ...this.#pushInfo(session, now), durationMs: now - session.startedAt, ...end }));
  }

  /**
   * Drops an admitted push that never started, with no event (e.g. a MediaMTX publisher that was
   * authorised but never became ready). Returns false, and does nothing, once it has started.
   */
  forget(session: PushSession): boolean {
    if (session.state !== 'admitted') return false;
    session.state = 'ended';
    if (this.#live.get(session.key) === session) this.#live.delete(session.key);
    this.#log.info({ source: session.source, domain: session.context.domain, app: session.app, stream: session.stream }, 'admitted push forgotten: it never started');
    return true;
  }

  /** Ends a live push on livehook's initiative; returns false when it is not live. */
  end(domain: string, app: string, stream: string, reason: PushEnd): boolean {
    const session = this.#live.get(streamKey(domain.toLowerCase(), app, stream));
    if (!session) return false;
    this.#endSession(session, reason);
    return true;
  }

  find(domain: string, app: string, stream: string): PushSession | undefined {
    return this.#live.get(streamKey(domain.toLowerCase(), app, stream));
  }

  list(appId: number): PushSession[] {
    return [...this.#live.values()].filter((s) => s.domain.appId === appId);
  }

  get size(): number {
    return this.#live.size;
  }

  /** After a config change: end pushes whose domain or stream is no longer allowed. */
  revalidate(): void {
    for (const session of this.#live.values()) {
      const domain = this.#config.domain(session.context.domain);
      if (!domain || domain.type !== 0 || domain.appId !== session.domain.appId) this.#endSession(session, EndReason.domainRemoved);
      else if (!domain.enabled) this.#endSession(session, EndReason.domainForbidden);
      else if (this.#config.forbiddenUntil(session.context.domain, session.app, session.stream) !== undefined) {
        this.#endSession(session, EndReason.forbidden);
      }
    }
  }

  /** Shutdown: end every live push. */
  endAll(reason: PushEnd): void {
    for (const session of [...this.#live.values()]) this.#endSession(session, reason);
  }

  #endSession(session: PushSession, reason: PushEnd): void {
    session.endReason ??= reason;
    if (session.kick) session.kick();
    // Without a way to kick (adapters), or if the kick does not close synchronously, the
    // session ends here; the source's own close notification is then a no-op.
    void this.ended(session, reason);
  }

  #pushInfo(session: PushSession, at: number) {
    return { node: session.node, userIp: session.clientIp, width: session.width, height: session.height, at };
  }

  #emit(event: Parameters<EventSink['emit']>[0]): Promise<void> {
    return this.#events.emit(event).then(
      () => undefined,
      (rawError: unknown) => {
        this.#log.error({ err: rawError, eventType: event.payload.event_type, stream: event.context.stream }, 'could not store a push event');
      },
    );
  }
}
