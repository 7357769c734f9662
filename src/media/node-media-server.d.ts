/**
 * Types for the parts of node-media-server 4.4.3 livehook uses (the package ships none). Only
 * the RTMP session is used: livehook owns the listening socket, admission and session events.
 */
declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Socket } from 'node:net';

  interface InvokeMessage {
    streamName: string;
    cmdObj?: Record<string, unknown>;
  }

  interface Rtmp {
    /** 3 (RTMP_HANDSHAKE_2) once C2 has arrived: RTMP messages may be sent from then on. */
    readonly handshakeState: number;
    onPublish(invokeMessage: InvokeMessage): void;
    onDeleteStream(invokeMessage: InvokeMessage): void;
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
