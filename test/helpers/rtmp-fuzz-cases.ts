/**
 * Random and mutated RTMP input for the ingest fuzz test (test/media/rtmp-fuzz.test.ts) and its
 * bench-sized variant (bench/rtmp-fuzz.ts): raw bytes instead of a handshake, mutated handshakes,
 * and, after a valid handshake, random chunks, AMF0 command messages built from a grammar of the
 * commands the ingest answers (then mutated byte by byte), and publish flows followed by random
 * audio, video and data messages. One case is one connection.
 */
import fc from 'fast-check';
import { MessageType, RawRtmpClient, amf0, chunks, type Amf0 } from './rtmp-client.js';

/** A push domain with push authentication off, so that fuzzed publishes can be admitted. */
export const FUZZ_DOMAIN = 'push.fuzz.example.com';
const HANDSHAKE_SIZE = 1536;

export interface FuzzCase {
  /** `raw`: the bytes are all the client sends; `handshaken`: a valid handshake comes first. */
  readonly mode: 'raw' | 'handshaken';
  readonly bytes: Uint8Array;
}

const amfValue: fc.Arbitrary<Amf0> = fc.letrec<{ value: Amf0; object: Amf0; array: Amf0 }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.string({ maxLength: 40 }),
    fc.constant(null),
    fc.constant(undefined),
    tie('object'),
    tie('array'),
  ),
  object: fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).value;

const streamArgument = fc.oneof(
  fc.constantFrom('fuzz_a', 'fuzz_b', 'fuzz_c?x=1', 'a.b', '../../etc/passwd', 'x\u0000y', '', '?', 'fuzz_d?domain=' + FUZZ_DOMAIN),
  fc.string({ maxLength: 60 }),
  fc.string({ minLength: 4000, maxLength: 5000 }),
);

const connectObject = fc.record(
  {
    app: fc.oneof(fc.constantFrom('live', 'live/x', ''), fc.string({ maxLength: 20 }), amfValue),
    tcUrl: fc.oneof(fc.constantFrom(`rtmp://${FUZZ_DOMAIN}/live`, 'rtmp://[::1', 'rtmp://', 'not a url', `rtmp://127.0.0.1/live`), fc.string({ maxLength: 40 }), amfValue),
    objectEncoding: fc.oneof(fc.constantFrom(0, 3), fc.double(), amfValue),
    flashVer: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);

const commandName = fc.oneof(
  fc.constantFrom('connect', 'createStream', 'publish', 'play', 'deleteStream', 'FCUnpublish', 'releaseStream', 'FCPublish', '_checkbw', 'getStreamLength', ''),
  fc.string({ maxLength: 20 }),
);

/** An AMF0 command payload: a known or random name, a transaction id, an object, a stream argument. */
const commandPayload: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof({ weight: 5, arbitrary: commandName }, { weight: 1, arbitrary: amfValue }),
    fc.oneof(fc.integer({ min: 0, max: 10 }), amfValue),
    fc.oneof(connectObject, amfValue),
    fc.option(streamArgument, { nil: undefined }),
    fc.array(amfValue, { maxLength: 2 }),
  )
  .map(([name, transId, object, stream, rest]) => amf0(name, transId, object, ...(stream === undefined ? [] : [stream]), ...rest));

/** Byte-level damage: flips, cuts, insertions, duplications. */
const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'cut', 'insert', 'duplicate'), value: fc.integer({ min: 0, max: 255 }) });

function mutate(bytes: Uint8Array, mutations: readonly { at: number; kind: string; value: number }[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip' && out.length > 0) out[at] = out[at]! ^ (m.value || 1);
    else if (m.kind === 'cut') out = out.subarray(0, at);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([m.value]), out.subarray(at)]);
    else if (m.kind === 'duplicate') out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + 1 + (m.value % 32)), out.subarray(at)]);
  }
  return out;
}

const mutated = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(bytes, fc.array(mutation, { maxLength: 3 })).map(([b, m]) => mutate(b, m));

/** A message as chunks, with random chunk stream, stream id, timestamp and (sometimes) a lying length. */
const chunked = (payload: fc.Arbitrary<Uint8Array>, type: fc.Arbitrary<number>): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(payload, type, fc.integer({ min: 2, max: 63 }), fc.integer({ min: 0, max: 3 }), fc.nat({ max: 0xffffff }), fc.option(fc.nat({ max: 0xffffff }), { freq: 8 }))
    .map(([p, t, cid, streamId, timestamp, length]) => chunks({ type: t, payload: Buffer.from(p), chunkStream: cid, streamId, timestamp, length: length ?? undefined }));

const setChunkSize = fc.oneof(fc.constantFrom(0, 1, 127, 4096, 0x7fffffff, 0xffffffff), fc.nat()).map((size) => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size >>> 0);
  return chunks({ type: MessageType.setChunkSize, payload, chunkStream: 2 });
});

/** Raw chunk bytes: a random basic header (all three sizes) and whatever follows. */
const rawChunks = fc.uint8Array({ maxLength: 600 });

const publishPrefix = fc.constantFrom('fuzz_p1', 'fuzz_p2', 'fuzz_p3', 'fuzz_p4').map((stream) =>
  Buffer.concat([
    chunks({ type: MessageType.command, payload: amf0('connect', 1, { app: 'live', tcUrl: `rtmp://${FUZZ_DOMAIN}/live` }) }),
    chunks({ type: MessageType.command, payload: amf0('createStream', 2, null) }),
    chunks({ type: MessageType.command, payload: amf0('publish', 0, null, stream, 'live'), streamId: 1 }),
  ]),
);

/** Audio, video and data payloads shaped like FLV tags (AVC/HEVC headers, AAC, metadata), then random. */
const mediaMessage = fc.oneof(
  chunked(fc.tuple(fc.constantFrom(0x17, 0x27, 0x1c, 0x90, 0x91, 0x12), fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 300 })).map(([a, b, rest]) => Uint8Array.from([a, b, ...rest])), fc.constant(MessageType.video)),
  chunked(fc.tuple(fc.constantFrom(0xaf, 0x2f, 0x9f), fc.constantFrom(0, 1), fc.uint8Array({ maxLength: 100 })).map(([a, b, rest]) => Uint8Array.from([a, b, ...rest])), fc.constant(MessageType.audio)),
  chunked(fc.oneof(amfValue.map((v) => amf0('@setDataFrame', 'onMetaData', v)), mutated(fc.constant(amf0('@setDataFrame', 'onMetaData', { width: 320, height: 240, framerate: 25 })))), fc.constant(MessageType.data)),
);

const afterHandshake: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: mutated(chunked(commandPayload.map((b) => new Uint8Array(b)), fc.constantFrom(MessageType.command, MessageType.command, 17))) },
  { weight: 2, arbitrary: fc.array(chunked(commandPayload.map((b) => new Uint8Array(b)), fc.constant(MessageType.command)), { minLength: 2, maxLength: 4 }).map((parts) => Buffer.concat(parts)) },
  { weight: 2, arbitrary: fc.tuple(publishPrefix, fc.array(mediaMessage, { maxLength: 6 })).map(([prefix, media]) => Buffer.concat([prefix, ...media])) },
  { weight: 1, arbitrary: fc.tuple(publishPrefix, mutated(fc.array(mediaMessage, { minLength: 1, maxLength: 4 }).map((m) => Buffer.concat(m)))).map(([prefix, media]) => Buffer.concat([prefix, media])) },
  { weight: 1, arbitrary: fc.tuple(setChunkSize, afterHandshakeSimple()).map(([a, b]) => Buffer.concat([a, b])) },
  { weight: 1, arbitrary: chunked(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 255 })) },
  { weight: 1, arbitrary: rawChunks },
);

function afterHandshakeSimple(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(chunked(commandPayload.map((b) => new Uint8Array(b)), fc.constant(MessageType.command)), rawChunks);
}

const c0c1 = fc.uint8Array({ minLength: HANDSHAKE_SIZE, maxLength: HANDSHAKE_SIZE }).map((c1) => Uint8Array.from([3, ...c1]));

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4000 }).map((bytes): FuzzCase => ({ mode: 'raw', bytes })) },
  { weight: 1, arbitrary: mutated(fc.tuple(c0c1, fc.uint8Array({ maxLength: HANDSHAKE_SIZE + 200 })).map(([a, b]) => Uint8Array.from([...a, ...b]))).map((bytes): FuzzCase => ({ mode: 'raw', bytes })) },
  { weight: 6, arbitrary: afterHandshake.map((bytes): FuzzCase => ({ mode: 'handshaken', bytes })) },
);

/**
 * Plays one case against the ingest: connects (and shakes hands), sends the bytes, gives the
 * server `lingerMs` to react, then closes. Resolves whatever the server does.
 */
export async function playCase(port: number, c: FuzzCase, lingerMs: number): Promise<void> {
  let client: RawRtmpClient | undefined;
  try {
    client = c.mode === 'raw' ? await RawRtmpClient.connect(port) : await RawRtmpClient.handshaken(port);
    client.write(Buffer.from(c.bytes));
    await client.closedWithin(lingerMs);
  } catch {
    // The server may refuse or close at any point: that is its right.
  } finally {
    client?.destroy();
  }
}
