/**
 * The embedded RTMP ingest: node-media-server 4.4.3's RTMP session (protocol, chunking, GOP
 * cache) behind livehook's own TCP server, so the rest of livehook sees push sessions, not
 * library callbacks. It runs in a worker thread (./ingest-worker.ts) and reaches push sessions
 * through a PushPort. What livehook changes in the library's behaviour, and why:
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
 * - Until media flows, every read is acknowledged at once (a TCP quick ACK), and push start goes
 *   with the stream's first packet: a plain ffmpeg push calls back a few ms after its publish is
 *   accepted, not one delayed ACK (40 ms) or more later (see the constructor).
 * - A publisher that sent FCUnpublish or deleteStream has stopped normally (errcode 1), however
 *   its connection then closes.
 * - Every byte a client sends is hostile until proven otherwise: commands are decoded strictly and
 *   checked before use (./rtmp/commands.ts), message sizes are bounded, and any error while one
 *   connection's bytes are handled closes that connection only, logged once with the peer's
 *   address and the reason (docs/rtmp-ingest.md).
 * - Admission may take time (it asks the store, maybe a remote authentication server): the
 *   session holds the bytes after publish until it is decided and answers Publish.Start only
 *   then, so nothing starts before admission. A reconnect that takes over its own quiet
 *   connection waits until the library has let go of the old one (docs/live-state.md).
 * - Each live push's packets are watched for Tencent's push errors (event 321) and measured for
 *   DescribeLiveStreamPushInfoList.
 * Names follow ./stream-names.ts (the library cannot carry others).
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { AdmissionDecision, PublishAsk, PushFinal } from './ingest-protocol.js';
import RtmpSession from 'node-media-server/src/session/rtmp_session.js';
import BroadcastServer from 'node-media-server/src/server/broadcast_server.js';
import Context from 'node-media-server/src/core/context.js';
import libraryLogger from 'node-media-server/src/core/logger.js';
import Flv from 'node-media-server/src/protocol/flv.js';
import { EndReason, type PushEnd } from './end-reasons.js';
import { isLoopback } from './loopback.js';
import { PushAnomalyWatch, type AnomalyReport } from './push-anomalies.js';
import { parseCommand, type StreamCommand } from './rtmp/commands.js';
import { ConnectionCounter, type IngestLimits } from './rtmp/connection-limits.js';
import { ConnectionRefusal } from './rtmp/connection-refusal.js';
import { quickAck, quickAckUnavailable } from './rtmp/quick-ack.js';
import type { FlvPacket, MeterReading, StreamMeters } from './stream-meter.js';
import { nameProblem, pushDomainOf } from './stream-names.js';

/**
 * What the ingest asks of push sessions, which live in the main thread (./ingest-protocol.ts):
 * admission, and the push's start, end and problems, by the push id admission gave.
 */
export interface PushPort {
  admit(publish: PublishAsk): Promise<AdmissionDecision>;
  started(pushId: number, video: { width: number; height: number }): void;
  ended(pushId: number, reason: PushEnd, final: PushFinal): void;
  forget(pushId: number): void;
  anomalies(pushId: number, report: AnomalyReport): void;
}

/** An admitted push, as this connection holds it. */
interface AdmittedPush {
  readonly id: number;
  readonly sequence: string;
  readonly domain: string;
  started: boolean;
  /** Why livehook ends it, when livehook does (drop, forbid, idle, shutdown). */
  endReason: PushEnd | undefined;
}

/**
 * How long push start waits for the stream's first packet (its metadata: width and height). A
 * publisher sends its metadata right after publish (a few ms, see the constructor; longer on a
 * busy machine); only a publisher that sends no metadata at all waits this long.
 */
const METADATA_WAIT_MS = 300;
/** How often the deadlines of every connection are checked. */
const SWEEP_INTERVAL_MS = 1000;
const RTMP_VERSION = 3;
const HANDSHAKE_SIZE = 1536;
/** The library's states: handshake not begun, and complete (C2 arrived); payload being read. */
const HANDSHAKE_UNINIT = 0;
const HANDSHAKE_DONE = 3;
const PARSE_PAYLOAD = 4;
const TYPE_SET_CHUNK_SIZE = 1;
const TYPE_FLEX_MESSAGE = 17;
/**
 * The library allocates a message's whole declared length when its first chunk arrives, one
 * buffer per chunk stream, kept for reuse: bound what one client can make livehook hold. Until
 * publish or play a client sends a few small commands; after publish, a 4K stream's key frames
 * fit easily (clients use 4-6 chunk streams).
 */
const SETUP_LIMITS = { maxMessageBytes: 16 * 1024, maxChunkStreams: 8, maxBufferedBytes: 64 * 1024 } as const;
const MEDIA_LIMITS = { maxMessageBytes: 8 * 1024 * 1024, maxChunkStreams: 16, maxBufferedBytes: 12 * 1024 * 1024 } as const;
/** Streams one connection may create (ffmpeg and OBS create one). */
const MAX_CREATE_STREAM = 8;

class LivehookRtmpSession extends RtmpSession {
  #connected = false;
  /** publish or play, once the client has sent it; one per connection. */
  #streamCommand: 'publish' | 'play' | undefined;
  #domain: string | undefined;
  #createdStreams = 0;
  #unpublished = false;
  #closing = false;
  #push: AdmittedPush | undefined;
  #metadataWait: NodeJS.Timeout | undefined;
  /** Bytes that came after publish while its admission is pending (the socket is paused). */
  #held: Buffer[] | undefined;
  /** Until media flows (push started, or play began): the replies to one read leave in one write. */
  #settingUp = true;
  /** Until publish or play arrives, the client waits for each reply, reading all we send. */
  #acknowledgeReads = true;
  readonly #libraryOnData: (data: Buffer) => void;
  /** Audio, video and data messages received: the idle deadline counts these, not bytes. */
  mediaMessages = 0;
  #lastMediaAt = Date.now();
  #anomalies: { readonly watch: PushAnomalyWatch; readonly timer: NodeJS.Timeout } | undefined;
  #released!: () => void;
  /** Resolves once the library has let go of this connection's stream (its close was handled). */
  readonly released = new Promise<void>((resolve) => (this.#released = resolve));
  #closed!: () => void;
  /** Resolves once this connection's close has been handled, its push's end reported. */
  readonly closed = new Promise<void>((resolve) => (this.#closed = resolve));

  constructor(socket: net.Socket, private readonly ingest: EmbeddedRtmpServer) {
    super(socket);
    this.rtmp.flv = undefined;
    this.rtmp.invokeHandler = () => this.#command();
    const rtmpControl = this.rtmp.controlHandler.bind(this.rtmp);
    this.rtmp.controlHandler = () => {
      const packet = this.rtmp.parserPacket;
      if (packet.header.type === TYPE_SET_CHUNK_SIZE) {
        const size = packet.header.length >= 4 ? packet.payload.readUInt32BE(0) : 0;
        if (size < 1 || size > 0x7fffffff) throw new ConnectionRefusal(`set chunk size ${size} out of range`);
        this.#anomalies?.watch.chunkSize(size, Date.now());
      }
      rtmpControl();
    };
    const rtmpAlloc = this.rtmp.packetAlloc.bind(this.rtmp);
    this.rtmp.packetAlloc = () => {
      const limits = this.#streamCommand ? MEDIA_LIMITS : SETUP_LIMITS;
      const packet = this.rtmp.parserPacket;
      const length = packet.header.length;
      if (length > limits.maxMessageBytes) throw new ConnectionRefusal(`message of ${length} bytes (at most ${limits.maxMessageBytes} here)`);
      if (this.rtmp.inPackets.size > limits.maxChunkStreams) throw new ConnectionRefusal(`more than ${limits.maxChunkStreams} chunk streams`);
      if (packet.capacity < length) {
        let buffered = length;
        for (const other of this.rtmp.inPackets.values()) if (other !== packet) buffered += other.capacity;
        if (buffered > limits.maxBufferedBytes) throw new ConnectionRefusal(`messages in progress would hold ${buffered} bytes (at most ${limits.maxBufferedBytes})`);
      }
      rtmpAlloc();
    };
    // The library writes each reply message on its own (connect alone sends four); corked, the
    // replies to one read leave in one write, and 100 publishers connecting at once cost less.
    // Until media flows, every read is acknowledged at once in TCP (./rtmp/quick-ack.ts): ffmpeg
    // keeps Nagle on and writes a message's header and body apart, so without it connect,
    // createStream, publish and then the stream's metadata would each wait for a delayed ACK
    // (~40 ms; docs/rtmp-ingest.md has the figures). Where quick ACKs cannot be sent, reads until
    // publish or play are acknowledged in RTMP instead (an Acknowledgement message, harmless to
    // clients), which makes the TCP ACK leave with it; the metadata then still waits for one
    // delayed ACK. Not after publish: the client no longer waits for replies then and reads one
    // message per ten it sends (ffmpeg), and a client that closes with unread bytes makes its
    // kernel reset the connection and drop what it had not sent yet (its FCUnpublish and
    // deleteStream): a normal stop soon after the start came as a lost connection (errcode 12)
    // one time in six.
    this.#libraryOnData = this.onData;
    this.onData = (data) => this.#guard(() => this.#read(data));
    const libraryOnPlay = this.onPlay;
    this.onPlay = () => {
      this.#settingUp = false;
      libraryOnPlay();
    };
    const libraryOnPush = this.onPush;
    const libraryOnPacket = this.onPacket;
    const libraryOnClose = this.onClose;
    this.onConnect = (req) => this.#attach(req);
    this.onPush = () => {
      if (!this.#push) return;
      libraryOnPush();
      if (!this.isPublisher) {
        // The library refused the publish (the stream's previous publisher is still closing):
        // it never started, so it ends without events.
        this.ingest.forget(this.#push);
        this.#push = undefined;
        return this.#close();
      }
      // Publishers send their metadata first: push start goes with the first packet (width and
      // height known from it), or without them if nothing comes in time.
      this.#metadataWait = setTimeout(() => this.#guard(() => this.#announce()), METADATA_WAIT_MS);
    };
    this.onPacket = (raw) => {
      const packet = raw as FlvPacket;
      this.mediaMessages += 1;
      const now = Date.now();
      this.#lastMediaAt = now;
      this.#anomalies?.watch.packet({ flags: packet.flags, codecId: packet.codec_id, dts: packet.dts }, now);
      this.ingest.meters.onFlvPacket(this.#push?.sequence, packet);
      libraryOnPacket(packet);
      if (this.#settingUp) this.#announce();
    };
    this.onClose = () => {
      try {
        this.#guard(() => libraryOnClose());
        this.#released();
        this.#guard(() => this.#end(this.#unpublished ? EndReason.clientStopped : EndReason.network));
      } finally {
        this.#closed();
      }
    };
  }

  /** Ends the push for a livehook reason (drop, forbid, idle, shutdown). */
  kick(reason?: PushEnd): void {
    if (reason && this.#push) this.#push.endReason ??= reason;
    this.#close();
  }

  /** How long this connection has sent no media. */
  get idleMs(): number {
    return Date.now() - this.#lastMediaAt;
  }

  /** The figures of its live push, once it has started. */
  reading(): readonly [sequence: string, reading: MeterReading] | undefined {
    const push = this.#push;
    const reading = push?.started ? this.ingest.meters.get(push.sequence)?.reading() : undefined;
    return push && reading ? [push.sequence, reading] : undefined;
  }

  /** Closes a connection that missed a deadline, with one log line. */
  expire(reason: string): void {
    this.#fail(new ConnectionRefusal(reason));
  }

  get handshakeDone(): boolean {
    return this.rtmp.handshakeState === HANDSHAKE_DONE;
  }

  /** publish or play, once the client has sent it. */
  get streamCommand(): 'publish' | 'play' | undefined {
    return this.#streamCommand;
  }

  /** Runs a step of this connection's work: whatever it throws closes this connection only. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    if (this.#closing) return;
    const client = { clientIp: this.socket.remoteAddress, clientPort: this.socket.remotePort };
    if (error instanceof ConnectionRefusal) this.ingest.log.info({ ...client, reason: error.message }, 'rtmp connection refused');
    else this.ingest.log.warn({ ...client, err: error }, 'rtmp connection closed: error while handling it');
    this.#close();
  }

  #close(): void {
    this.#closing = true;
    this.socket.destroy();
  }

  #read(data: Buffer): void {
    if (this.#held) {
      this.#held.push(data);
      return;
    }
    if (!this.#settingUp) return this.#libraryOnData(data);
    const acknowledged = quickAck(this.socket);
    this.socket.cork();
    try {
      this.#step(data);
      // writable: this connection may have been closed during this read.
      if (!acknowledged && this.#acknowledgeReads && this.rtmp.handshakeState === HANDSHAKE_DONE && this.socket.writable) this.rtmp.sendACK(this.inBytes >>> 0);
    } finally {
      this.socket.uncork();
    }
  }

  /**
   * Until publish or play, the library is fed one handshake part, chunk header byte or chunk
   * payload at a time, so that it stops right after the message that publishes: the rest waits
   * for admission.
   */
  #step(data: Buffer): void {
    let offset = 0;
    while (offset < data.length && !this.#closing) {
      if (this.#held) {
        this.#held.push(data.subarray(offset));
        return;
      }
      if (this.#streamCommand) return this.#libraryOnData(offset === 0 ? data : data.subarray(offset));
      if (this.rtmp.handshakeState === HANDSHAKE_UNINIT && data[offset] !== RTMP_VERSION) {
        throw new ConnectionRefusal(`RTMP version ${data[offset]} is not supported (C0 must be 3)`);
      }
      const n = Math.min(data.length - offset, this.#nextStepBytes());
      this.#libraryOnData(data.subarray(offset, offset + n));
      offset += n;
    }
  }

  #nextStepBytes(): number {
    const rtmp = this.rtmp;
    if (rtmp.handshakeState === HANDSHAKE_UNINIT) return 1 + HANDSHAKE_SIZE;
    if (rtmp.handshakeState < HANDSHAKE_DONE) return HANDSHAKE_SIZE - rtmp.handshakeBytes;
    if (rtmp.parserState !== PARSE_PAYLOAD) return 1;
    const packet = rtmp.parserPacket;
    return Math.max(1, Math.min(rtmp.inChunkSize - (packet.bytes % rtmp.inChunkSize), packet.header.length - packet.bytes));
  }

  /** A complete command message is in the parser: decode it strictly, check it, act on it. */
  #command(): void {
    const packet = this.rtmp.parserPacket;
    const offset = packet.header.type === TYPE_FLEX_MESSAGE ? 1 : 0;
    const command = parseCommand(packet.payload.subarray(offset, Math.max(offset, packet.header.length)));
    switch (command.kind) {
      case 'connect':
        if (this.#connected) throw new ConnectionRefusal('connect sent twice');
        this.#connected = true;
        return this.rtmp.onConnect({ transId: command.transId, cmdObj: { app: command.app, tcUrl: command.tcUrl, objectEncoding: command.objectEncoding } });
      case 'createStream':
        if (!this.#connected) throw new ConnectionRefusal('createStream before connect');
        if (++this.#createdStreams > MAX_CREATE_STREAM) throw new ConnectionRefusal(`more than ${MAX_CREATE_STREAM} createStream`);
        return this.rtmp.onCreateStream({ transId: command.transId });
      case 'publish':
      case 'play':
        if (!this.#connected) throw new ConnectionRefusal(`${command.kind} before connect`);
        if (this.#streamCommand) throw new ConnectionRefusal(`${command.kind} after ${this.#streamCommand} on the same connection`);
        this.#streamCommand = command.kind;
        this.#acknowledgeReads = false;
        return command.kind === 'publish' ? this.#publish(command) : this.#play(command);
      case 'stop':
        this.#unpublished = true;
        return;
      case 'ignored':
        return;
    }
  }

  /** The stream name and query of publish/play, and the app and host of connect, checked. */
  #target(command: StreamCommand): { app: string; name: string; host: string; rawQuery: string } {
    const [name = '', ...query] = command.streamName.split('?');
    const app = this.rtmp.streamApp ?? '';
    const problem = nameProblem({ app, stream: name });
    if (problem) throw new ConnectionRefusal(`${command.kind} refused: ${problem}`);
    return { app, name, host: this.rtmp.streamHost ?? '', rawQuery: query.join('?') };
  }

  #publish(command: StreamCommand): void {
    const target = this.#target(command);
    this.#held = [];
    this.socket.pause();
    void this.#admit(command, target);
  }

  async #admit(command: StreamCommand, target: { app: string; name: string; host: string; rawQuery: string }): Promise<void> {
    const decision = await this.ingest.pushes.admit({
      host: target.host,
      app: target.app,
      stream: target.name,
      rawQuery: target.rawQuery,
      clientIp: this.socket.remoteAddress ?? '',
      node: this.socket.localAddress ?? '',
    });
    if (!decision.ok) {
      // A refusal is logged in the main thread with its reason.
      return decision.error === undefined ? this.#close() : this.#fail(new Error(`admission failed: ${decision.error}`));
    }
    const push: AdmittedPush = { id: decision.pushId, sequence: decision.sequence, domain: decision.domain, started: false, endReason: undefined };
    if (this.#closing || this.socket.destroyed) return this.ingest.forget(push);
    this.#push = push;
    this.ingest.hold(push.id, this);
    this.#domain = push.domain;
    // A reconnect took over from a publisher whose socket livehook has just destroyed: the library
    // frees the stream path when that socket's close is handled, maybe not yet.
    const path = `/${this.#domain}/${target.app}/${target.name}`;
    const previous = (Context.broadcasts as Map<string, BroadcastServer>).get(path)?.publisher as LivehookRtmpSession | null | undefined;
    if (previous && previous !== this && previous.socket.destroyed) await previous.released;
    if (this.#closing || this.socket.destroyed) return void this.#end(this.#unpublished ? EndReason.clientStopped : EndReason.network);
    this.#guard(() => {
      // Answers Publish.Start, then calls onConnect (#attach) and onPush.
      this.rtmp.onPublish({ transId: command.transId, streamName: command.streamName });
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const data of held) this.#read(data);
      if (!this.#closing) this.socket.resume();
    });
  }

  #play(command: StreamCommand): void {
    if (!isLoopback(this.socket.remoteAddress)) throw new ConnectionRefusal('play refused: only loopback clients may play from the embedded ingest');
    const target = this.#target(command);
    this.#domain = pushDomainOf(target.host, new URLSearchParams(target.rawQuery));
    // Answers Play.Start, then calls onConnect (#attach) and onPlay.
    this.rtmp.onPlay({ transId: command.transId, streamName: command.streamName });
  }

  /** The library's onConnect: the stream this session publishes or plays, keyed by domain. */
  #attach(req: { app: string; name: string; host: string }): void {
    this.streamApp = req.app;
    this.streamName = req.name;
    this.streamHost = req.host;
    this.streamPath = `/${this.#domain ?? req.host}/${req.app}/${req.name}`;
    const broadcasts = Context.broadcasts as Map<string, BroadcastServer>;
    this.broadcast = broadcasts.get(this.streamPath) ?? new BroadcastServer(this.streamPath);
    this.broadcast.publishGraceMs = 0;
    broadcasts.set(this.streamPath, this.broadcast);
  }

  #announce(): void {
    this.#settingUp = false;
    clearTimeout(this.#metadataWait);
    const push = this.#push;
    if (!push || push.started) return;
    push.started = true;
    this.ingest.pushes.started(push.id, { width: this.videoWidth || 0, height: this.videoHeight || 0 });
    const watch = new PushAnomalyWatch();
    const timer = setInterval(() => this.#guard(() => this.#reportAnomalies(push, watch)), watch.intervalMs);
    timer.unref();
    this.#anomalies = { watch, timer };
  }

  #reportAnomalies(push: AdmittedPush, watch: PushAnomalyWatch): void {
    const report = watch.report(Date.now());
    if (report) this.ingest.pushes.anomalies(push.id, report);
  }

  #end(reason: PushEnd): void {
    const push = this.#push;
    if (!push) return;
    this.#push = undefined;
    clearTimeout(this.#metadataWait);
    clearInterval(this.#anomalies?.timer);
    const measured = this.ingest.meters.get(push.sequence)?.reading();
    this.ingest.meters.close(push.sequence);
    this.ingest.letGo(push.id);
    const final = { width: this.videoWidth || 0, height: this.videoHeight || 0, videoCodec: measured?.videoCodec ?? '', audioCodec: measured?.audioCodec ?? '' };
    this.ingest.pushes.ended(push.id, push.endReason ?? reason, final);
    // Only a publisher owns its broadcast's players (a refused one shares the live publisher's).
    // Every session on this server is a LivehookRtmpSession, players included.
    if (this.isPublisher) for (const player of this.broadcast.subscribers.values()) (player as LivehookRtmpSession).socket.end();
  }
}

/**
 * A library session, without the 1 MiB buffer its RTMP parser's FLV parser allocates in its
 * constructor and the RTMP path never uses (4,000 sessions: 4 GB, issue 11): while it is made,
 * an accessor on the FLV parser's prototype swallows that capacity, so the buffer is empty.
 */
function createSession(socket: net.Socket, ingest: EmbeddedRtmpServer): LivehookRtmpSession {
  Object.defineProperty(Flv.prototype, 'parserTagCapacity', { configurable: true, get: () => 0, set: () => {} });
  try {
    return new LivehookRtmpSession(socket, ingest);
  } finally {
    delete (Flv.prototype as { parserTagCapacity?: number }).parserTagCapacity;
  }
}

/** One accepted socket; its library session is created once C0 and C1 have arrived. */
interface Connection {
  readonly socket: net.Socket;
  readonly ip: string;
  readonly acceptedAt: number;
  session: LivehookRtmpSession | undefined;
  /** For the idle deadline: the session's media count when it last moved, and when. */
  mediaSeen: number;
  mediaSeenAt: number;
}

export class EmbeddedRtmpServer {
  readonly log: Logger;
  readonly pushes: PushPort;
  /** Media figures of live pushes (DescribeLiveStreamPushInfoList). */
  readonly meters: StreamMeters;
  readonly #limits: IngestLimits;
  readonly #counter: ConnectionCounter;
  readonly #server: net.Server;
  readonly #connections = new Set<Connection>();
  /** The connections of admitted pushes, by push id. */
  readonly #publishers = new Map<number, LivehookRtmpSession>();
  readonly #sweep: NodeJS.Timeout;
  /** Connections refused for the limits since the last log line about them (one per 10 s). */
  #overLimit = { count: 0, loggedAt: 0 };

  constructor(options: { pushes: PushPort; log: Logger; limits: IngestLimits; meters: StreamMeters }) {
    this.pushes = options.pushes;
    this.log = options.log;
    this.meters = options.meters;
    this.#limits = options.limits;
    this.#counter = new ConnectionCounter(options.limits);
    // The library logs through a process-wide console logger; route it into livehook's log.
    libraryLogger.log = (message: string, level = 'info') => this.log.debug({ library: 'node-media-server', level }, message);
    this.#server = net.createServer((socket) => this.#accept(socket));
    this.#sweep = setInterval(() => this.#enforceDeadlines(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  #accept(socket: net.Socket): void {
    // Until the library session exists, nobody else listens for a reset: it must not go unhandled.
    socket.on('error', () => {});
    const ip = socket.remoteAddress ?? '';
    const refusal = this.#counter.take(ip);
    if (refusal) return this.#refuseOverLimit(socket, refusal);
    socket.setNoDelay(true);
    const now = Date.now();
    const connection: Connection = { socket, ip, acceptedAt: now, session: undefined, mediaSeen: 0, mediaSeenAt: now };
    this.#connections.add(connection);
    socket.once('close', () => {
      this.#connections.delete(connection);
      this.#counter.release(ip);
    });
    // A socket that has said nothing costs only its own buffers: the library session (parser,
    // handshake buffer) is made once C0 and C1 are in.
    // One buffer for C0 and C1, however they are cut: a trickling client holds no pile of reads.
    const c0c1 = 1 + HANDSHAKE_SIZE;
    let early: Buffer | undefined;
    let earlyBytes = 0;
    const start = (bytes: Buffer): void => {
      socket.off('data', collect);
      try {
        const session = createSession(socket, this);
        connection.session = session;
        session.run();
        session.onData(bytes);
      } catch (error) {
        this.log.warn({ clientIp: ip, clientPort: socket.remotePort, err: error }, 'rtmp connection closed: error while handling it');
        socket.destroy();
      }
    };
    const collect = (data: Buffer): void => {
      if (earlyBytes === 0 && data.length >= c0c1) return start(data);
      early ??= Buffer.allocUnsafeSlow(c0c1);
      const n = Math.min(data.length, c0c1 - earlyBytes);
      data.copy(early, earlyBytes, 0, n);
      earlyBytes += n;
      if (earlyBytes === c0c1) start(n < data.length ? Buffer.concat([early, data.subarray(n)]) : early);
    };
    socket.on('data', collect);
  }

  #refuseOverLimit(socket: net.Socket, reason: string): void {
    socket.destroy();
    this.#overLimit.count += 1;
    const now = Date.now();
    if (now - this.#overLimit.loggedAt < 10_000) return;
    this.log.warn({ clientIp: socket.remoteAddress, reason, refusedSinceLastLine: this.#overLimit.count }, 'rtmp connection refused: over the connection limits');
    this.#overLimit = { count: 0, loggedAt: now };
  }

  /** Closes connections that missed a deadline; ends publishers that sent no media for too long. */
  #enforceDeadlines(): void {
    const now = Date.now();
    const limits = this.#limits;
    for (const connection of this.#connections) {
      const { session } = connection;
      const age = now - connection.acceptedAt;
      if (!session?.handshakeDone) {
        if (age > limits.handshakeTimeoutMs) this.#expire(connection, `handshake not finished within ${limits.handshakeTimeoutMs} ms`);
      } else if (!session.streamCommand) {
        if (age > limits.setupTimeoutMs) this.#expire(connection, `no publish or play within ${limits.setupTimeoutMs} ms`);
      } else if (session.streamCommand === 'publish') {
        if (session.mediaMessages !== connection.mediaSeen) {
          connection.mediaSeen = session.mediaMessages;
          connection.mediaSeenAt = now;
        } else if (now - connection.mediaSeenAt > limits.idleTimeoutMs) {
          session.kick(EndReason.idle);
        }
      }
    }
  }

  #expire(connection: Connection, reason: string): void {
    if (connection.session) return connection.session.expire(reason);
    this.log.info({ clientIp: connection.ip, clientPort: connection.socket.remotePort, reason }, 'rtmp connection refused');
    connection.socket.destroy();
  }

  hold(pushId: number, session: LivehookRtmpSession): void {
    this.#publishers.set(pushId, session);
  }

  letGo(pushId: number): void {
    this.#publishers.delete(pushId);
  }

  /** An admitted push that never started: the main thread drops it without events. */
  forget(push: { readonly id: number }): void {
    this.letGo(push.id);
    this.pushes.forget(push.id);
  }

  /** Ends a push on livehook's initiative; its end is reported when its connection has closed. */
  end(pushId: number, reason: PushEnd | undefined): void {
    this.#publishers.get(pushId)?.kick(reason);
  }

  /** How long a push has sent no media; Infinity once its connection is gone. */
  idleMs(pushId: number): number {
    return this.#publishers.get(pushId)?.idleMs ?? Number.POSITIVE_INFINITY;
  }

  /** The figures of every live push, by sequence. */
  readings(): (readonly [sequence: string, reading: MeterReading])[] {
    const readings: (readonly [string, MeterReading])[] = [];
    for (const session of this.#publishers.values()) {
      const reading = session.reading();
      if (reading) readings.push(reading);
    }
    return readings;
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        if (quickAckUnavailable) this.log.warn({ reason: quickAckUnavailable }, 'TCP quick ACKs unavailable: push start may wait ~40 ms longer for publishers with Nagle on (ffmpeg)');
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /**
   * Stops accepting, ends every push (errcode 5) and closes every connection; resolves once every
   * push's end has been reported.
   */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const sessions: LivehookRtmpSession[] = [];
    for (const { session, socket } of this.#connections) {
      if (!session) {
        socket.destroy();
        continue;
      }
      sessions.push(session);
      session.kick(EndReason.shutdown);
    }
    await Promise.all([closed, ...sessions.map((session) => session.closed)]);
  }
}
