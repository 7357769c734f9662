/**
 * Per-session order (docs/delivery.md): a push end never overtakes its push start, even when the two go to
 * different URLs on different hosts and the start needs retries; a start that fails for good
 * still lets its end go out afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { allEvents, bindDomain, endEvent, startEvent, streamContext, waitForEvent } from '../helpers/callbacks.js';

const KEY = 'OrderKey42';
const SESSIONS = 50;

const sequenceOf = (r: ReceivedRequest): string => (r.json as { sequence: string }).sequence;

describe('push end never overtakes push start', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let starts: Receiver;
  let ends: Receiver;

  before(async () => {
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, retryDelayScale: 0.001, shutdownTimeoutMs: 1000 } });
    client = lh.client();
    starts = await Receiver.start();
    ends = await Receiver.start();
  });
  after(async () => {
    await starts?.close();
    await ends?.close();
    await lh?.stop();
  });

  test(`${SESSIONS} sessions, start and end on different hosts, every start failing twice first`, async () => {
    const domain = 'push.order.example.com';
    await bindDomain(client, domain, { StreamBeginNotifyUrl: starts.url('/start'), StreamEndNotifyUrl: ends.url('/end') }, KEY);
    // Each start: 500 on its first two attempts, 200 on the third (counted per session).
    const seen = new Map<string, number>();
    starts.respond((req) => {
      const seq = sequenceOf(req);
      const count = (seen.get(seq) ?? 0) + 1;
      seen.set(seq, count);
      return count <= 2 ? 500 : 200;
    });
    const sequences = Array.from({ length: SESSIONS }, (_, i) => String(7_000_000_000_000_000_000n + BigInt(i)));
    // Start and end of every session in one burst: the end is emitted right after its start.
    const emitted = await Promise.all(
      sequences.flatMap((seq) => {
        const c = streamContext(domain, `stream_${seq.slice(-3)}`, seq);
        return [lh.events.emit(startEvent(c)), lh.events.emit(endEvent(c))];
      }),
    );
    assert.ok(emitted.every((e) => e.status === 'pending'));

    await ends.waitFor(SESSIONS, { timeoutMs: 15_000 });
    await starts.waitFor(3 * SESSIONS, { timeoutMs: 15_000 });
    for (const seq of sequences) {
      const startAttempts = starts.received((r) => sequenceOf(r) === seq);
      const endAttempts = ends.received((r) => sequenceOf(r) === seq);
      assert.equal(startAttempts.length, 3, `session ${seq}: 3 start attempts`);
      assert.equal(endAttempts.length, 1, `session ${seq}: one end`);
      const success = startAttempts[2]!;
      const end = endAttempts[0]!;
      assert.ok(end.order > success.order, `session ${seq}: end arrived after the start's successful attempt`);
      assert.ok(end.hrAt >= success.hrAt, `session ${seq}: end time ${end.hrAt} >= start success ${success.hrAt}`);
    }

    const log = await allEvents(client, { DomainName: domain });
    assert.equal(log.length, 2 * SESSIONS);
    const notDelivered = log.filter((e) => e.Status !== 'delivered');
    if (notDelivered.length > 0) {
      // Ends are recorded a moment after they arrive.
      for (const e of notDelivered) await waitForEvent(client, e.EventId, domain, (x) => x.Status === 'delivered');
    }
    const final = await allEvents(client, { DomainName: domain });
    assert.equal(final.filter((e) => e.Status === 'delivered').length, 2 * SESSIONS, 'all 100 events delivered');
    assert.ok(final.filter((e) => e.EventType === 1).every((e) => e.Attempts === 3));
    assert.ok(final.filter((e) => e.EventType === 0).every((e) => e.Attempts === 1));
  });

  test('a start that fails for good (all 13 attempts) still lets its end go out, afterwards', async () => {
    const domain = 'push.order-dead.example.com';
    await bindDomain(client, domain, { StreamBeginNotifyUrl: starts.url('/dead-start'), StreamEndNotifyUrl: ends.url('/after-dead') }, KEY);
    starts.respond((req) => (req.path === '/dead-start' ? 500 : 200));
    const c = streamContext(domain, 'dead', '999');
    const start = await lh.events.emit(startEvent(c));
    const end = await lh.events.emit(endEvent(c));

    const [endReq] = await ends.waitFor(1, { path: '/after-dead', timeoutMs: 15_000 });
    assert.ok(endReq);
    const startAttempts = starts.onPath('/dead-start');
    assert.equal(startAttempts.length, 13, 'the end waited for every retry of the start');
    assert.ok(endReq.order > startAttempts.at(-1)!.order, 'the end went out after the last start attempt');

    const startEventInfo = await waitForEvent(client, start.webhookId, domain, (e) => e.Status !== 'pending');
    assert.equal(startEventInfo.Status, 'failed');
    const endEventInfo = await waitForEvent(client, end.webhookId, domain, (e) => e.Status !== 'pending');
    assert.equal(endEventInfo.Status, 'delivered');
  });
});
