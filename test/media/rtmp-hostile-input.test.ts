/**
 * Hostile RTMP input after a valid handshake (issue 11 §1): each bad message closes that
 * connection only, with one log line naming the peer and the reason; livehook goes on serving
 * its API and taking pushes. Sent by a raw client (test/helpers/rtmp-client.ts), not ffmpeg.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forStream } from '../helpers/callbacks.js';
import { describeResult, push } from '../helpers/ffmpeg.js';
import { startIngestTestbed } from '../helpers/ingest-testbed.js';
import type { TestLivehook } from '../helpers/livehook.js';
import { captureLog } from '../helpers/log-capture.js';
import type { Receiver } from '../helpers/receiver.js';
import { MessageType, RawRtmpClient, amf0, chunks, command } from '../helpers/rtmp-client.js';

const DOMAIN = 'push.hostile.example.com';
const CONNECT = { app: 'live', tcUrl: `rtmp://${DOMAIN}/live`, flashVer: 'FMLE/3.0', type: 'nonprivate' };
/** A refused connection is closed at once; this only bounds a test that would otherwise hang. */
const CLOSE_WITHIN_MS = 3000;

interface LogLine {
  msg: string;
  reason?: string;
  clientIp?: string;
  clientPort?: number;
  err?: { message?: string };
}

const setChunkSize = (size: number): Buffer => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size);
  return chunks({ type: MessageType.setChunkSize, payload, chunkStream: 2 });
};

/** Each case: the bytes sent after the handshake, and a fragment of the logged reason. */
const CASES: { what: string; bytes: () => Buffer; reason: RegExp }[] = [
  { what: 'connect with no command object', bytes: () => command('connect', 1), reason: /connect without a command object/ },
  { what: 'connect whose command object is a number', bytes: () => command('connect', 1, 42), reason: /connect without a command object/ },
  { what: 'connect without tcUrl', bytes: () => command('connect', 1, { app: 'live' }), reason: /connect without a tcUrl/ },
  { what: 'connect whose tcUrl is not a URL', bytes: () => command('connect', 1, { ...CONNECT, tcUrl: 'not a url' }), reason: /tcUrl is not a URL/ },
  { what: 'connect whose tcUrl is a number', bytes: () => command('connect', 1, { ...CONNECT, tcUrl: 7 }), reason: /connect without a tcUrl/ },
  { what: 'an AMF string cut short', bytes: () => command(Buffer.from([0x02, 0x00, 0x07, ...Buffer.from('conn')])), reason: /truncated AMF0 string/ },
  { what: 'an AMF number cut short', bytes: () => command('connect', Buffer.from([0x00, 0x3f, 0xf0, 0x00])), reason: /truncated AMF0 number/ },
  { what: 'an AMF object cut short', bytes: () => command('connect', 1, Buffer.from([0x03, 0x00, 0x03, ...Buffer.from('app'), 0x02, 0x00])), reason: /truncated AMF0/ },
  { what: 'a strict array claiming 4 billion entries', bytes: () => command('connect', 1, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff])), reason: /truncated AMF0 strict array/ },
  { what: 'an unknown AMF type marker', bytes: () => command('connect', 1, Buffer.from([0x11, 0x00])), reason: /unsupported AMF0 type marker/ },
  { what: 'a command without a name', bytes: () => command(1, 2), reason: /without a command name/ },
  { what: 'publish before connect', bytes: () => command('publish', 0, null, 'stream', 'live'), reason: /publish before connect/ },
  { what: 'play before connect', bytes: () => command('play', 0, null, 'stream'), reason: /play before connect/ },
  { what: 'createStream before connect', bytes: () => command('createStream', 2, null), reason: /createStream before connect/ },
  { what: 'connect twice', bytes: () => Buffer.concat([command('connect', 1, CONNECT), command('connect', 2, CONNECT)]), reason: /connect sent twice/ },
  {
    what: 'publish without a stream name',
    bytes: () => Buffer.concat([command('connect', 1, CONNECT), command('publish', 0, null, 7)]),
    reason: /publish without a stream name/,
  },
  {
    what: 'publish of a stream name with a path in it',
    bytes: () => Buffer.concat([command('connect', 1, CONNECT), command('publish', 0, null, '../../etc/passwd')]),
    reason: /the stream name may only use A-Z a-z 0-9 _ -/,
  },
  { what: 'set chunk size 0', bytes: () => setChunkSize(0), reason: /set chunk size 0 out of range/ },
  { what: 'a 16 MiB message before publish', bytes: () => chunks({ type: MessageType.command, payload: Buffer.alloc(10), length: 0xffffff }), reason: /message of 16777215 bytes/ },
  {
    what: 'a publisher declaring two 7 MiB messages at once',
    bytes: () =>
      Buffer.concat([
        command('connect', 1, CONNECT),
        command('createStream', 2, null),
        chunks({ type: MessageType.command, payload: amf0('publish', 0, null, 'declares_much', 'live'), streamId: 1 }),
        // One full 128-byte chunk each (the default chunk size), so the next chunk header is read.
        chunks({ type: MessageType.video, payload: Buffer.alloc(128), length: 7 * 1024 * 1024, chunkStream: 6, streamId: 1 }),
        chunks({ type: MessageType.video, payload: Buffer.alloc(128), length: 7 * 1024 * 1024, chunkStream: 7, streamId: 1 }),
      ]),
    reason: /messages in progress would hold \d+ bytes/,
  },
  { what: 'an RTMP version other than 3', bytes: () => Buffer.alloc(0), reason: /RTMP version 6/ },
];

describe('embedded RTMP ingest: hostile input closes one connection, never the process', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  const lines: LogLine[] = [];

  before(async () => {
    ({ livehook, receiver } = await startIngestTestbed(DOMAIN, captureLog((line) => lines.push(line))));
  });

  after(async () => {
    await livehook?.stop();
    await receiver?.close();
  });

  for (const c of CASES) {
    test(`${c.what}: that connection is closed and logged once with the peer's address`, async () => {
      const rtmp =
        c.what === 'an RTMP version other than 3' ? await RawRtmpClient.connect(livehook.rtmpPort) : await RawRtmpClient.handshaken(livehook.rtmpPort);
      if (c.what === 'an RTMP version other than 3') rtmp.write(Buffer.concat([Buffer.from([6]), Buffer.alloc(1536)]));
      const port = rtmp.socket.localPort;
      const before = lines.length;
      rtmp.write(c.bytes());
      assert.ok(await rtmp.closedWithin(CLOSE_WITHIN_MS), 'livehook closed the connection');
      const logged = lines.slice(before).filter((l) => l.clientPort === port);
      assert.equal(logged.length, 1, `one log line for the connection: ${JSON.stringify(logged)}`);
      assert.match(logged[0]?.reason ?? '', c.reason);
      assert.match(logged[0]?.clientIp ?? '', /127\.0\.0\.1/);
      const health = await fetch(`${livehook.httpUrl}/healthz`);
      assert.equal(health.status, 200, 'the API still answers');
    });
  }

  test('after all of it, a well-formed ffmpeg push still starts and ends', async () => {
    const stream = 'after_hostile';
    const result = await push({ url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}`, tcUrl: `rtmp://${DOMAIN}/live`, seconds: 1 });
    assert.equal(result.code, 0, describeResult(result));
    await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 5000 });
    await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 5000 });
    assert.ok(!lines.some((l) => l.msg.includes('error while handling')), 'no connection failed with an unexpected error');
  });
});
