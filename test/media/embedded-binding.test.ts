/**
 * Binding and real pushes (README: "a binding change applies to the very next event"):
 * no binding → the push works but nothing is called back (the events are logged as
 * `no_callback`); unbinding between two pushes silences the second; rebinding makes the very next
 * push call back, with no waiting.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callAction, describeEvents, forStream, sleep, waitUntil, type EventInfo } from '../helpers/callbacks.js';
import { describeResult, push, requireFfmpeg } from '../helpers/ffmpeg.js';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

describe('embedded RTMP ingest and callback bindings', () => {
  let livehook: TestLivehook;
  let receiver: Receiver;
  let client: LiveClient;
  let rtmpBase: string;

  before(async () => {
    requireFfmpeg();
    receiver = await Receiver.start();
    livehook = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = livehook.client();
    rtmpBase = `rtmp://127.0.0.1:${livehook.rtmpPort}/live`;
  });

  after(async () => {
    await livehook?.stop();
    await receiver?.close();
  });

  async function addDomain(domain: string): Promise<void> {
    await callAction(client, 'AddLiveDomain', { DomainName: domain, DomainType: 0 });
    await callAction(client, 'ModifyLivePushAuthKey', { DomainName: domain, Enable: 0 });
  }

  async function createTemplate(name: string): Promise<number> {
    const { TemplateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
      TemplateName: name,
      StreamBeginNotifyUrl: receiver.url('/begin'),
      StreamEndNotifyUrl: receiver.url('/end'),
      CallbackKey: 'bindingKey',
    });
    return TemplateId;
  }

  /** A 1.5 s push that must succeed. */
  async function pushOnce(domain: string, stream: string): Promise<void> {
    const result = await push({ url: `${rtmpBase}/${stream}`, tcUrl: `rtmp://${domain}/live`, seconds: 1.5 });
    assert.equal(result.code, 0, describeResult(result));
  }

  /**
   * The events of a stream's push, once both are in the event log and neither is still pending;
   * throws (naming what the log held) when that does not happen within 5 s.
   */
  async function loggedEvents(domain: string, stream: string): Promise<EventInfo[]> {
    let seen: EventInfo[] = [];
    try {
      return await waitUntil(
        async () => {
          seen = (await describeEvents(client, { DomainName: domain, StreamName: stream, PageSize: 100 })).EventList;
          return seen.length >= 2 && seen.every((e) => e.Status !== 'pending') ? seen : undefined;
        },
        { timeoutMs: 5000, intervalMs: 25, what: `both events of ${stream} logged and finished` },
      );
    } catch (error) {
      const held = JSON.stringify(seen.map((e) => [e.EventType, e.Status]));
      throw new Error(`${(error as Error).message}; the log held ${held}`, { cause: error });
    }
  }

  test('no binding: the push works, nothing is called back, both events are logged as no_callback', async () => {
    const domain = 'unbound.binding.example.com';
    await addDomain(domain);
    const stream = 'unbound_1';
    await pushOnce(domain, stream);
    const events = await loggedEvents(domain, stream);
    assert.deepEqual(events.map((e) => e.EventType).sort(), [0, 1], JSON.stringify(events));
    for (const e of events) {
      assert.equal(e.Status, 'no_callback');
      assert.equal(e.Url, '');
    }
    assert.equal(events[0]?.Sequence, events[1]?.Sequence);
    const noCallback = await describeEvents(client, { DomainName: domain, Status: 'no_callback' });
    assert.equal(noCallback.TotalNum, 2);
    await sleep(300);
    assert.equal(receiver.received(forStream(stream)).length, 0, 'the receiver got nothing');
  });

  test('unbind between two pushes silences the second; rebind calls back on the very next push', async () => {
    const domain = 'bound.binding.example.com';
    await addDomain(domain);
    const templateId = await createTemplate('binding_tpl');
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: '', TemplateId: templateId });

    // Bound: both callbacks.
    await pushOnce(domain, 'bound_1');
    await receiver.waitFor(1, { path: '/end', filter: forStream('bound_1'), timeoutMs: 5000 });
    assert.equal(receiver.received(forStream('bound_1')).length, 2);

    // Unbound: the push still works, nothing is called back.
    await callAction(client, 'DeleteLiveCallbackRule', { DomainName: domain, AppName: '' });
    await pushOnce(domain, 'bound_2');
    const silenced = await loggedEvents(domain, 'bound_2');
    assert.deepEqual(silenced.map((e) => [e.EventType, e.Status]).sort(), [[0, 'no_callback'], [1, 'no_callback']]);

    // Rebound: the very next push calls back.
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: '', TemplateId: templateId });
    await pushOnce(domain, 'bound_3');
    const [begin] = await receiver.waitFor(1, { path: '/begin', filter: forStream('bound_3'), timeoutMs: 5000 });
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream('bound_3'), timeoutMs: 5000 });
    assert.equal((begin?.json as { sequence: string }).sequence, (end?.json as { sequence: string }).sequence);
    const delivered = await loggedEvents(domain, 'bound_3');
    assert.deepEqual(
      delivered.map((e) => [e.EventType, e.TemplateId, e.Url, e.Status]).sort(),
      [
        [0, templateId, receiver.url('/end'), 'delivered'],
        [1, templateId, receiver.url('/begin'), 'delivered'],
      ],
    );

    await sleep(300);
    assert.equal(receiver.received(forStream('bound_2')).length, 0, 'the push made while unbound was never called back');
  });

  test('an app-specific rule takes precedence over the domain-wide one, for the next push', async () => {
    const domain = 'app.binding.example.com';
    await addDomain(domain);
    const wide = await createTemplate('binding_wide');
    const { TemplateId: specific } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
      TemplateName: 'binding_app',
      StreamBeginNotifyUrl: receiver.url('/app-begin'),
      StreamEndNotifyUrl: receiver.url('/app-end'),
    });
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: '', TemplateId: wide });
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: domain, AppName: 'live', TemplateId: specific });
    await pushOnce(domain, 'app_1');
    await receiver.waitFor(1, { path: '/app-end', filter: forStream('app_1'), timeoutMs: 5000 });
    assert.deepEqual(receiver.received(forStream('app_1')).map((r) => r.path), ['/app-begin', '/app-end']);
  });
});
