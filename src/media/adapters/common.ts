/**
 * What the media-server adapters share: the hook token check, the table that ties a media
 * server's connection (nginx `clientid`, SRS `client_id`, MediaMTX path) to livehook's push
 * session, and event 100 from a finished recording file.
 *
 * Adapter sessions carry no `kick`: livehook cannot close a publisher inside nginx, SRS or
 * MediaMTX. DropLiveStream / ForbidLiveStream end the session in livehook (event 0) while the
 * media server keeps the connection; its later "unpublish" hook is then a no-op. An "unpublish"
 * hook that reaches an instance other than the one its publish reached ends the session through
 * the store (`endedElsewhere`).
 */
import { hash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { randomDecimalId, recordFileReady, type LiveEvent, type RecordFileInfo } from '../../events/builders.js';
import type { EventSink } from '../../events/emit.js';
import { EndReason } from '../end-reasons.js';
import type { IngestSource, PublishRequest, PushSession, PushSessions, RecordedPush } from '../push-sessions.js';
import type { ProbeMedia } from './probe.js';

export interface HookDeps {
  readonly pushes: PushSessions;
  readonly events: EventSink;
  readonly log: Logger;
  /** What every hook call must present (`?token=` or `X-Livehook-Hook-Token`). */
  readonly hookToken: string;
  /** Reads duration/codec/size of a recording (livehook: capture/ffprobe.ts). */
  readonly probe: ProbeMedia;
  /** A MediaMTX publish that is admitted but never reported ready is forgotten after this long. (Default: 30 s) */
  readonly readyTimeoutMs?: number;
  /** An ended push is still found by its connection this long, for recording hooks that come after the end. (Default: 10 min) */
  readonly retainEndedMs?: number;
}

export const HOOK_TOKEN_HEADER = 'x-livehook-hook-token';

/** Constant-time comparison (both sides hashed first, so their lengths leak nothing either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given || !expected) return false;
  if (expected !== expectedToken) expectedDigest = digest((expectedToken = expected));
  return timingSafeEqual(digest(given), expectedDigest);
}

const digest = (s: string): Buffer => hash('sha256', s, 'buffer');
// Every hook checks the same token: its digest is made once.
let expectedToken = '';
let expectedDigest = digest('');

/** The host name of a URL such as `rtmp://push.example.com:1935/live?x=1` ('' when there is none). */
export function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** A hook body that must be a JSON object; undefined when it is not. */
export function parseJsonObject(raw: unknown): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(typeof raw === 'string' ? raw : '');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * First value of a query-string or JSON field, as a string. One level of array only: a hostile
 * body can nest arrays deeper than the stack.
 */
export function field(raw: unknown): string {
  const value: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return '';
}

export interface Tracked {
  readonly connection: string;
  readonly session: PushSession;
  /** When the media server (or livehook) ended the push; the entry is dropped `retainEndedMs` later. */
  endedAt: number | undefined;
  /** MediaMTX: forgets an admission that never becomes ready. */
  readyTimer: NodeJS.Timeout | undefined;
}

export type TrackedAdmission = { readonly ok: true; readonly entry: Tracked } | { readonly ok: false; readonly reason: string };

/**
 * Media-server connection → push session, including pushes that ended recently (nginx sends
 * on_record_done after on_publish_done; SRS's on_dvr runs on a queue of its own). Admission and
 * the end a media server reports go through here, the same for every adapter.
 */
export class AdapterSessions {
  readonly #pushes: PushSessions;
  readonly #entries = new Map<string, Tracked>();
  readonly #retainMs: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(pushes: PushSessions, retainMs: number) {
    this.#pushes = pushes;
    this.#retainMs = retainMs;
    this.#sweeper = setInterval(() => this.sweep(Date.now()), Math.min(retainMs, 60_000));
    this.#sweeper.unref();
  }

  /** Admission of a media server's publish; an admitted push is tracked by its connection. */
  async admit(connection: string, request: PublishRequest): Promise<TrackedAdmission> {
    const admission = await this.#pushes.admit(request);
    return admission.ok ? { ok: true, entry: this.#track(connection, admission.session) } : admission;
  }

  /** The media server says the push is over; false when livehook had already ended it. */
  async sourceEnded(entry: Tracked): Promise<boolean> {
    const live = entry.session.state !== 'ended';
    if (live) await this.#pushes.ended(entry.session, EndReason.sourceEnded);
    this.ended(entry);
    return live;
  }

  /**
   * The media server says a push is over, and this instance does not hold it (its publish hook
   * reached another instance): it is ended in the store wherever it started. False when no other
   * instance holds a live push of the stream from this source and client.
   */
  endedElsewhere(source: IngestSource, domain: string | undefined, app: string, stream: string, clientIp: string): Promise<boolean> {
    return domain ? this.#pushes.endHeldElsewhere(source, domain, app, stream, clientIp) : Promise.resolve(false);
  }

  /** The push a recording hook belongs to when its publish reached another instance (recently ended included). */
  recordedElsewhere(source: IngestSource, domain: string | undefined, app: string, stream: string, clientIp: string): Promise<RecordedPush | undefined> {
    return domain ? this.#pushes.recentElsewhere(source, domain, app, stream, clientIp, this.#retainMs) : Promise.resolve(undefined);
  }

  #track(connection: string, session: PushSession): Tracked {
    this.clearReadyTimer(this.#entries.get(connection));
    const entry: Tracked = { connection, session, endedAt: undefined, readyTimer: undefined };
    this.#entries.set(connection, entry);
    return entry;
  }

  /** The push of a connection, live or recently ended, if it is for this app and stream. */
  find(connection: string, app: string, stream: string): Tracked | undefined {
    const entry = this.#entries.get(connection);
    return entry && entry.session.app === app && entry.session.stream === stream ? entry : undefined;
  }

  ended(entry: Tracked): void {
    this.clearReadyTimer(entry);
    entry.endedAt ??= Date.now();
  }

  delete(entry: Tracked): void {
    this.clearReadyTimer(entry);
    if (this.#entries.get(entry.connection) === entry) this.#entries.delete(entry.connection);
  }

  /** Drops entries whose push ended more than `retainMs` ago (ended by the source or by livehook). */
  sweep(now: number): void {
    for (const entry of this.#entries.values()) {
      if (entry.session.state !== 'ended') continue;
      entry.endedAt ??= now;
      if (now - entry.endedAt >= this.#retainMs) this.delete(entry);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    clearInterval(this.#sweeper);
    for (const entry of this.#entries.values()) this.clearReadyTimer(entry);
    this.#entries.clear();
  }

  clearReadyTimer(entry: Tracked | undefined): void {
    if (entry?.readyTimer) clearTimeout(entry.readyTimer);
    if (entry) entry.readyTimer = undefined;
  }
}

export function recordFormatOf(file: string): RecordFileInfo['format'] {
  switch (path.extname(file).toLowerCase()) {
    case '.mp4':
    case '.m4s':
      return 'mp4';
    case '.m3u8':
    case '.ts':
      return 'hls';
    case '.aac':
    case '.m4a':
      return 'aac';
    default:
      return 'flv';
  }
}

/**
 * Event 100 for a recording the media server finished, in the push's own StreamContext.
 * Size from disk and duration/codec from ffprobe when livehook can read the file (same host or a
 * shared volume), otherwise 0. `video_url` is the media server's path, or `recordBaseUrl` +
 * the file name when the hook URL gives one (e.g. a web server in front of the record directory).
 */
export async function recordFileEvent(
  session: RecordedPush,
  file: string,
  recordBaseUrl: string,
  probe: ProbeMedia,
): Promise<LiveEvent> {
  let fileSize = 0;
  let modifiedMs: number | undefined;
  try {
    const stat = await fs.promises.stat(file);
    if (stat.isFile()) {
      fileSize = stat.size;
      modifiedMs = Math.round(stat.mtimeMs);
    }
  } catch {
    // Not on this host: the event still goes out, with what the hook said.
  }
  const media = modifiedMs === undefined ? undefined : await probe(file);
  const durationSeconds = media?.durationSeconds ?? 0;
  const endMs = modifiedMs ?? Date.now();
  const startMs = durationSeconds > 0 ? endMs - Math.round(durationSeconds * 1000) : Math.min(session.startedAt, endMs);
  const base = recordBaseUrl.replace(/\/+$/, '');
  return recordFileReady(session.context, {
    recordFileId: randomDecimalId(),
    format: recordFormatOf(file),
    startMs,
    endMs,
    durationSeconds,
    fileSize,
    videoUrl: base ? `${base}/${encodeURIComponent(path.basename(file))}` : file,
    ...(media?.videoCodec ? { videoCodec: media.videoCodec } : {}),
    ...(media?.width && media.height ? { width: media.width, height: media.height } : {}),
  });
}
