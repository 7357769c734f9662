/**
 * The RTMP commands the embedded ingest acts on, decoded strictly and checked before any part of
 * livehook or the library uses them (docs/rtmp-ingest.md). A malformed one is a ConnectionRefusal.
 */
import { decodeAmf0, type Amf0Object, type Amf0Value } from './amf0.js';
import { ConnectionRefusal } from './connection-refusal.js';

/** Push URLs carry a stream name and a query (txSecret, txTime, domain=, …): ample room. */
const MAX_STREAM_ARGUMENT = 4096;

/** publish or play: the stream argument is `name?query`. */
export interface StreamCommand {
  readonly kind: 'publish' | 'play';
  readonly transId: number;
  readonly streamName: string;
}

export type RtmpCommand =
  | { readonly kind: 'connect'; readonly transId: number; readonly app: string; readonly tcUrl: string; readonly objectEncoding: number }
  | { readonly kind: 'createStream'; readonly transId: number }
  | StreamCommand
  /** The client says it is stopping (deleteStream, FCUnpublish). */
  | { readonly kind: 'stop' }
  /** Anything else (releaseStream, FCPublish, _checkbw, …): answered by nobody, harmless. */
  | { readonly kind: 'ignored'; readonly name: string };

const isObject = (value: Amf0Value): value is Amf0Object =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

function transactionId(value: Amf0Value, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConnectionRefusal(`${name} without a numeric transaction id`);
  return value;
}

function connect(values: Amf0Value[]): RtmpCommand {
  const transId = transactionId(values[1], 'connect');
  const object = values[2];
  if (!isObject(object)) throw new ConnectionRefusal('connect without a command object');
  const { app, tcUrl, objectEncoding } = object;
  if (typeof app !== 'string') throw new ConnectionRefusal('connect without an app name');
  if (typeof tcUrl !== 'string') throw new ConnectionRefusal('connect without a tcUrl');
  if (!URL.canParse(tcUrl)) throw new ConnectionRefusal('connect whose tcUrl is not a URL');
  if (objectEncoding !== undefined && objectEncoding !== 0 && objectEncoding !== 3) throw new ConnectionRefusal('connect with an unknown objectEncoding');
  return { kind: 'connect', transId, app, tcUrl, objectEncoding: objectEncoding ?? 0 };
}

function stream(kind: 'publish' | 'play', values: Amf0Value[]): RtmpCommand {
  const transId = transactionId(values[1], kind);
  const streamName = values[3];
  if (typeof streamName !== 'string' || streamName === '') throw new ConnectionRefusal(`${kind} without a stream name`);
  if (streamName.length > MAX_STREAM_ARGUMENT) throw new ConnectionRefusal(`${kind} with a stream name of ${streamName.length} characters`);
  return { kind, transId, streamName };
}

/** Decodes and checks one AMF0 command message. */
export function parseCommand(payload: Buffer): RtmpCommand {
  const values = decodeAmf0(payload);
  const name = values[0];
  if (typeof name !== 'string') throw new ConnectionRefusal('command message without a command name');
  switch (name) {
    case 'connect':
      return connect(values);
    case 'createStream':
      return { kind: 'createStream', transId: transactionId(values[1], name) };
    case 'publish':
    case 'play':
      return stream(name, values);
    case 'deleteStream':
    case 'FCUnpublish':
      return { kind: 'stop' };
    default:
      return { kind: 'ignored', name };
  }
}
