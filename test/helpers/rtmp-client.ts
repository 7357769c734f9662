/**
 * A small raw RTMP client for tests that must send what no real client would: it does a valid
 * handshake (C0 = 3, C1, C2 = S1), then writes chunks and AMF0 values exactly as told. It shares
 * no code with livehook (chunk headers and AMF0 are encoded here), so a bug there cannot hide one
 * in the ingest.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const HANDSHAKE_SIZE = 1536;
const DEFAULT_CHUNK_SIZE = 128;

export const MessageType = { setChunkSize: 1, audio: 8, video: 9, data: 18, command: 20 } as const;

/** A value for amf0(): plain JS values, or raw bytes spliced in as they are (to craft bad input). */
export type Amf0 = number | boolean | string | null | undefined | Buffer | readonly Amf0[] | { readonly [key: string]: Amf0 };

function amf0Value(value: Amf0): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value === null) return Buffer.from([0x05]);
  if (value === undefined) return Buffer.from([0x06]);
  if (typeof value === 'number') {
    const out = Buffer.alloc(9);
    out[0] = 0x00;
    out.writeDoubleBE(value, 1);
    return out;
  }
  if (typeof value === 'boolean') return Buffer.from([0x01, value ? 1 : 0]);
  if (typeof value === 'string') return Buffer.concat([Buffer.from([0x02]), amf0Key(value)]);
  if (Array.isArray(value)) {
    const count = Buffer.alloc(5);
    count[0] = 0x0a;
    count.writeUInt32BE(value.length, 1);
    return Buffer.concat([count, ...value.map(amf0Value)]);
  }
  const entries = Object.entries(value as Record<string, Amf0>).flatMap(([k, v]) => [amf0Key(k), amf0Value(v)]);
  return Buffer.concat([Buffer.from([0x03]), ...entries, Buffer.from([0x00, 0x00, 0x09])]);
}

function amf0Key(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** AMF0-encodes values one after another (a command: name, transaction id, object, …). */
export const amf0 = (...values: Amf0[]): Buffer => Buffer.concat(values.map(amf0Value));

export interface RtmpMessage {
  readonly type: number;
  readonly payload: Buffer;
  /** Chunk stream id (default 3, as clients send commands). */
  readonly chunkStream?: number;
  readonly streamId?: number;
  readonly timestamp?: number;
  /** Declared message length (default: the payload's length); a lie makes a truncated message. */
  readonly length?: number;
}

/** A message as chunks: a type-0 header, then type-3 headers every `chunkSize` bytes. */
export function chunks(message: RtmpMessage, chunkSize = DEFAULT_CHUNK_SIZE): Buffer {
  const cid = message.chunkStream ?? 3;
  if (cid < 2 || cid > 63) throw new Error('this client only writes one-byte basic headers (chunk streams 2-63)');
  const header = Buffer.alloc(12);
  header[0] = cid;
  header.writeUIntBE(Math.min(message.timestamp ?? 0, 0xffffff), 1, 3);
  header.writeUIntBE(message.length ?? message.payload.length, 4, 3);
  header[7] = message.type;
  header.writeUInt32LE(message.streamId ?? 0, 8);
  const parts: Buffer[] = [header];
  for (let offset = 0; offset < message.payload.length; offset += chunkSize) {
    if (offset > 0) parts.push(Buffer.from([0xc0 | cid]));
    parts.push(message.payload.subarray(offset, offset + chunkSize));
  }
  return Buffer.concat(parts);
}

/** A command message (type 20) on chunk stream 3. */
export const command = (...values: Amf0[]): Buffer => chunks({ type: MessageType.command, payload: amf0(...values) });

export class RawRtmpClient {
  readonly socket: net.Socket;
  /** Bytes received after the handshake. */
  received: Buffer = Buffer.alloc(0);
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('error', () => {}); // a refused connection is reset: expected here
    socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** `localAddress` (e.g. 127.0.0.2) makes the connection come from another loopback address. */
  static async connect(port: number, localAddress?: string): Promise<RawRtmpClient> {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawRtmpClient(socket);
  }

  /** Connects and completes the plain handshake: C0+C1, then S0+S1+S2, then C2 (= S1). */
  static async handshaken(port: number, localAddress?: string): Promise<RawRtmpClient> {
    const client = await RawRtmpClient.connect(port, localAddress);
    const c1 = Buffer.concat([Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]);
    client.write(Buffer.concat([Buffer.from([3]), c1]));
    const reply = await client.read(1 + 2 * HANDSHAKE_SIZE, 5000);
    if (reply[0] !== 3) throw new Error(`S0 is ${reply[0]}, not 3`);
    client.write(reply.subarray(1, 1 + HANDSHAKE_SIZE));
    client.received = client.received.subarray(1 + 2 * HANDSHAKE_SIZE);
    return client;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Waits for at least `length` bytes received (from the start), or fails after `timeoutMs`. */
  async read(length: number, timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < length) {
      if (this.socket.destroyed) throw new Error(`connection closed after ${this.received.length} of ${length} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.received.length} of ${length} bytes`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Resolves true if the server closes the connection within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.closed.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
