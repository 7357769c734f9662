/**
 * The one flow behind every media server's hooks. An adapter (nginx-rtmp.ts, srs.ts, mediamtx.ts)
 * only reads its server's request into a `HookCall` and encodes the outcome in its server's reply
 * form; what happens in between, and the log line each hook writes, is here:
 * - publish: admission (names, domain, forbidden, push auth, remote auth, the store's one live
 *   push per stream) → the push starts (event 1, stored before the hook is answered);
 * - publish done: the push of this connection ends (event 0), or, when its publish reached another
 *   instance, the store ends it there;
 * - record done: event 100 for the finished file, in the sequence of the push it belongs to.
 */
import { recordFileEvent, type AdapterSessions, type HookDeps, type Tracked } from './common.js';
import type { IngestSource } from '../push-sessions.js';

/** One hook call, as an adapter read it from its media server's request. */
export interface HookCall {
  /** For the log line, e.g. `srs/on_publish`. */
  readonly route: string;
  readonly source: IngestSource;
  /** The media server's connection (source, its address, its client id): ties publish to its end. */
  readonly connection: string;
  /** The push domain as derived from the request (undefined when it names none). */
  readonly domain: string | undefined;
  readonly app: string;
  readonly stream: string;
  /** The publisher's address, as the media server reports it. */
  readonly clientIp: string;
  /** The media server's own id of the client, for the log line. */
  readonly clientId: unknown;
}

export interface PublishCall extends HookCall {
  /** The host the pusher connected to (tcUrl host, vhost). */
  readonly host: string;
  readonly rawQuery: string;
  /** The media server's address (the ingest node). */
  readonly node: string;
}

export interface RecordCall extends HookCall {
  /** The finished file's path, as the media server gives it ('' when it gives none). */
  readonly file: string;
  /** Base URL for `video_url` (the hook URL's `record_base_url`), '' for the file's path. */
  readonly recordBaseUrl: string;
}

export type PublishOutcome = { readonly ok: true; readonly entry: Tracked } | { readonly ok: false; readonly reason: string };

export class HookFlow {
  readonly #deps: HookDeps;
  readonly #sessions: AdapterSessions;

  constructor(deps: HookDeps, sessions: AdapterSessions) {
    this.#deps = deps;
    this.#sessions = sessions;
  }

  /** Admits the publish and, unless `startLater` (MediaMTX starts on "ready"), starts it. */
  async publish(call: PublishCall, options: { startLater?: boolean } = {}): Promise<PublishOutcome> {
    const admission = await this.#sessions.admit(call.connection, {
      source: call.source,
      host: call.host,
      app: call.app,
      stream: call.stream,
      rawQuery: call.rawQuery,
      clientIp: call.clientIp,
      node: call.node,
    });
    if (!admission.ok) {
      this.#log(call, 'refused', { reason: admission.reason });
      return admission;
    }
    const { session } = admission.entry;
    if (!options.startLater) await this.#deps.pushes.started(session);
    this.#log(call, options.startLater ? 'authorized' : 'accepted', { domain: session.context.domain, sequence: session.context.sequence });
    return admission;
  }

  /** The media server says the push is over. */
  async publishDone(call: HookCall): Promise<void> {
    const entry = this.#sessions.find(call.connection, call.app, call.stream);
    if (!entry && (await this.#sessions.endedElsewhere(call.source, call.domain, call.app, call.stream, call.clientIp))) {
      return this.#log(call, 'ended', { reason: 'the push was held by another instance' });
    }
    if (!entry || !(await this.#sessions.sourceEnded(entry))) {
      return this.#log(call, 'ignored', { reason: entry ? 'the push had already ended in livehook' : 'no push of this connection' });
    }
    this.#log(call, 'ended', { domain: entry.session.context.domain, sequence: entry.session.context.sequence });
  }

  /** The media server finished a recording file of the push. */
  async recordDone(call: RecordCall): Promise<void> {
    const push =
      this.#sessions.find(call.connection, call.app, call.stream)?.session ??
      (await this.#sessions.recordedElsewhere(call.source, call.domain, call.app, call.stream, call.clientIp));
    if (!push || !call.file) {
      return this.#log(call, 'ignored', { file: call.file, reason: push ? 'no file' : 'no push of this connection' });
    }
    await this.#deps.events.emit(await recordFileEvent(push, call.file, call.recordBaseUrl, this.#deps.probe));
    this.#log(call, 'recorded', { domain: push.context.domain, file: call.file, sequence: push.context.sequence });
  }

  /**
   * Accepted and ended hooks are logged at debug: push-sessions.ts logs the push accepted and
   * ended at info already, and a line less per hook counts at thousands of hooks a second.
   */
  #log(call: HookCall, decision: string, more: Record<string, unknown>): void {
    const level = decision === 'accepted' || decision === 'authorized' || decision === 'ended' ? 'debug' : 'info';
    this.#deps.log[level]({ route: call.route, domain: call.domain, app: call.app, stream: call.stream, clientId: call.clientId, decision, ...more }, 'hook');
  }
}
