/**
 * Quick ACKs in the embedded ingest (src/media/rtmp/quick-ack.ts): a publisher with Nagle on that
 * writes its metadata's chunk header and body apart (as ffmpeg does) sends the body only once the
 * header is acknowledged. livehook acknowledges at once, so push start follows within a few ms;
 * with the kernel's delayed ACK it came 40–45 ms later. The timing is the behaviour under test: the
 * median of several pushes is compared with a bound below that delay, so one slow turn cannot
 * fail it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startIngestTestbed } from '../helpers/ingest-testbed.js';
import type { TestLivehook } from '../helpers/livehook.js';
import { captureLog, type LogLine } from '../helpers/log-capture.js';
import type { Receiver } from '../helpers/receiver.js';
import { MessageType, RawRtmpClient, amf0, chunks, command } from '../helpers/rtmp-client.js';
import { quickAckUnavailable } from '../../src/media/rtmp/quick-ack.js';

const DOMAIN = 'push.quick-ack.example.com';
const PUSHES = 5;
/** Below Linux's minimum delayed ACK (40 ms), which the old way always waited, with room for a busy machine. */
const PROMPT_MS = 30;
/** A type 0 chunk header on chunk stream 4: basic header (1 byte) + message header (11). */
const CHUNK_HEADER_BYTES = 12;

let livehook: TestLivehook;
let receiver: Receiver;
/** When each stream's `push started` line was written, and its line. */
const started = new Map<string, { at: number; line: LogLine }>();

before(async () => {
  ({ livehook, receiver } = await startIngestTestbed(
    DOMAIN,
    captureLog((line) => {
      if (line.msg === 'push started') started.set(String(line.stream), { at: performance.now(), line });
    }),
  ));
});

after(async () => {
  await livehook?.close();
  await receiver?.close();
});

test('the quick-ACK addon is built and loads (npm install builds native/tcp-quick-ack)', () => {
  assert.equal(quickAckUnavailable, undefined, `quick ACKs unavailable: ${quickAckUnavailable}`);
});

/** Publishes `stream` with Nagle on; resolves once livehook has answered Publish.Start. */
async function publish(stream: string): Promise<RawRtmpClient> {
  const client = await RawRtmpClient.handshaken(livehook.rtmpPort);
  client.socket.setNoDelay(false);
  client.write(
    Buffer.concat([
      command('connect', 1, { app: 'live', tcUrl: `rtmp://${DOMAIN}/live` }),
      command('createStream', 2, null),
      chunks({ type: MessageType.command, payload: amf0('publish', 0, null, stream, 'live'), streamId: 1 }),
    ]),
  );
  const deadline = Date.now() + 10_000;
  while (!client.received.includes('NetStream.Publish.Start')) {
    await client.read(client.received.length + 1, deadline - Date.now());
  }
  return client;
}

/** Milliseconds from the metadata's first write to livehook's `push started` line. */
async function metadataToStart(stream: string): Promise<number> {
  const client = await publish(stream);
  try {
    const metadata = chunks({ type: MessageType.data, payload: amf0('@setDataFrame', 'onMetaData', { width: 320, height: 240 }), chunkStream: 4, streamId: 1 });
    const sentAt = performance.now();
    client.write(metadata.subarray(0, CHUNK_HEADER_BYTES));
    client.write(metadata.subarray(CHUNK_HEADER_BYTES));
    const deadline = Date.now() + 10_000;
    while (!started.has(stream)) {
      if (Date.now() > deadline) throw new Error(`no push started line for ${stream}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const { at, line } = started.get(stream)!;
    assert.equal(line.width, 320, 'push start carries the metadata it waited for');
    return at - sentAt;
  } finally {
    client.destroy();
  }
}

test(`metadata written header first with Nagle on: push start within ${PROMPT_MS} ms (median of ${PUSHES})`, async (t) => {
  const delays: number[] = [];
  for (let i = 0; i < PUSHES; i++) delays.push(await metadataToStart(`quick_ack_${i}`));
  const median = [...delays].sort((a, b) => a - b)[Math.floor(PUSHES / 2)]!;
  t.diagnostic(`metadata → push started: ${delays.map((d) => d.toFixed(1)).join(', ')} ms`);
  assert.ok(median < PROMPT_MS, `median ${median.toFixed(1)} ms; each: ${delays.map((d) => d.toFixed(1)).join(', ')} ms`);
});
