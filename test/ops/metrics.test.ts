/**
 * /metrics is current on its own: the delivery backlog gauge is read from the outbox at each
 * scrape, so a scraper that never polls /healthz still sees deliveries waiting on a dead receiver.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDomain, sleep, startEvent, streamContext } from '../helpers/callbacks.js';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const DOMAIN = 'push.metrics.example.com';

describe('/metrics', () => {
  let lh: TestLivehook;
  let receiver: Receiver;

  before(async () => {
    receiver = (await Receiver.start()).blackHole();
    // The black-holed attempt is aborted at stop after this long.
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, shutdownTimeoutMs: 1000 } });
    await bindDomain(lh.client(), DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin') });
  });

  after(async () => {
    await lh?.stop();
    await receiver?.close();
  });

  const gauge = (text: string, measure: string): number =>
    Number(new RegExp(`^livehook_delivery_backlog\\{measure="${measure}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  test('the delivery backlog is read at scrape time, without /healthz', async () => {
    const scrape = async () => (await fetch(`${lh.httpUrl}/metrics`)).text();
    assert.equal(gauge(await scrape(), 'queued'), 0);
    await lh.events.emit(startEvent(streamContext(DOMAIN, 'metrics_stream', '7001')));
    await sleep(1100);
    const text = await scrape();
    assert.equal(gauge(text, 'queued'), 1, 'the black-holed delivery is waiting');
    assert.ok(gauge(text, 'oldest_age_seconds') >= 1, 'and its age grows');
  });
});
