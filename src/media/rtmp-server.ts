/**
 * The embedded RTMP ingest: node-media-server 4.4.3's RTMP session (protocol, chunking, GOP
 * cache) behind livehook's own TCP server, so the rest of livehook sees push sessions, not
 * library callbacks. What livehook changes in the library's behaviour, and why:
 * - Admission happens when the Publish command arrives, before the library registers a
 *   publisher (the library has already answered Publish.Start by then, so a refusal destroys the
 *   socket: the pusher fails at once and the push never looks live).
 * - The library keys streams by /app/name only; livehook keys them by /domain/app/name so two
 *   domains can carry the same stream name.
 * - The library holds a finished publish for a 30 s reconnect grace period; livehook ends it at
 *   once (grace 0) and announces the end from the socket's close, well within 2 s.
 * - Playing is allowed from loopback only: it exists for livehook's own screenshot and recording
 *   readers, not as a CDN.
 * - When a push ends, its players are disconnected (the library would keep them waiting for a
 *   republish), so the recording and screenshot readers see the end of the stream and finish
 *   their files at once.
 * - While a session sets up, every read is acknowledged at once (an RTMP Acknowledgement), and
 *   push start goes with the stream's first packet: a plain ffmpeg push calls back ~10 ms after
 *   it connects, not ~190 ms (see the constructor).
 * Stream and app names outside [A-Za-z0-9_-] are refused (the library cannot carry them).
 */
import net from 'node:net';
import type { Logger } from 'pino';
import RtmpSession from 'node-media-server/src/session/rtmp_session.js';
import BroadcastServer from 'node-media-server/src/server/broadcast_server.js';
import Context from 'node-media-server/src/core/context.js';
import libraryLogger from 'node-media-server/src/core/logger.js';
import { EndReason, type PushEnd } from './end-reasons.js';
import { isLoopback } from './loopback.js';
import { pushDomainOf, type PushSession, type PushSessions } from './push-sessions.js';

/** A publisher that sends nothing for this long is considered gone (errcode 8). */
export const IDLE_TIMEOUT_MS = 20_000;
/** How long push start waits for the stream's first packet (its metadata: width and height). */
export const METADATA_WAIT_MS = 100;
const SAFE_NAME = /^[A-Za-z0-9_-]+$/;
/** The library's handshake state once C2 has arrived (RTMP_HANDSHAKE_2). */
const HANDSHAKE_DONE = 3;

class LivehookRtmpSession extends RtmpSession {
  #rawQuery = '';
  #publishing = false;
  #unpublished = false;
  #refused = false;
  #push: PushSession | undefined;
  #lastMediaAt = Date.now();
  #released!: () => void;
  /** Resolves once the library has let go of this connection's stream (its close was handled). */
  readonly released = new Promise<void>((resolve) => (this.#released = resolve));
  /** Set while the store decides the publish: media that arrives meanwhile waits here. */
  #admitting: { pushed: boolean; packets: Parameters<RtmpSession['onPacket']>[0][] } | undefined;
  #metadataWait: NodeJS.Timeout | undefined;
  /** Until media flows (push started, or play began): acknowledge every read at once. */
  #settingUp = true;

  constructor(socket: net.Socket, private readonly ingest: EmbeddedRtmpServer) {
    super(socket);
    const rtmpPublish = this.rtmp.onPublish.bind(this.rtmp);
    this.rtmp.onPublish = (message) => {
      this.#publishing = true;
      // The library splits the query off and parses it; stream_param needs it verbatim.
      this.#rawQuery = message.streamName.split('?').slice(1).join('?');
      rtmpPublish(message);
    };
    const rtmpDeleteStream = this.rtmp.onDeleteStream.bind(this.rtmp);
    this.rtmp.onDeleteStream = (message) => {
      this.#unpublished = true;
      rtmpDeleteStream(message);
    };
    // The library writes each reply message on its own (connect alone sends four); corked, the
    // replies to one read leave in one write, and 100 publishers connecting at once cost less.
    // While setting up, each read is also acknowledged in RTMP (harmless to clients), so that the
    // TCP ACK leaves at once instead of ~40 ms later: ffmpeg keeps Nagle on and writes a message's
    // header and body apart, so without it connect, createStream, publish and the metadata each
    // wait for a delayed ACK, and push start comes ~180 ms after ffmpeg connects instead of ~10.
    const libraryOnData = this.onData;
    this.onData = (data) => {
      if (!this.#settingUp) return libraryOnData(data);
      this.socket.cork();
      try {
        libraryOnData(data);
        // writable: the library may have ended the socket (a parse error) during this read.
        if (this.#settingUp && this.rtmp.handshakeState === HANDSHAKE_DONE && this.socket.writable) this.rtmp.sendACK(this.inBytes >>> 0);
      } finally {
        this.socket.uncork();
      }
    };
    const libraryOnPlay = this.onPlay;
    this.onPlay = () => {
      // A refused player's play command may sit in the same read as its connect.
      if (this.#refused) return;
      this.#settingUp = false;
      libraryOnPlay();
    };
    const libraryOnPush = this.onPush;
    const libraryOnPacket = this.onPacket;
    const libraryOnClose = this.onClose;
    this.onConnect = (req) => this.#connect(req);
    this.onPush = () => {
      if (this.#admitting) {
        this.#admitting.pushed = true;
        return;
      }
      if (this.#refused || !this.#push) return;
      libraryOnPush();
      if (!this.isPublisher) {
        // The library refused the publish (the stream's previous publisher is still closing):
        // it never started, so it ends without events.
        this.ingest.sessions.forget(this.#push);
        return this.#refuse();
      }
      // Publishers send their metadata first: push start goes with the first packet (width and
      // height known from it), or without them if nothing comes in time.
      this.#metadataWait = setTimeout(() => this.#announce(), METADATA_WAIT_MS);
    };
    this.onPacket = (packet) => {
      this.#lastMediaAt = Date.now();
      if (this.#admitting) return void this.#admitting.packets.push(packet);
      if (this.#refused) return;
      libraryOnPacket(packet);
      if (this.#settingUp) this.#announce();
    };
    this.onClose = () => {
      libraryOnClose();
      this.#released();
      this.#end(this.#unpublished ? EndReason.clientStopped : EndReason.network);
    };
  }

  /** Ends the push for a livehook reason (drop, forbid, idle, shutdown). */
  kick(reason?: PushEnd): void {
    if (reason && this.#push) this.#push.endReason ??= reason;
    this.socket.destroy();
  }

  #connect(req: { app: string; name: string; host: string; query: Record<string, unknown> }): void {
    const log = this.ingest.log;
    if (!SAFE_NAME.test(req.app) || !SAFE_NAME.test(req.name)) {
      log.info({ app: req.app, stream: req.name, clientIp: this.socket.remoteAddress }, 'push refused: app and stream names may only use A-Z a-z 0-9 _ -');
      return this.#refuse();
    }
    if (this.#publishing) return this.#admit(req);
    if (!isLoopback(this.socket.remoteAddress)) {
      log.info({ clientIp: this.socket.remoteAddress }, 'play refused: only loopback clients may play from the embedded ingest');
      return this.#refuse();
    }
    this.#bind(req, pushDomainOf(req.host, new URLSearchParams(req.query as Record<string, string>)));
  }

  /**
   * The store decides the publish (asynchronously): until it has, the publish is not registered
   * with the library and its media is held back, so a refused publisher never touches the live
   * one's broadcast.
   */
  #admit(req: { app: string; name: string; host: string; query: Record<string, unknown> }): void {
    const admitting = { pushed: false, packets: [] as Parameters<RtmpSession['onPacket']>[0][] };
    this.#admitting = admitting;
    // The library has already written Publish.Start: held back until the decision, so that a
    // refused publisher sees its connection close instead of a publish that seemed to start.
    this.socket.cork();
    void this.ingest.sessions
      .admit({
        source: 'rtmp',
        host: req.host,
        app: req.app,
        stream: req.name,
        rawQuery: this.#rawQuery,
        clientIp: this.socket.remoteAddress ?? '',
        node: this.socket.localAddress ?? '',
        kick: () => this.kick(),
        idleMs: () => Date.now() - this.#lastMediaAt,
      })
      .then((admission) => {
        if (!admission.ok) return this.#refuse();
        this.socket.uncork();
        this.#push = admission.session;
        // The publisher left while the store decided: its push starts and ends at once.
        if (this.socket.destroyed) {
          this.#admitting = undefined;
          return this.#end(this.#unpublished ? EndReason.clientStopped : EndReason.network);
        }
        this.#bind(req, admission.session.context.domain);
        const publish = (): void => {
          this.#admitting = undefined;
          if (admitting.pushed) this.onPush();
          for (const packet of admitting.packets) this.onPacket(packet);
        };
        // A reconnect took over from a publisher whose socket livehook has just destroyed: the
        // library frees the stream path when that socket's 'close' is handled, maybe not yet.
        const previous = this.broadcast.publisher as LivehookRtmpSession | null;
        if (previous && previous !== this && previous.socket.destroyed) void previous.released.then(publish);
        else publish();
      });
  }

  #bind(req: { app: string; name: string; host: string; query: Record<string, unknown> }, domain: string | undefined): void {
    this.streamApp = req.app;
    this.streamName = req.name;
    this.streamHost = req.host;
    this.streamPath = `/${domain ?? req.host}/${req.app}/${req.name}`;
    this.streamQuery = req.query as Record<string, string>;
    const broadcasts = Context.broadcasts as Map<string, BroadcastServer>;
    this.broadcast = broadcasts.get(this.streamPath) ?? new BroadcastServer(this.streamPath);
    this.broadcast.publishGraceMs = 0;
    broadcasts.set(this.streamPath, this.broadcast);
  }

  #refuse(): void {
    this.#refused = true;
    this.socket.destroy();
  }

  #announce(): void {
    this.#settingUp = false;
    clearTimeout(this.#metadataWait);
    if (this.#push?.state === 'admitted') void this.ingest.sessions.started(this.#push, { width: this.videoWidth || 0, height: this.videoHeight || 0 });
  }

  #end(reason: PushEnd): void {
    const push = this.#push;
    if (!push) return;
    clearTimeout(this.#metadataWait);
    if (this.videoWidth > 0) {
      push.width = this.videoWidth;
      push.height = this.videoHeight;
    }
    void this.ingest.sessions.ended(push, reason);
    // Only a publisher owns its broadcast's players (a refused one shares the live publisher's).
    // Every session on this server is a LivehookRtmpSession, players included.
    if (this.isPublisher) for (const player of this.broadcast.subscribers.values()) (player as LivehookRtmpSession).socket.end();
  }
}

export class EmbeddedRtmpServer {
  readonly log: Logger;
  readonly sessions: PushSessions;
  readonly #server: net.Server;
  readonly #clients = new Set<LivehookRtmpSession>();

  constructor(options: { sessions: PushSessions; log: Logger }) {
    this.sessions = options.sessions;
    this.log = options.log;
    // The library logs through a process-wide console logger; route it into livehook's log.
    libraryLogger.log = (message: string, level = 'info') => this.log.debug({ library: 'node-media-server', level }, message);
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  #accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const session = new LivehookRtmpSession(socket, this);
    this.#clients.add(session);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => session.kick(EndReason.idle));
    socket.on('close', () => this.#clients.delete(session));
    session.run();
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting, ends every push (errcode 5) and closes every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const client of this.#clients) client.kick(EndReason.shutdown);
    await closed;
  }
}
