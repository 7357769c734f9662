/**
 * The callback sender thread (src/delivery/sender-thread.ts) against a real HTTP receiver: what it
 * posts is signed exactly as an in-thread attempt (t, sign = md5(key + t), webhook-* headers), the
 * SSRF guard applies inside the thread, an aborted attempt rejects at once, and when the thread dies
 * its attempts reject (for the dispatcher to release) and the next attempt starts a new thread;
 * and a livehook started with --callback-sender-thread delivers through it.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Worker } from 'node:worker_threads';
import { SenderThreadStoppedError, startSenderThread } from '../../src/delivery/sender-thread.js';
import { startWorker } from '../../src/worker-thread.js';
import { bindDomain, endEvent, startEvent, streamContext, waitUntil } from '../helpers/callbacks.js';
import { startTestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const silent = pino({ level: 'silent' });

async function receiver(t: TestContext, delayMs = 0) {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      setTimeout(() => res.end('{"code":0}'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, got };
}

const attempt = (url: string, n: number) => ({
  url,
  host: new URL(url).host,
  payload: `{"event_type":1,"stream_id":"s${n}"}`,
  callbackKey: 'senderKey',
  webhookId: `msg_${n}`,
});

const options = { allowPrivate: true, perHostConcurrency: 16 };

test('attempts posted from the thread arrive signed, each with its own result', async (t) => {
  const target = await receiver(t);
  const sender = startSenderThread(options, silent);
  t.after(() => sender.close());
  const sent = await Promise.all(Array.from({ length: 50 }, (_, n) => sender.send(attempt(target.url, n))));
  assert.ok(sent.every(({ result }) => result.ok && result.status === 200));
  assert.equal(target.got.length, 50);
  for (const { headers, body } of target.got) {
    const parsed = JSON.parse(body) as { t: number; sign: string; stream_id: string };
    assert.equal(parsed.sign, createHash('md5').update(`senderKey${parsed.t}`).digest('hex'));
    const id = headers['webhook-id'] as string;
    assert.equal(id, `msg_${parsed.stream_id.slice(1)}`);
    const expected = createHmac('sha256', 'senderKey').update(`${id}.${headers['webhook-timestamp']}.${body}`).digest('base64');
    assert.equal(headers['webhook-signature'], `v1,${expected}`);
  }
});

test('the thread keeps the per-host cap: the receiver never sees more at once, and each attempt is signed when it starts', async (t) => {
  // Answers after 150 ms, counting the requests open at once.
  let open = 0;
  let most = 0;
  const timestamps = new Map<string, number>();
  const server = createServer((req, res) => {
    open++;
    most = Math.max(most, open);
    req.resume();
    req.on('end', () => {
      timestamps.set(req.headers['webhook-id'] as string, Number(req.headers['webhook-timestamp']));
      setTimeout(() => (open--, res.end('{"code":0}')), 150);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
  const sender = startSenderThread({ allowPrivate: true, perHostConcurrency: 3 }, silent);
  t.after(() => sender.close());
  assert.equal(sender.perHostConcurrency, 3, 'the dispatcher hands this sender whole host queues');

  const sent = await Promise.all(Array.from({ length: 9 }, (_, n) => sender.send(attempt(url, n))));
  assert.ok(sent.every(({ result }) => result.ok));
  assert.equal(most, 3, 'at most 3 requests open at once');
  // Three waves 150 ms apart: the last wave started ≥ 300 ms after the first, and says so.
  const starts = sent.map((s) => s.startedAt).sort((a, b) => a - b);
  assert.ok(starts[8]! - starts[0]! >= 290, `starts spread ${starts[8]! - starts[0]!} ms`);
  sent.forEach(({ startedAt }, n) => assert.equal(timestamps.get(`msg_${n}`), Math.floor(startedAt / 1000), 'signed with the start it reports'));
});

test('the SSRF guard applies in the thread: a loopback receiver is refused by default', async (t) => {
  const target = await receiver(t);
  const sender = startSenderThread({ perHostConcurrency: 16 }, silent);
  t.after(() => sender.close());
  const { result } = await sender.send(attempt(target.url, 1));
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.kind, 'blocked-address');
  assert.equal(target.got.length, 0);
});

test('an aborted attempt rejects at once, without waiting for the receiver', async (t) => {
  const target = await receiver(t, 5_000);
  const sender = startSenderThread(options, silent);
  t.after(() => sender.close());
  const abort = new AbortController();
  const sent = sender.send(attempt(target.url, 1), abort.signal);
  while (target.got.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const startedAt = Date.now();
  abort.abort(new Error('shutting down'));
  await assert.rejects(sent, /shutting down/);
  assert.ok(Date.now() - startedAt < 1_000);
});

test('a thread that dies rejects the attempts it held; the next attempt starts a new thread', async (t) => {
  const target = await receiver(t, 5_000);
  const threads: Worker[] = [];
  const sender = startSenderThread(options, silent, (...args) => {
    const worker = startWorker(...args);
    threads.push(worker);
    return worker;
  });
  t.after(() => sender.close());
  const held = sender.send(attempt(target.url, 1));
  while (target.got.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await threads[0]!.terminate();
  await assert.rejects(held, SenderThreadStoppedError);

  const quick = await receiver(t);
  const { result } = await sender.send(attempt(quick.url, 2));
  assert.ok(result.ok);
  assert.equal(threads.length, 2, 'a new thread');
});

test('--callback-sender-thread: a livehook delivers its callbacks through the thread, signed and in order', async (t) => {
  const receiver = await Receiver.start();
  const lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, callbackSenderThread: true, shutdownTimeoutMs: 1000 } });
  t.after(async () => {
    await lh.stop();
    await receiver.close();
  });
  await bindDomain(lh.client(), 'push.sender-thread.example.com', { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') }, 'threadKey');
  const context = streamContext('push.sender-thread.example.com', 'threaded', '8001');
  await lh.events.emit(startEvent(context));
  await lh.events.emit(endEvent(context));
  await waitUntil(() => receiver.received().length === 2, { what: 'both callbacks' });
  assert.deepEqual(receiver.received().map((r) => r.path), ['/begin', '/end']);
  for (const r of receiver.received()) {
    const body = r.json as { t: number; sign: string };
    assert.equal(body.sign, createHash('md5').update(`threadKey${body.t}`).digest('hex'));
  }
});
