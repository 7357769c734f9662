/**
 * Resource limits of the embedded ingest (issue 11 §2): connections at once in all and per client
 * IP, a handshake deadline, a deadline for reaching publish or play, and an idle deadline that
 * counts media messages, not bytes. Small limits here; the defaults are in README.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDomain, callAction, forStream, sleep } from '../helpers/callbacks.js';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';
import { MessageType, RawRtmpClient, amf0, chunks, command } from '../helpers/rtmp-client.js';

const DOMAIN = 'push.limits.example.com';
const HANDSHAKE_TIMEOUT_MS = 600;
const SETUP_TIMEOUT_MS = 1200;
const IDLE_TIMEOUT_MS = 1500;
/** Deadlines are checked once a second: a connection goes at most ~1 s after its deadline. */
const SWEEP_SLACK_MS = 1000;
/** Bounds each wait generously (a loaded machine); the assertions are about order, not speed. */
const WAIT_MS = 8000;

/** An RTMP Acknowledgement: bytes on the wire that are not media. */
const acknowledgement = (): Buffer => chunks({ type: 3, payload: Buffer.from([0, 0, 0, 1]), chunkStream: 2 });

describe('embedded RTMP ingest: connection limits and deadlines', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  const open: RawRtmpClient[] = [];

  before(async () => {
    receiver = await Receiver.start();
    livehook = await startTestLivehook({
      flags: {
        allowPrivateCallbacks: true,
        rtmpHandshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
        rtmpSetupTimeoutMs: SETUP_TIMEOUT_MS,
        rtmpIdleTimeoutMs: IDLE_TIMEOUT_MS,
      },
    });
    const client = livehook.client();
    await bindDomain(client, DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });
  });

  after(async () => {
    for (const c of open) c.destroy();
    await livehook?.stop();
    await receiver?.close();
  });

  test('per client IP and in all: connections over the limit are closed at once, and a place frees up when one closes', async () => {
    // Its own livehook, with the default deadlines: the connections within the limits stay.
    const limited = await startTestLivehook({ flags: { rtmpMaxConnections: 6, rtmpMaxConnectionsPerIp: 4 } });
    try {
      // 4 from 127.0.0.1 (the per-IP limit), then 2 from 127.0.0.2 (the total of 6).
      for (let i = 0; i < 4; i++) open.push(await RawRtmpClient.connect(limited.rtmpPort));
      const fifth = await RawRtmpClient.connect(limited.rtmpPort);
      assert.ok(await fifth.closedWithin(WAIT_MS), 'a fifth connection from one address is closed');
      for (let i = 0; i < 2; i++) open.push(await RawRtmpClient.connect(limited.rtmpPort, '127.0.0.2'));
      const seventh = await RawRtmpClient.connect(limited.rtmpPort, '127.0.0.3');
      assert.ok(await seventh.closedWithin(WAIT_MS), 'a seventh connection in all is closed');
      for (const c of open) assert.ok(!c.socket.destroyed, 'the connections within the limits stay open');
      for (const c of open.splice(0)) c.destroy();
      await sleep(300);
      const again = await RawRtmpClient.handshaken(limited.rtmpPort);
      assert.ok(!(await again.closedWithin(200)), 'once the others closed, a new connection is served');
      again.destroy();
    } finally {
      for (const c of open.splice(0)) c.destroy();
      await limited.stop();
    }
  });

  test('a handshake trickled one byte at a time is closed at its deadline', async () => {
    const slow = await RawRtmpClient.connect(livehook.rtmpPort);
    const started = Date.now();
    slow.write(Buffer.from([3]));
    const trickle = setInterval(() => slow.write(Buffer.from([0])), 50);
    try {
      assert.ok(await slow.closedWithin(HANDSHAKE_TIMEOUT_MS + SWEEP_SLACK_MS + WAIT_MS), 'closed');
      assert.ok(Date.now() - started >= HANDSHAKE_TIMEOUT_MS - 50, `closed after ${Date.now() - started} ms, not before its deadline`);
    } finally {
      clearInterval(trickle);
    }
  });

  test('a client that never publishes or plays is closed at the setup deadline, however chatty', async () => {
    const chatty = await RawRtmpClient.handshaken(livehook.rtmpPort);
    const started = Date.now();
    chatty.write(command('connect', 1, { app: 'live', tcUrl: `rtmp://${DOMAIN}/live` }));
    const chatter = setInterval(() => chatty.write(acknowledgement()), 100);
    try {
      assert.ok(await chatty.closedWithin(SETUP_TIMEOUT_MS + SWEEP_SLACK_MS + WAIT_MS), 'closed');
      assert.ok(Date.now() - started >= SETUP_TIMEOUT_MS - 600, `closed after ${Date.now() - started} ms`);
    } finally {
      clearInterval(chatter);
    }
  });

  test('a publisher that keeps sending bytes but no media is ended as idle (errcode 8)', async () => {
    const stream = 'idle_publisher';
    const publisher = await RawRtmpClient.handshaken(livehook.rtmpPort);
    publisher.write(
      Buffer.concat([
        command('connect', 1, { app: 'live', tcUrl: `rtmp://${DOMAIN}/live` }),
        command('createStream', 2, null),
        chunks({ type: MessageType.command, payload: amf0('publish', 0, null, stream, 'live'), streamId: 1 }),
        chunks({ type: MessageType.data, payload: amf0('@setDataFrame', 'onMetaData', { width: 320, height: 240 }), chunkStream: 4, streamId: 1 }),
      ]),
    );
    const [begin] = await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: WAIT_MS });
    assert.ok(begin);
    const chatter = setInterval(() => publisher.write(acknowledgement()), 100);
    try {
      const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: IDLE_TIMEOUT_MS + SWEEP_SLACK_MS + WAIT_MS });
      assert.ok(end);
      assert.equal((end.json as { errcode: number }).errcode, 8, JSON.stringify(end.json));
      assert.ok(end.at - begin.at >= IDLE_TIMEOUT_MS - 600, `ended ${end.at - begin.at} ms after it started`);
      assert.ok(await publisher.closedWithin(WAIT_MS), 'and its connection closed');
    } finally {
      clearInterval(chatter);
    }
  });
});
