/**
 * Every descriptor of the event registry (src/events/registry.ts) is wired end to end, on a real
 * livehook: its template field is accepted by CreateLiveCallbackTemplate and returned by
 * DescribeLiveCallbackTemplate; SendTestCallback posts its sample to exactly that URL, signed,
 * with exactly the descriptor's fields and types (or refuses plainly when livehook has no
 * sample); DescribeCallbackEvents accepts it as a filter; DescribeCallbackEventTypes lists it
 * for the console; delivery retries it by its policy. (The console form: test/console/template-fields.test.ts.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_TYPES } from '../../src/events/registry.js';
import { maxAttempts } from '../../src/delivery/retry.js';
import { callAction, describeEvents, md5 } from '../helpers/callbacks.js';
import { errorCode, startTestLivehook, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';

const KEY = 'registryKey01';

const jsonType = (value: unknown): string =>
  Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : value === null ? 'null' : typeof value;

describe('event registry: every descriptor is wired', () => {
  let lh: TestLivehook;
  let receiver: Receiver;
  let client: LiveClient;
  let templateId: number;

  before(async () => {
    receiver = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    client = lh.client();
    ({ TemplateId: templateId } = await callAction<{ TemplateId: number }>(client, 'CreateLiveCallbackTemplate', {
      TemplateName: 'registry',
      CallbackKey: KEY,
      ...Object.fromEntries(EVENT_TYPES.map((d) => [d.templateParam, receiver.url(`/type/${d.eventType}`)])),
    }));
  });
  after(async () => {
    await lh?.stop();
    await receiver?.close();
  });

  test('event types and template fields are unique', () => {
    assert.equal(new Set(EVENT_TYPES.map((d) => d.eventType)).size, EVENT_TYPES.length);
    assert.equal(new Set(EVENT_TYPES.map((d) => d.templateParam)).size, EVENT_TYPES.length);
    assert.equal(new Set(EVENT_TYPES.map((d) => d.templateColumn)).size, EVENT_TYPES.length);
    for (const d of EVENT_TYPES) assert.equal(d.note === '', d.delivery === 'sent', `${d.eventType}: a note exactly when it is not sent`);
  });

  test('the template field of each type is stored and described', async () => {
    const { Template } = await callAction<{ Template: Record<string, unknown> }>(client, 'DescribeLiveCallbackTemplate', { TemplateId: templateId });
    for (const d of EVENT_TYPES) assert.equal(Template[d.templateParam], receiver.url(`/type/${d.eventType}`), d.templateParam);
  });

  for (const d of EVENT_TYPES) {
    test(`${d.eventType} (${d.name}): SendTestCallback, DescribeCallbackEvents filter, retry policy`, async () => {
      if (d.sample) {
        const r = await callAction<{ Success: boolean; Url: string }>(client, 'SendTestCallback', { TemplateId: templateId, EventType: d.eventType });
        assert.equal(r.Success, true);
        assert.equal(r.Url, receiver.url(`/type/${d.eventType}`), 'sent to the descriptor’s template field');
        const [received] = await receiver.waitFor(1, { path: `/type/${d.eventType}` });
        const body = received!.json as Record<string, unknown>;
        assert.equal(body.event_type, d.eventType);
        assert.equal(body.sign, md5(KEY + String(body.t)));
        const expected = { ...d.fields, t: 'integer', sign: 'string' };
        assert.deepEqual(Object.keys(body).sort(), Object.keys(expected).sort(), 'exactly the descriptor’s fields');
        for (const [name, type] of Object.entries(expected)) assert.equal(jsonType(body[name]), type, `${name}`);
        const appId = body.appid;
        assert.equal(appId, TEST_APPID);
      } else {
        assert.equal(d.delivery, 'never', 'only an event livehook never sends may lack a sample');
        assert.equal(await errorCode(callAction(client, 'SendTestCallback', { TemplateId: templateId, EventType: d.eventType })), 'InvalidParameterValue');
      }
      const page = await describeEvents(client, { EventType: d.eventType });
      assert.equal(page.TotalNum, 0, 'the filter is accepted');
      assert.equal(maxAttempts('tencent', d.eventType), 1 + d.retry.retries);
    });
  }

  test('DescribeCallbackEventTypes lists every descriptor for the console', async () => {
    const { EventTypeList } = await callAction<{ EventTypeList: Array<Record<string, unknown>> }>(client, 'DescribeCallbackEventTypes');
    assert.deepEqual(
      EventTypeList.map((t) => [t.EventType, t.TemplateField, t.Delivery, t.HasSample]),
      EVENT_TYPES.map((d) => [d.eventType, d.templateParam, d.delivery, d.sample !== undefined]),
    );
  });

  test('an event type outside the registry is refused by the filters', async () => {
    assert.equal(await errorCode(describeEvents(client, { EventType: 318 })), 'InvalidParameterValue');
    assert.equal(await errorCode(callAction(client, 'SendTestCallback', { TemplateId: templateId, EventType: 2 })), 'InvalidParameterValue');
  });
});
