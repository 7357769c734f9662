/**
 * Types for the parts of node-media-server 4.4.3 livehook uses (the package ships none). Only
 * the RTMP session is used: livehook owns the listening socket, admission and session events.
 */
declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Socket } from 'node:net';

  interface InvokeMessage {
    transId: number;
    streamName: string;
  }

  interface RtmpPacket {
    header: { fmt: number; cid: number; timestamp: number; length: number; type: number; stream_id: number };
    payload: Buffer;
    capacity: number;
    /** Payload bytes received so far. */
    bytes: number;
  }

  interface Rtmp {
    /** 0 before C0, 1 reading C1, 2 reading C2, 3 (RTMP_HANDSHAKE_2) once C2 has arrived. */
    readonly handshakeState: number;
    /** Bytes of C1 or C2 received so far. */
    readonly handshakeBytes: number;
    /** 4 (RTMP_PARSE_PAYLOAD) while reading a chunk's payload. */
    readonly parserState: number;
    /** The message being parsed; its payload is complete when a handler runs. */
    readonly parserPacket: RtmpPacket;
    /** Messages in progress, by chunk stream id. */
    readonly inPackets: Map<number, RtmpPacket>;
    readonly inChunkSize: number;
    /** Set by connect. */
    readonly streamApp: string | undefined;
    readonly streamHost: string | undefined;
    /** An FLV parser the RTMP path never uses (1 MiB each). */
    flv: unknown;
    onConnect(invokeMessage: { transId: number; cmdObj: Record<string, unknown> }): void;
    onCreateStream(invokeMessage: { transId: number }): void;
    onPublish(invokeMessage: InvokeMessage): void;
    onPlay(invokeMessage: InvokeMessage): void;
    /** Decodes and dispatches the command message in parserPacket. */
    invokeHandler(): void;
    /** Handles a protocol control message (set chunk size, window size, …) in parserPacket. */
    controlHandler(): void;
    /** Makes parserPacket's payload hold header.length bytes. */
    packetAlloc(): void;
    /** Sends an Acknowledgement (type 3) with this sequence number. */
    sendACK(size: number): void;
  }

  class RtmpSession {
    constructor(socket: Socket);
    readonly id: string;
    readonly socket: Socket;
    readonly rtmp: Rtmp;
    broadcast: { publishGraceMs: number; subscribers: Map<string, unknown>; publisher: unknown };
    ip: string;
    isPublisher: boolean;
    streamHost: string;
    streamApp: string;
    streamName: string;
    streamPath: string;
    streamQuery: Record<string, string | string[] | undefined>;
    videoWidth: number;
    videoHeight: number;
    inBytes: number;
    run: () => void;
    onConnect: (req: { app: string; name: string; host: string; query: Record<string, unknown> }) => void;
    onPush: () => void;
    onPlay: () => void;
    onData: (data: Buffer) => void;
    onPacket: (packet: unknown) => void;
    onClose: () => void;
    close: () => void;
  }
  export = RtmpSession;
}

declare module 'node-media-server/src/server/broadcast_server.js' {
  class BroadcastServer {
    constructor(streamPath: string);
    publishGraceMs: number;
    subscribers: Map<string, unknown>;
    /** The publishing session, null when none. */
    publisher: unknown;
  }
  export = BroadcastServer;
}

declare module 'node-media-server/src/core/context.js' {
  const Context: { sessions: Map<string, unknown>; broadcasts: Map<string, unknown> };
  export = Context;
}

declare module 'node-media-server/src/core/logger.js' {
  const logger: { log(message: string, level?: string): void; level: string };
  export = logger;
}

declare module 'node-media-server/src/protocol/flv.js' {
  /** FLV parser: its constructor allocates a parserTagCapacity-byte (1 MiB) tag buffer. */
  class Flv {
    parserTagCapacity: number;
  }
  export = Flv;
}
