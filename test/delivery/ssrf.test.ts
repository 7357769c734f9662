/**
 * SSRF guard (docs/delivery.md): with default flags, callbacks to loopback, private, link-local and
 * IPv4-mapped addresses, and to names resolving to them, are refused before connecting: the
 * receiver sees nothing and every attempt is logged with ErrorKind `blocked-address`. No traffic
 * goes to 10.x or 169.254.x: the guard refuses them first, which is what is asserted.
 * `--allow-private-callbacks` and `--allow-callback-cidrs` let a local receiver through.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';
import { bindDomain, callAction, createTemplate, findEvent, sleep, startEvent, streamContext, waitForEvent } from '../helpers/callbacks.js';

const FLAGS = { retryDelayScale: 0.001, shutdownTimeoutMs: 500 };

describe('SSRF guard', () => {
  let rx: Receiver;
  const livehooks: TestLivehook[] = [];
  const start = async (flags: Record<string, unknown>): Promise<TestLivehook> => {
    const lh = await startTestLivehook({ flags: { ...FLAGS, ...flags } });
    livehooks.push(lh);
    return lh;
  };

  before(async () => {
    rx = await Receiver.start();
  });
  after(async () => {
    await rx?.close();
    for (const lh of livehooks) await lh.stop();
  });

  describe('default flags', () => {
    let lh: TestLivehook;
    let client: LiveClient;
    before(async () => {
      lh = await start({});
      client = lh.client();
    });

    const targets = (): [string, string][] => [
      ['loopback literal', `http://127.0.0.1:${rx.port}/ssrf/loopback`],
      ['RFC 1918 private', 'http://10.0.0.1/ssrf/private'],
      ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
      ['IPv4-mapped IPv6 loopback', `http://[::ffff:127.0.0.1]:${rx.port}/ssrf/mapped`],
      ['a name resolving to loopback', `http://localhost:${rx.port}/ssrf/localhost`],
    ];

    test('every refused target: no request reaches the receiver; attempts logged as blocked-address', async () => {
      const emitted: { label: string; domain: string; webhookId: string }[] = [];
      for (const [i, [label, url]] of targets().entries()) {
        const domain = `push${i}.ssrf.example.com`;
        await bindDomain(client, domain, { StreamBeginNotifyUrl: url }, 'SsrfKey');
        const e = await lh.events.emit(startEvent(streamContext(domain, 's', String(i + 1))));
        assert.equal(e.status, 'pending');
        emitted.push({ label, domain, webhookId: e.webhookId });
      }
      for (const { label, domain, webhookId } of emitted) {
        const event = await waitForEvent(client, webhookId, domain, (e) => e.AttemptList.length >= 2);
        for (const a of event.AttemptList) {
          assert.equal(a.ErrorKind, 'blocked-address', `${label}: ${JSON.stringify(a)}`);
          assert.equal(a.StatusCode, 0, label);
        }
        assert.ok(event.AttemptList[0]!.LatencyMs < 1000, `${label}: refused without waiting on a connection`);
      }
      await sleep(100);
      assert.equal(rx.requests.length, 0, 'the local receiver saw nothing');
    });

    test('SendTestCallback to a private URL reports ErrorKind blocked-address', async () => {
      const templateId = await createTemplate(client, { StreamBeginNotifyUrl: `http://127.0.0.1:${rx.port}/ssrf/test` }, 'SsrfKey');
      const r = await callAction<{ Success: boolean; ErrorKind: string; StatusCode: number }>(client, 'SendTestCallback', {
        TemplateId: templateId,
        EventType: 1,
      });
      assert.equal(r.Success, false);
      assert.equal(r.ErrorKind, 'blocked-address');
      assert.equal(r.StatusCode, 0);
      const metadata = await createTemplate(client, { StreamBeginNotifyUrl: 'http://169.254.169.254/latest/meta-data/' });
      const r2 = await callAction<{ Success: boolean; ErrorKind: string }>(client, 'SendTestCallback', { TemplateId: metadata, EventType: 1 });
      assert.deepEqual([r2.Success, r2.ErrorKind], [false, 'blocked-address']);
      assert.equal(rx.requests.length, 0);
    });
  });

  for (const [label, flags] of [
    ['allowPrivateCallbacks: true', { allowPrivateCallbacks: true }],
    ["allowCallbackCidrs: '127.0.0.0/8'", { allowCallbackCidrs: '127.0.0.0/8' }],
  ] as const) {
    test(`with ${label}, the 127.0.0.1 receiver gets the callback`, async () => {
      const lh = await start(flags);
      const client = lh.client();
      const path = `/allowed/${label.split(':')[0]}`;
      const domain = `${label.startsWith('allowPrivate') ? 'private' : 'cidr'}.ssrf.example.com`;
      await bindDomain(client, domain, { StreamBeginNotifyUrl: rx.url(path) }, 'SsrfKey');
      const e = await lh.events.emit(startEvent(streamContext(domain, 's', '77')));
      const [req] = await rx.waitFor(1, { path });
      assert.equal(req?.headers['webhook-id'], e.webhookId);
      const event = await waitForEvent(client, e.webhookId, domain, (x) => x.Status !== 'pending');
      assert.equal(event.Status, 'delivered');
      assert.deepEqual(event.AttemptList.map((a) => [a.StatusCode, a.ErrorKind]), [[200, '']]);
    });
  }

  test("allowCallbackCidrs opens only its own range: 10.0.0.1 stays refused with '127.0.0.0/8'", async () => {
    const lh = await start({ allowCallbackCidrs: '127.0.0.0/8' });
    const client = lh.client();
    const domain = 'cidr-other.ssrf.example.com';
    await bindDomain(client, domain, { StreamBeginNotifyUrl: 'http://10.0.0.1/ssrf/private' });
    const e = await lh.events.emit(startEvent(streamContext(domain, 's', '78')));
    const event = await waitForEvent(client, e.webhookId, domain, (x) => x.AttemptList.length >= 1);
    assert.equal(event.AttemptList[0]!.ErrorKind, 'blocked-address');
    assert.equal((await findEvent(client, e.webhookId, domain))?.Url, 'http://10.0.0.1/ssrf/private');
  });
});
