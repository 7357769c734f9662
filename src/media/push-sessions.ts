/**
 * Push sessions: the one place that decides whether a push may start (for the embedded RTMP
 * ingest and every media-server adapter alike), keeps the live ones, and turns their start and
 * end into events 1 and 0 that share one `sequence`.
 *
 * A push moves admitted → started (event 1 emitted) → ended (event 0 emitted). An end that comes
 * before the start was announced (a very short push) announces the start first, so a receiver
 * never sees a push end without its push start.
 *
 * Every session is a row of `push_sessions` (store/push-sessions.ts), shared by all instances:
 * admission inserts it (the database refuses a second live push of a stream, whichever instance
 * holds the first), and each state change is written in the same transaction as its event
 * (EventSink's `alsoInTransaction`), so there is no event without its row change and no row change
 * without its event. A session is held in memory by the instance that admitted it (its publisher,
 * its screenshots); any instance can end it through the store (`end`), and the holder is then told
 * to close the publisher (store/push-commands.ts). Reconnects and recovery: docs/live-state.md.
 */
import type { Logger } from 'pino';
import type { ConfigCache, DomainConfig } from '../bindings/config-cache.js';
import { streamKey } from '../bindings/config-cache.js';
import { pushEnded, pushExceptionReport, pushStarted, randomDecimalId, type LiveEvent, type StreamContext } from '../events/builders.js';
import { transactionHook, type HookStatement } from '../delivery/outbox.js';
import type { EmitOptions, EventSink } from '../events/emit.js';
import type { Db, Store } from '../store/database.js';
import { notifyPushesEnded } from '../store/push-commands.js';
import {
  deleteAdmittedPushSession,
  endedPushSessionIds,
  findLivePushSession,
  insertAdmittedIsOneStatement,
  insertAdmittedPushSessions,
  markPushSessionsEnded,
  markPushSessionsStarted,
  latestStartedPushSession,
  livePushSessionsOf,
  touchLivePushSessions,
  type NewPushSession,
  type PushEndRow,
  type PushSessionRow,
} from '../store/push-sessions.js';
import { GroupCommit } from '../store/group-commit.js';
import { transact } from '../store/transact.js';
import { EndReason, type PushEnd } from './end-reasons.js';
import type { AnomalyReport } from './push-anomalies.js';
import { verifyPushAuth } from './push-auth.js';
import type { RemoteAuthConfig, RemoteAuthDecision, RemoteAuthRequest } from './remote-push-auth.js';
import { nameProblem, pushDomainOf } from './stream-names.js';

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
  /** How long the publisher has sent no media (embedded ingest, asked of its worker): only a quiet connection can be taken over by a reconnect. */
  readonly idleMs?: () => Promise<number>;
}

export interface PushSession {
  /** Its `push_sessions` row. */
  readonly id: number;
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
  /** Codec names as measured from the media (embedded ingest), '' when unknown. */
  videoCodec: string;
  audioCodec: string;
  state: 'admitted' | 'started' | 'ended';
  /** Why the push is being ended, when livehook itself ends it (drop, forbid, shutdown). */
  endReason: PushEnd | undefined;
  readonly kick: (() => void) | undefined;
  readonly idleMs: (() => Promise<number>) | undefined;
}

export type AskRemoteAuth = (config: RemoteAuthConfig, request: RemoteAuthRequest) => Promise<RemoteAuthDecision>;

/** What events of a push after its start need (a recording's event 100). */
export type RecordedPush = Pick<PushSession, 'context' | 'startedAt'>;

export type Admission =
  | { readonly ok: true; readonly session: PushSession }
  | { readonly ok: false; readonly reason: string };

const bareIp = (address: string): string => address.replace(/^::ffff:/, '');

const contextOf = (row: PushSessionRow): StreamContext => ({
  appId: row.app_id,
  domain: row.domain_name,
  appName: row.app_name,
  stream: row.stream_name,
  streamParam: row.stream_param,
  sequence: row.sequence,
});

/** A row of this instance without a session here is left alone this long after its admission (it may be one being admitted). */
const STRAY_GRACE_MS = 10_000;

/** A live connection that has sent no media for this long may be taken over by its publisher's reconnect. */
export const TAKEOVER_IDLE_MS = 1_000;

/**
 * A reconnect of the same publisher (docs/live-state.md): on the embedded ingest (whose old
 * connection livehook can close), from the same client address with the very same push URL query
 * (for a domain with push auth, the same txSecret and txTime), while the old connection has gone
 * quiet. A connection that still sends media is never cut: the newcomer is refused.
 */
const isReconnectOf = async (live: PushSession, request: PublishRequest): Promise<boolean> =>
  request.source === 'rtmp' &&
  live.source === 'rtmp' &&
  live.clientIp === bareIp(request.clientIp) &&
  live.context.streamParam === request.rawQuery &&
  ((await live.idleMs?.()) ?? 0) >= TAKEOVER_IDLE_MS;

export class PushSessions {
  readonly #config: ConfigCache;
  readonly #events: EventSink;
  readonly #store: Store;
  /** Admissions arriving together share one statement and one commit. */
  readonly #admissions: GroupCommit<NewPushSession, number | undefined>;
  /** Ends written for sessions held elsewhere (or by no one), each holder told in the same transaction. */
  readonly #endElsewhere: HookStatement<{ end: PushEndRow; tellHolder: boolean }>;
  readonly #log: Logger;
  readonly #onStorageError: (error: unknown, operation: string) => void;
  readonly #askRemoteAuth: AskRemoteAuth | undefined;
  /** This process's id in `instances` (owner of the sessions it admits). */
  readonly instanceId: string;
  readonly #live = new Map<string, PushSession>();
  /** Sessions whose end is being written (no longer live here, still live in the store). */
  readonly #ending = new Set<number>();
  /** Rows of forgotten admissions still being deleted, by stream: a new admission of the stream waits for it. */
  readonly #forgetting = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<(change: 'started' | 'ended', session: PushSession) => void>();

  constructor(options: {
    config: ConfigCache;
    events: EventSink;
    store: Store;
    instanceId: string;
    log: Logger;
    /** A session row could not be written (the publish is refused): health, metrics. */
    onStorageError?: (error: unknown, operation: string) => void;
    /** Asks a domain's remote push authentication server (docs/remote-push-auth.md). */
    askRemoteAuth?: AskRemoteAuth;
  }) {
    this.#config = options.config;
    this.#events = options.events;
    this.#store = options.store;
    this.#admissions = new GroupCommit(options.store.db, insertAdmittedPushSessions, { oneStatement: insertAdmittedIsOneStatement });
    const backend = options.store.backend;
    this.#endElsewhere = async (trx, inputs) => {
      const ended = await markPushSessionsEnded(trx, inputs.map((i) => i.end));
      await notifyPushesEnded(trx, backend, inputs.flatMap(({ end, tellHolder }, k) => (ended[k] && tellHolder ? [end.id] : [])));
      return ended;
    };
    this.instanceId = options.instanceId;
    this.#log = options.log;
    this.#onStorageError = options.onStorageError ?? (() => {});
    this.#askRemoteAuth = options.askRemoteAuth;
  }

  /**
   * Decides whether the push may start: from the config cache, then by inserting its row (the
   * store refuses a second live push of the stream). A reconnect of the same publisher takes over.
   */
  async admit(request: PublishRequest): Promise<Admission> {
    const query = new URLSearchParams(request.rawQuery);
    const about = { source: request.source, host: request.host, app: request.app, stream: request.stream, clientIp: request.clientIp };
    const refuse = (reason: string): Admission => {
      this.#log.info({ ...about, reason }, 'push refused');
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
    const local = this.#live.get(key);
    if (local && !(await isReconnectOf(local, request))) return refuse('the stream is already being pushed');
    if (domain.remoteAuth.enabled && this.#askRemoteAuth) {
      const asked = { domain: name, app: request.app, stream: request.stream, clientIp: bareIp(request.clientIp), rawQuery: request.rawQuery };
      const decision = await this.#askRemoteAuth(domain.remoteAuth, asked);
      this.#log.info({ ...about, result: decision.result, detail: decision.detail, tries: decision.tries }, 'remote push authentication');
      if (!decision.ok) {
        return refuse(decision.result === 'denied' ? 'remote push authentication denied the push' : `remote push authentication failed (${decision.detail}) and the domain refuses then`);
      }
    }

    const now = Date.now();
    const context: StreamContext = {
      appId: domain.appId,
      domain: name,
      appName: request.app,
      stream: request.stream,
      streamParam: request.rawQuery,
      sequence: randomDecimalId(),
    };
    const clientIp = bareIp(request.clientIp);
    const node = bareIp(request.node);
    const insert = () =>
      this.#admissions.run({
        app_id: domain.appId,
        domain_name: name,
        app_name: request.app,
        stream_name: request.stream,
        sequence: context.sequence,
        source: request.source,
        instance_id: this.instanceId,
        client_ip: clientIp,
        node,
        stream_param: request.rawQuery,
        admitted_at: now,
        last_seen_at: now,
      });
    let id: number | undefined;
    try {
      if (local) await this.#takeOver(local);
      await this.#forgetting.get(key);
      id = await insert();
    } catch (rawError) {
      return this.#storeRefused(rawError, about);
    }
    // Another connection holds the stream, perhaps on another instance.
    if (id === undefined) return refuse('the stream is already being pushed');

    const session: PushSession = {
      id,
      key,
      source: request.source,
      domain,
      app: request.app,
      stream: request.stream,
      context,
      clientIp,
      node,
      startedAt: now,
      width: 0,
      height: 0,
      state: 'admitted',
      videoCodec: '',
      audioCodec: '',
      endReason: undefined,
      kick: request.kick,
      idleMs: request.idleMs,
    };
    this.#live.set(key, session);
    this.#log.info({ source: request.source, domain: name, app: request.app, stream: request.stream, sequence: context.sequence }, 'push accepted');
    return { ok: true, session };
  }

  /** Fail closed: a push whose row cannot be written never starts. */
  #storeRefused(rawError: unknown, about: Record<string, unknown>): Admission {
    this.#log.error({ ...about, err: rawError }, 'push refused: the store could not record it');
    this.#onStorageError(rawError, 'admit push');
    return { ok: false, reason: `the store could not record the push: ${(rawError as Error).message ?? String(rawError)}` };
  }

  /** Ends a quiet connection for a reconnect of its publisher: its event 0 is stored before the new push is admitted. */
  async #takeOver(old: PushSession): Promise<void> {
    this.#log.info({ sessionId: old.id, domain: old.context.domain, app: old.app, stream: old.stream, clientIp: old.clientIp }, 'the same publisher reconnected: its previous, quiet connection is replaced');
    await this.#endSession(old, EndReason.replaced);
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

  /** Announce the push (event 1, with the row's start). Idempotent. Resolves once both are stored. */
  started(session: PushSession, video?: { width: number; height: number }): Promise<void> {
    if (session.state !== 'admitted') return Promise.resolve();
    if (video) {
      session.width = video.width;
      session.height = video.height;
    }
    session.state = 'started';
    this.#log.info({ domain: session.context.domain, app: session.app, stream: session.stream, width: session.width, height: session.height }, 'push started');
    const start = { startedAt: session.startedAt, width: session.width, height: session.height };
    const stored = this.#emit(pushStarted(session.context, this.#pushInfo(session, session.startedAt)), transactionHook(markPushSessionsStarted, session.id, { id: session.id, ...start }))
      .then((written) => {
      // The row had already ended elsewhere (a takeover, recovery): this connection is not the push any more.
      if (!written) this.endedElsewhere(session.id);
    });
    this.#notify('started', session);
    return stored;
  }

  /**
   * The push is over (event 0, with the row's end). Idempotent; announces the start first if it
   * never was. Resolves once both are stored.
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
    const row = { id: session.id, endedAt: now, ...end, width: session.width, height: session.height, videoCodec: session.videoCodec, audioCodec: session.audioCodec };
    this.#ending.add(session.id);
    return this.#emit(pushEnded(session.context, { ...this.#pushInfo(session, now), durationMs: now - session.startedAt, ...end }), transactionHook(markPushSessionsEnded, session.id, row))
      .then(() => void this.#ending.delete(session.id));
  }

  /** A live push's problems in one report interval: event 321 (docs/tencent-compat.md). */
  pushException(session: PushSession, report: AnomalyReport): void {
    if (session.state !== 'started') return;
    const event = pushExceptionReport(session.context, { at: report.data_time, userIp: session.clientIp, abnormal: report.abnormal_event });
    this.#events.emit(event).catch((rawError: unknown) => this.#log.error({ err: rawError, stream: session.stream }, 'could not store a push error event (321)'));
  }

  /**
   * Drops an admitted push that never started, with no event (e.g. a MediaMTX publisher that was
   * authorised but never became ready), and its row. Returns false, and does nothing, once it has started.
   */
  forget(session: PushSession): boolean {
    if (session.state !== 'admitted') return false;
    session.state = 'ended';
    if (this.#live.get(session.key) === session) this.#live.delete(session.key);
    this.#log.info({ source: session.source, domain: session.context.domain, app: session.app, stream: session.stream }, 'admitted push forgotten: it never started');
    const deleted = deleteAdmittedPushSession(this.#store.db, session.id).catch((rawError: unknown) =>
      this.#log.error({ err: rawError, sessionId: session.id }, 'could not remove the row of a forgotten push; the heartbeat will'),
    );
    this.#forgetting.set(session.key, deleted);
    void deleted.finally(() => {
      if (this.#forgetting.get(session.key) === deleted) this.#forgetting.delete(session.key);
    });
    return true;
  }

  /**
   * Ends a live push on livehook's initiative, wherever it is held (this instance closes its own
   * publisher; another instance's is told to). `source` limits it to pushes of that ingest.
   * Resolves false when the stream has no live push.
   */
  async end(domain: string, app: string, stream: string, reason: PushEnd): Promise<boolean> {
    const name = domain.toLowerCase();
    const local = this.#live.get(streamKey(name, app, stream));
    if (local) {
      await this.#endSession(local, reason);
      return true;
    }
    const row = await this.#liveRow(name, app, stream);
    return row ? this.#endRow(row, reason, Date.now(), true) : false;
  }

  /**
   * A media server reports the end of a push whose publish hook reached another instance: ends
   * the stream's live session of that source held elsewhere, if its client address matches
   * (when the hook gives one). Sessions held here are left alone: their own connection would
   * have found them.
   */
  async endHeldElsewhere(source: IngestSource, domain: string, app: string, stream: string, clientIp: string): Promise<boolean> {
    const row = await this.#liveRow(domain.toLowerCase(), app, stream);
    if (!row || row.instance_id === this.instanceId || row.source !== source) return false;
    if (clientIp && row.client_ip !== bareIp(clientIp)) return false;
    return this.#endRow(row, EndReason.sourceEnded, Date.now(), true);
  }

  /**
   * A push of that source and client, held by another instance, live or ended within
   * `endedWithinMs`: what a recording hook that reached this instance belongs to.
   */
  async recentElsewhere(
    source: IngestSource,
    domain: string,
    app: string,
    stream: string,
    clientIp: string,
    endedWithinMs: number,
  ): Promise<RecordedPush | undefined> {
    const name = domain.toLowerCase();
    const appId = this.#config.domain(name)?.appId;
    if (appId === undefined) return undefined;
    const row = await latestStartedPushSession(this.#store.db, appId, { domain: name, app, stream }, Date.now() - endedWithinMs);
    if (!row || row.instance_id === this.instanceId || row.source !== source) return undefined;
    if (clientIp && row.client_ip !== bareIp(clientIp)) return undefined;
    return { context: contextOf(row), startedAt: row.started_at ?? row.admitted_at };
  }

  async #liveRow(domain: string, app: string, stream: string): Promise<PushSessionRow | undefined> {
    const appId = this.#config.domain(domain)?.appId;
    return appId === undefined ? undefined : findLivePushSession(this.#store.db, appId, domain, app, stream);
  }

  /**
   * Ends a session from its row, for an instance that is not (or no longer) holding it: event 0
   * at `at` (recovery: the last time its holder saw it alive). An admitted row that never started
   * is removed without events. Exactly one caller wins (the row update is conditional); false for
   * the others.
   */
  async #endRow(row: PushSessionRow, reason: PushEnd, at: number, tellHolder: boolean): Promise<boolean> {
    const local = this.#byId(row.id);
    if (local) {
      await this.#endSession(local, reason);
      return true;
    }
    if (row.state === 'admitted') {
      const removed = await transact(this.#store.db, async (trx) => {
        const deleted = await deleteAdmittedPushSession(trx, row.id);
        if (deleted && tellHolder) await notifyPushesEnded(trx, this.#store.backend, [row.id]);
        return deleted;
      });
      if (removed) this.#log.info({ sessionId: row.id, domain: row.domain_name, app: row.app_name, stream: row.stream_name, instance: row.instance_id }, 'admitted push of another instance removed: it never started');
      return removed;
    }
    const context = contextOf(row);
    const startedAt = row.started_at ?? row.admitted_at;
    const info = { node: row.node, userIp: row.client_ip, width: row.width, height: row.height, at };
    const end = { id: row.id, endedAt: at, ...reason, width: row.width, height: row.height };
    const emitted = await this.#emit(pushEnded(context, { ...info, durationMs: at - startedAt, ...reason }), transactionHook(this.#endElsewhere, row.id, { end, tellHolder }));
    if (emitted) this.#log.info({ sessionId: row.id, domain: row.domain_name, app: row.app_name, stream: row.stream_name, instance: row.instance_id, errcode: reason.errcode }, 'push of another instance ended');
    return emitted;
  }

  /** Recovery: ends a session whose holder died, with push_duration up to its last-seen time. */
  recover(row: PushSessionRow): Promise<boolean> {
    return this.#endRow(row, EndReason.instanceLost, Math.max(row.last_seen_at, row.started_at ?? 0), false);
  }

  /** Another instance ended this session in the store: close its publisher here, with no event. */
  endedElsewhere(sessionId: number): void {
    const session = this.#byId(sessionId);
    if (!session || session.state === 'ended') return;
    session.state = 'ended';
    this.#live.delete(session.key);
    this.#log.info({ sessionId, domain: session.context.domain, app: session.app, stream: session.stream }, 'push ended elsewhere: its publisher is closed here');
    this.#notify('ended', session);
    session.kick?.();
  }

  /**
   * The holder's heartbeat: its live sessions were seen now; sessions ended elsewhere whose
   * notification was missed are closed here.
   */
  async heartbeat(now: number): Promise<void> {
    await touchLivePushSessions(this.#store.db, this.instanceId, now);
    const ids = [...this.#live.values()].map((s) => s.id);
    for (const id of await endedPushSessionIds(this.#store.db, ids)) this.endedElsewhere(id);
    // Rows of this instance that no session here holds (a forgotten admission whose row could not
    // be deleted, an end that could not be stored) would block their stream: ended as recovery
    // does, unless events are still waiting for the store (one of them may be that end).
    if (this.#events.unstored > 0) return;
    const held = new Set([...ids, ...this.#ending]);
    for (const row of await livePushSessionsOf(this.#store.db, this.instanceId)) {
      if (!held.has(row.id) && row.admitted_at < now - STRAY_GRACE_MS) await this.recover(row);
    }
  }

  find(domain: string, app: string, stream: string): PushSession | undefined {
    return this.#live.get(streamKey(domain.toLowerCase(), app, stream));
  }

  #byId(id: number): PushSession | undefined {
    for (const session of this.#live.values()) if (session.id === id) return session;
    return undefined;
  }

  /** Pushes held by this instance. */
  get size(): number {
    return this.#live.size;
  }

  /** After a config change: end pushes whose domain or stream is no longer allowed. */
  revalidate(): void {
    for (const session of this.#live.values()) {
      const domain = this.#config.domain(session.context.domain);
      if (!domain || domain.type !== 0 || domain.appId !== session.domain.appId) void this.#endSession(session, EndReason.domainRemoved);
      else if (!domain.enabled) void this.#endSession(session, EndReason.domainForbidden);
      else if (this.#config.forbiddenUntil(session.context.domain, session.app, session.stream) !== undefined) {
        void this.#endSession(session, EndReason.forbidden);
      }
    }
  }

  /** Shutdown: end every live push held here. */
  endAll(reason: PushEnd): void {
    for (const session of [...this.#live.values()]) void this.#endSession(session, reason);
  }

  #endSession(session: PushSession, reason: PushEnd): Promise<void> {
    session.endReason ??= reason;
    if (session.kick) session.kick();
    // Without a way to kick (adapters), or if the kick does not close synchronously, the
    // session ends here; the source's own close notification is then a no-op.
    return this.ended(session, reason);
  }

  #pushInfo(session: PushSession, at: number) {
    return { node: session.node, userIp: session.clientIp, width: session.width, height: session.height, at };
  }

  /** Stores the event with its row change; resolves whether it was written (false: the row said no). */
  #emit(event: LiveEvent, alsoInTransaction: NonNullable<EmitOptions['alsoInTransaction']>): Promise<boolean> {
    return this.#events.emit(event, { alsoInTransaction }).then(
      (emitted) => emitted !== undefined,
      (rawError: unknown) => {
        this.#log.error({ err: rawError, eventType: event.payload.event_type, stream: event.context.stream }, 'could not store a push event');
        return false;
      },
    );
  }
}
