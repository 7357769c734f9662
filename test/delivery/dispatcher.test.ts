/**
 * The dispatcher alone, on the in-memory outbox (test/helpers/memory-outbox.ts) and an HTTP client
 * that never touches the network: each test runs in well under a second. The end-to-end tests
 * (ordering.test.ts, isolation.test.ts, retries.test.ts, crash.test.ts) keep covering the same
 * rules through real processes, SQL and HTTP.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { sendWith, type CallbackSender } from '../../src/delivery/callback-sender.js';
import { Dispatcher, HOST_QUEUE_FACTOR, type DispatcherOptions } from '../../src/delivery/dispatcher.js';
import type { CallbackHttpClient, CallbackResult } from '../../src/delivery/http-client.js';
import type { NewEvent } from '../../src/delivery/outbox.js';
import { MemoryOutbox } from '../helpers/memory-outbox.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let webhook = 0;
function event(url: string, orderKey: string | null, payload: Record<string, unknown> = {}): NewEvent {
  return {
    webhookId: `msg_${++webhook}`,
    appId: 1,
    domain: 'push.example.com',
    appName: 'live',
    stream: 's',
    eventType: 1,
    sequence: orderKey ?? '',
    payload: JSON.stringify(payload),
    templateId: 1,
    url,
    callbackKey: 'key',
    orderKey,
    status: 'pending',
  };
}

/** An HTTP client whose answers the test decides; it records who was in flight when. */
class FakeHttp implements CallbackHttpClient {
  readonly sent: { url: string; body: Record<string, unknown> }[] = [];
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  constructor(readonly answer: (url: string, body: Record<string, unknown>, signal?: AbortSignal) => Promise<CallbackResult>) {}

  async post(url: string, body: string, _headers: Record<string, string>, signal?: AbortSignal): Promise<CallbackResult> {
    const host = new URL(url).host;
    const now = (this.inFlight.get(host) ?? 0) + 1;
    this.inFlight.set(host, now);
    this.maxInFlight.set(host, Math.max(now, this.maxInFlight.get(host) ?? 0));
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      this.sent.push({ url, body: parsed });
      return await this.answer(url, parsed, signal);
    } finally {
      this.inFlight.set(host, this.inFlight.get(host)! - 1);
    }
  }

  async close(): Promise<void> {}
}

const ok = (): CallbackResult => ({ ok: true, status: 200, latencyMs: 1, responseExcerpt: '' });
const status = (code: number): CallbackResult => ({ ok: false, kind: 'status', status: code, latencyMs: 1, message: `HTTP ${code}` });

function dispatcher(outbox: MemoryOutbox, http: CallbackHttpClient, options: Partial<DispatcherOptions> = {}): Dispatcher {
  return new Dispatcher({ outbox, sender: sendWith(http), log: silent, schedule: 'tencent', leaseMs: 30_000, idlePollMs: 20, ...options });
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('dispatcher on the in-memory outbox', () => {
  test('events of one session arrive in order, whatever the answer times; sessions do not wait on each other', async () => {
    const outbox = new MemoryOutbox();
    const http = new FakeHttp(async () => {
      await sleep(Math.random() * 5);
      return ok();
    });
    const d = dispatcher(outbox, http);
    d.start();
    const sessions = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < 10; i++) {
      await outbox.enqueue(sessions.map((s) => event('http://receiver.example.com/cb', s, { session: s, n: i })));
      d.wake();
    }
    await until('every event delivered', () => http.sent.length === 40);
    await d.stop(1000);
    for (const s of sessions) {
      assert.deepEqual(http.sent.filter((r) => r.body.session === s).map((r) => r.body.n), [...Array(10).keys()], `session ${s} in order`);
    }
    assert.equal(outbox.queued, 0);
    assert.ok([...outbox.events.values()].every((e) => e.status === 'delivered'));
  });

  test('a host that never answers holds at most its concurrency in flight; other hosts go on', async () => {
    const outbox = new MemoryOutbox();
    const http = new FakeHttp(async (url, _body, signal) => {
      if (url.includes('stuck')) await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
      return ok();
    });
    const d = dispatcher(outbox, http, { perHostConcurrency: 4, claimBatch: 16 });
    d.start();
    await outbox.enqueue(Array.from({ length: 100 }, () => event('http://stuck.example.com/cb', null)));
    await outbox.enqueue(Array.from({ length: 50 }, () => event('http://fine.example.com/cb', null)));
    d.wake();
    await until('the healthy host served', () => http.sent.filter((r) => r.url.includes('fine')).length === 50);
    assert.equal(http.maxInFlight.get('stuck.example.com'), 4, 'the stuck host never had more than 4 in flight');
    // stop()'s deadline timer is unref'd (it must not hold a real process open); here nothing
    // else would keep the event loop alive until it fires.
    const keepAlive = setInterval(() => {}, 1000);
    await d.stop(10);
    clearInterval(keepAlive);
    // Stopping aborted the stuck attempts: nothing is left claimed (the outbox throws on a bad release).
    assert.equal(d.claimed, 0);
    assert.equal(outbox.queued, 100, 'every undelivered event is still queued for later');
  });

  test('new deliveries for a saturated host cost no claim; one for a host with room does', async () => {
    const outbox = new MemoryOutbox();
    // Claims that came back empty: once the host is saturated, the loop's next look finds nothing.
    let emptyClaims = 0;
    const claimDue = outbox.claimDue.bind(outbox);
    outbox.claimDue = async (options) => {
      const rows = await claimDue(options);
      if (rows.length === 0) emptyClaims++;
      return rows;
    };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const http = new FakeHttp(async (url) => {
      if (url.includes('slow')) await gate;
      return ok();
    });
    const perHostConcurrency = 2;
    const hostLimit = perHostConcurrency * HOST_QUEUE_FACTOR;
    // No idle poll within the test: only wakes make claims.
    const d = dispatcher(outbox, http, { perHostConcurrency, claimBatch: 4, idlePollMs: 60_000 });
    const slow = 'http://slow.example.com/cb';
    // Queued before the start, so the loop's first looks fill the host and the next finds nothing.
    await outbox.enqueue(Array.from({ length: hostLimit + 8 }, () => event(slow, null)));
    d.start();
    try {
      await until('the slow host saturated and the loop asleep after one more look', () => d.claimed === hostLimit && emptyClaims === 1);
      const claims = d.claims;

      const more = Array.from({ length: 4 }, () => event(slow, null));
      await outbox.enqueue(more);
      d.enqueued(more.map((e) => e.url));
      await sleep(50); // the fixed wait is what is tested: a claim would follow the wake at once
      assert.equal(d.claims, claims, 'no claim for rows only a saturated host could take');

      const other = event('http://other.example.com/cb', null);
      await outbox.enqueue([other]);
      d.enqueued([slow, other.url]);
      await until('the other host served', () => http.sent.some((r) => r.url === other.url));
      assert.ok(d.claims > claims);

      release();
      await until('every event delivered', () => http.sent.length === hostLimit + 8 + 4 + 1);
    } finally {
      release();
      await d.stop(1000);
    }
  });

  test('a sender that keeps the per-host cap itself is handed the host\'s whole share of rows at once', async () => {
    const outbox = new MemoryOutbox();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handed = 0;
    const perHostConcurrency = 2;
    const sender: CallbackSender = {
      perHostConcurrency,
      send: async () => {
        handed++;
        await gate;
        return { startedAt: Date.now(), result: ok() };
      },
      close: async () => {},
    };
    const hostLimit = perHostConcurrency * HOST_QUEUE_FACTOR;
    const d = new Dispatcher({ outbox, sender, log: silent, schedule: 'tencent', leaseMs: 30_000, idlePollMs: 20, perHostConcurrency });
    await outbox.enqueue(Array.from({ length: hostLimit + 5 }, () => event('http://receiver.example.com/cb', null)));
    d.start();
    try {
      await until('the host share handed over', () => handed === hostLimit);
      await sleep(50);
      assert.equal(handed, hostLimit, 'the host queue, not the cap of 2: the sender queues them itself');
      release();
      await until('every event recorded', () => outbox.queued === 0);
      assert.equal(handed, hostLimit + 5);
    } finally {
      release();
      await d.stop(1000);
    }
  });

  test('a failed attempt is retried at its scheduled time and recorded once per attempt', async () => {
    const outbox = new MemoryOutbox();
    let calls = 0;
    const http = new FakeHttp(async () => (++calls <= 2 ? status(500) : ok()));
    // Tencent's schedule (1 min steps) compressed to 10 ms.
    const d = dispatcher(outbox, http, { retryDelayScale: 10 / 60_000 });
    d.start();
    const [id] = await outbox.enqueue([event('http://receiver.example.com/cb', 'x')]);
    d.wake();
    await until('delivered on the third attempt', () => outbox.events.get(id!)!.status === 'delivered');
    await d.stop(1000);
    assert.deepEqual(outbox.attempts.map((a) => [a.attempt, a.status]), [[1, 500], [2, 500], [3, 200]]);
    assert.equal(outbox.events.get(id!)!.attempts, 3);
  });

  test('the next event of a session waits while its predecessor is being retried', async () => {
    const outbox = new MemoryOutbox();
    let first = true;
    const http = new FakeHttp(async (_url, body) => {
      if (body.n === 0 && first) {
        first = false;
        return status(503);
      }
      return ok();
    });
    const d = dispatcher(outbox, http, { retryDelayScale: 30 / 60_000 });
    d.start();
    await outbox.enqueue([event('http://receiver.example.com/cb', 's', { n: 0 }), event('http://receiver.example.com/cb', 's', { n: 1 })]);
    d.wake();
    await until('both delivered', () => [...outbox.events.values()].every((e) => e.status === 'delivered'));
    await d.stop(1000);
    assert.deepEqual(http.sent.map((r) => r.body.n), [0, 0, 1], 'n=1 only after n=0 was finally delivered');
  });
});
