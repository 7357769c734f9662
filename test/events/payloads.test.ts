/**
 * Event payloads on the wire, checked against Tencent's field tables (docs/tencent-compat.md
 * ) and livehook's signing promises (docs/delivery.md): each event type is built with the
 * builders, emitted through a bound template, received by a real HTTP server and checked field by
 * field. Also: which URL gets which type, unbound domains, templates without the type's URL, and a
 * binding change applying to the very next event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startTestLivehook, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { flatHeaders, Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import {
  allUrls,
  bindDomain,
  callAction,
  createTemplate,
  describeEvents,
  endEvent,
  EVENT_BUILDERS,
  md5,
  pornEvent,
  recordEvent,
  snapshotEvent,
  startEvent,
  streamContext,
  waitUntil,
} from '../helpers/callbacks.js';

const KEY = 'TencentKey0123456789abcdefXYZ';
const DOMAIN = 'push.payloads.example.com';
const UNSIGNED_DOMAIN = 'push.unsigned.payloads.example.com';
const UNBOUND_DOMAIN = 'push.unbound.payloads.example.com';
const PARTIAL_DOMAIN = 'push.partial.payloads.example.com';
const REBIND_DOMAIN = 'push.rebind.payloads.example.com';

type JsType = 'string' | 'number' | 'integer' | 'array' | 'object';

/** Tencent's push fields, shared by 1 and 0; `push_duration` only on 0. */
const PUSH_FIELDS: Record<string, JsType> = {
  appid: 'integer',
  app: 'string',
  appname: 'string',
  stream_id: 'string',
  channel_id: 'string',
  event_time: 'integer',
  sequence: 'string',
  node: 'string',
  user_ip: 'string',
  stream_param: 'string',
  errcode: 'integer',
  errmsg: 'string',
  set_id: 'integer',
  width: 'integer',
  height: 'integer',
  event_type: 'integer',
};

/** Recording file (100). */
const RECORD_FIELDS: Record<string, JsType> = {
  event_type: 'integer',
  appid: 'integer',
  app: 'string',
  appname: 'string',
  stream_id: 'string',
  channel_id: 'string',
  file_id: 'string',
  record_file_id: 'string',
  file_format: 'string',
  task_id: 'string',
  start_time: 'integer',
  end_time: 'integer',
  start_time_usec: 'integer',
  end_time_usec: 'integer',
  duration: 'integer',
  file_size: 'integer',
  stream_param: 'string',
  video_url: 'string',
  media_start_time: 'integer',
  record_bps: 'integer',
  callback_ext: 'string',
};

/** Screenshot (200) (plus `appid`, which docs/tencent-compat.md promises on every event). */
const SNAPSHOT_FIELDS: Record<string, JsType> = {
  event_type: 'integer',
  appid: 'integer',
  app: 'string',
  appname: 'string',
  stream_param: 'string',
  stream_id: 'string',
  channel_id: 'string',
  create_time: 'integer',
  file_size: 'integer',
  width: 'integer',
  height: 'integer',
  pic_url: 'string',
  pic_full_url: 'string',
};

/** Porn detection (317), current format: every required field and the optional ones livehook fills (docs/tencent-compat.md). */
const PORN_FIELDS: Record<string, JsType> = {
  event_type: 'integer',
  appid: 'integer',
  app: 'string',
  appname: 'string',
  streamId: 'string',
  channelId: 'string',
  stream_param: 'string',
  img: 'string',
  type: 'array',
  score: 'array',
  ocrMsg: 'string',
  suggestion: 'string',
  label: 'string',
  subLabel: 'string',
  labelResults: 'array',
  screenshotTime: 'integer',
  sendTime: 'integer',
};

/** Every field name Tencent documents for 317 (required or optional), current and common. */
const TENCENT_PORN_NAMES = new Set([
  'streamId', 'channelId', 'img', 'type', 'score', 'ocrMsg', 'suggestion', 'label', 'subLabel', 'labelResults',
  'objectResults', 'ocrResults', 'libResults', 'screenshotTime', 'sendTime', 'stream_param', 'app', 'appid', 'appname',
  'event_type', 't', 'sign',
]);
const TENCENT_PORN_REQUIRED = ['img', 'type', 'score', 'suggestion', 'label', 'subLabel', 'screenshotTime', 'sendTime'];

const SIGNED: Record<string, JsType> = { t: 'integer', sign: 'string' };

function typeOf(value: unknown): JsType | 'other' {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  if (value !== null && typeof value === 'object') return 'object';
  return 'other';
}

/** Exact field set and the JS type of each field. */
function assertShape(body: Record<string, unknown>, expected: Record<string, JsType>): void {
  assert.deepEqual(Object.keys(body).sort(), Object.keys(expected).sort(), 'field names: none missing, none extra');
  for (const [name, type] of Object.entries(expected)) {
    assert.equal(typeOf(body[name]), type, `type of ${name} (${JSON.stringify(body[name])})`);
  }
}

/** `t` ≈ send time + 600 and `sign` = md5(key + t), computed here independently. */
function assertTencentSignature(req: ReceivedRequest, key: string): void {
  const body = req.json as { t: number; sign: string };
  const expected = Math.floor(req.at / 1000) + 600;
  assert.ok(Math.abs(body.t - expected) <= 2, `t=${body.t} should be about now + 600 (${expected})`);
  assert.match(body.sign, /^[0-9a-f]{32}$/);
  assert.equal(body.sign, md5(key + String(body.t)));
}

/** Standard Webhooks headers, verified by the reference library with the key's UTF-8 bytes. */
function assertStandardWebhook(req: ReceivedRequest, key: string): void {
  const wh = new Webhook(Buffer.from(key, 'utf8').toString('base64'));
  assert.doesNotThrow(() => wh.verify(req.rawBody, flatHeaders(req.headers)), 'webhook-signature verifies');
  assert.match(String(req.headers['webhook-id']), /^msg_[0-9a-f]{32}$/);
  assert.ok(Math.abs(Number(req.headers['webhook-timestamp']) - req.at / 1000) < 5);
  // A tampered body must not verify (the signature covers the exact bytes).
  assert.throws(() => wh.verify(req.rawBody.replace('"t":', '"t": '), flatHeaders(req.headers)));
}

function assertTransport(req: ReceivedRequest): void {
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(typeof req.json, 'object', 'the body is a JSON object');
}

describe('event payloads on the wire', () => {
  let lh: TestLivehook;
  let client: LiveClient;
  let rx: Receiver;
  let rx2: Receiver;

  before(async () => {
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true, retryDelayScale: 0.001 } });
    client = lh.client();
    rx = await Receiver.start();
    rx2 = await Receiver.start();
    await bindDomain(client, DOMAIN, allUrls((p) => rx.url(p)), KEY);
    await bindDomain(client, UNSIGNED_DOMAIN, allUrls((p) => rx.url(`/unsigned${p}`)));
    await callAction(client, 'AddLiveDomain', { DomainName: UNBOUND_DOMAIN, DomainType: 0 });
    await bindDomain(client, PARTIAL_DOMAIN, { StreamBeginNotifyUrl: rx.url('/partial-begin') }, KEY);
  });
  after(async () => {
    await rx?.close();
    await rx2?.close();
    await lh?.stop();
  });

  test('push start (1): the Tencent fields and types, to StreamBeginNotifyUrl, signed both ways', async () => {
    const c = streamContext(DOMAIN, 'stream_begin', '6674468118806626493');
    const emitted = await lh.events.emit(startEvent(c));
    assert.equal(emitted.status, 'pending');
    const [req] = await rx.waitFor(1, { path: '/begin' });
    assert.ok(req);
    assertTransport(req);
    const body = req.json as Record<string, unknown>;
    assertShape(body, { ...PUSH_FIELDS, ...SIGNED });
    assert.equal(body.event_type, 1);
    assert.equal(body.appid, TEST_APPID);
    assert.equal(body.app, DOMAIN);
    assert.equal(body.appname, 'live');
    assert.equal(body.stream_id, 'stream_begin');
    assert.equal(body.channel_id, body.stream_id, 'channel_id = stream name');
    assert.equal(body.sequence, '6674468118806626493');
    assert.equal(body.stream_param, c.streamParam);
    assert.equal(body.errcode, 0);
    assert.equal(body.errmsg, 'ok');
    assert.ok(Math.abs((body.event_time as number) - Date.now() / 1000) < 5, 'event_time in Unix seconds');
    assert.equal(req.headers['webhook-id'], emitted.webhookId);
    assertTencentSignature(req, KEY);
    assertStandardWebhook(req, KEY);
  });

  test('push end (0): push_duration is a string of milliseconds; same sequence; to StreamEndNotifyUrl', async () => {
    const c = streamContext(DOMAIN, 'stream_end', '6674468118806626494');
    await lh.events.emit(endEvent(c, Date.now(), 61_234.4));
    const [req] = await rx.waitFor(1, { path: '/end' });
    assert.ok(req);
    assertTransport(req);
    const body = req.json as Record<string, unknown>;
    assertShape(body, { ...PUSH_FIELDS, push_duration: 'string', ...SIGNED });
    assert.equal(body.event_type, 0);
    assert.equal(body.push_duration, '61234');
    assert.match(body.push_duration as string, /^\d+$/);
    assert.equal(body.sequence, '6674468118806626494');
    assert.equal(body.channel_id, 'stream_end');
    assert.equal(body.errcode, 1);
    assert.equal(typeof body.errmsg, 'string');
    assertTencentSignature(req, KEY);
    assertStandardWebhook(req, KEY);
  });

  test('recording file (100): the Tencent fields and types, to RecordNotifyUrl', async () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    await lh.events.emit(recordEvent(streamContext(DOMAIN, 'stream_record'), at));
    const [req] = await rx.waitFor(1, { path: '/record' });
    assert.ok(req);
    assertTransport(req);
    const body = req.json as Record<string, unknown>;
    assertShape(body, { ...RECORD_FIELDS, ...SIGNED });
    assert.equal(body.event_type, 100);
    assert.equal(body.appid, TEST_APPID);
    assert.equal(body.channel_id, 'stream_record');
    assert.equal(body.file_format, 'mp4');
    assert.equal(body.end_time, Math.floor(at / 1000));
    assert.equal(body.end_time_usec, 678_000);
    assert.equal(body.duration, 154);
    assert.equal(body.file_size, 277_941_079);
    assert.deepEqual(JSON.parse(body.callback_ext as string), { video_codec: 'h264', resolution: '640x480' }, 'callback_ext is a JSON object string');
    assertTencentSignature(req, KEY);
    assertStandardWebhook(req, KEY);
  });

  test('screenshot (200): the Tencent fields and types, to SnapshotNotifyUrl', async () => {
    const at = Date.now();
    await lh.events.emit(snapshotEvent(streamContext(DOMAIN, 'stream_snap'), at));
    const [req] = await rx.waitFor(1, { path: '/snapshot' });
    assert.ok(req);
    assertTransport(req);
    const body = req.json as Record<string, unknown>;
    assertShape(body, { ...SNAPSHOT_FIELDS, ...SIGNED });
    assert.equal(body.event_type, 200);
    assert.equal(body.channel_id, 'stream_snap');
    assert.equal(body.create_time, Math.floor(at / 1000));
    assert.deepEqual([body.width, body.height, body.file_size], [1280, 720, 30_670]);
    assert.ok((body.pic_full_url as string).endsWith(body.pic_url as string), 'pic_full_url = base + pic_url');
    assertTencentSignature(req, KEY);
    assertStandardWebhook(req, KEY);
  });

  test('porn detection (317): camelCase fields, arrays, to PornCensorshipNotifyUrl', async () => {
    await lh.events.emit(pornEvent(streamContext(DOMAIN, 'stream_porn')));
    const [req] = await rx.waitFor(1, { path: '/porn' });
    assert.ok(req);
    assertTransport(req);
    const body = req.json as Record<string, unknown>;
    assertShape(body, { ...PORN_FIELDS, ...SIGNED });
    for (const name of Object.keys(body)) assert.ok(TENCENT_PORN_NAMES.has(name), `${name} is a Tencent 317 field`);
    for (const name of TENCENT_PORN_REQUIRED) assert.ok(name in body, `required 317 field ${name}`);
    assert.equal(body.event_type, 317);
    assert.equal(body.streamId, 'stream_porn');
    assert.equal(body.channelId, 'stream_porn');
    assert.ok(['Block', 'Review', 'Pass'].includes(body.suggestion as string));
    assert.deepEqual(body.type, ['Porn']);
    assert.deepEqual(body.score, [97]);
    const [result] = body.labelResults as Record<string, unknown>[];
    assert.ok(result);
    assert.deepEqual(Object.keys(result).sort(), ['Details', 'Label', 'Scene', 'Score', 'SubLabel', 'Suggestion']);
    const [detail] = result.Details as Record<string, unknown>[];
    assert.deepEqual(Object.keys(detail ?? {}).sort(), ['Id', 'Name', 'Score']);
    assert.ok(Math.abs((body.sendTime as number) - Date.now() / 1000) < 5, 'sendTime in Unix seconds');
    assert.equal((body.sendTime as number) - (body.screenshotTime as number), 2);
    assertTencentSignature(req, KEY);
    assertStandardWebhook(req, KEY);
  });

  test('each type reached only its own URL', () => {
    const paths = rx.requests.filter((r) => !r.path.startsWith('/unsigned') && !r.path.startsWith('/partial')).map((r) => `${r.path}:${(r.json as { event_type: number }).event_type}`);
    assert.deepEqual(paths.sort(), ['/begin:1', '/end:0', '/porn:317', '/record:100', '/snapshot:200']);
  });

  test('a template without a key: no `sign` field and no webhook-signature header (t and webhook-id still sent)', async () => {
    for (const build of Object.values(EVENT_BUILDERS)) await lh.events.emit(build(streamContext(UNSIGNED_DOMAIN, 'stream_unsigned', '')));
    const got = await rx.waitFor(5, { filter: (r) => r.path.startsWith('/unsigned') });
    for (const req of got) {
      const body = req.json as Record<string, unknown>;
      assert.ok(!('sign' in body), `no sign on ${req.path}`);
      assert.equal(typeof body.t, 'number');
      assert.ok(Math.abs((body.t as number) - (Math.floor(req.at / 1000) + 600)) <= 2);
      assert.equal(req.headers['webhook-signature'], undefined);
      assert.match(String(req.headers['webhook-id']), /^msg_[0-9a-f]{32}$/);
      assert.equal(req.headers['content-type'], 'application/json; charset=utf-8');
    }
    assert.deepEqual(got.map((r) => r.path).sort(), ['/unsigned/begin', '/unsigned/end', '/unsigned/porn', '/unsigned/record', '/unsigned/snapshot']);
  });

  test('a domain with no binding: nothing is sent; the log shows Status no_callback', async () => {
    const before = rx.requests.length + rx2.requests.length;
    const emitted = await lh.events.emit(startEvent(streamContext(UNBOUND_DOMAIN, 'stream_unbound', '42')));
    assert.equal(emitted.status, 'no_callback');
    const log = await describeEvents(client, { DomainName: UNBOUND_DOMAIN });
    assert.equal(log.TotalNum, 1);
    const [event] = log.EventList;
    assert.ok(event);
    assert.equal(event.EventId, emitted.webhookId);
    assert.equal(event.Status, 'no_callback');
    assert.equal(event.Url, '');
    assert.deepEqual(event.AttemptList, []);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(rx.requests.length + rx2.requests.length, before, 'no request anywhere');
  });

  test('a template without the URL for the type: nothing is sent; Status no_url', async () => {
    const emitted = await lh.events.emit(recordEvent(streamContext(PARTIAL_DOMAIN, 'stream_partial')));
    assert.equal(emitted.status, 'no_url');
    const log = await describeEvents(client, { DomainName: PARTIAL_DOMAIN, EventType: 100 });
    assert.deepEqual(log.EventList.map((e) => [e.EventId, e.Status, e.Attempts]), [[emitted.webhookId, 'no_url', 0]]);
    // The same template's push-start URL still works.
    await lh.events.emit(startEvent(streamContext(PARTIAL_DOMAIN, 'stream_partial', '7')));
    await rx.waitFor(1, { path: '/partial-begin' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(rx.received((r) => (r.json as { stream_id?: string }).stream_id === 'stream_partial').map((r) => r.path), ['/partial-begin']);
  });

  test('a binding change applies to the very next event', async () => {
    await bindDomain(client, REBIND_DOMAIN, { StreamBeginNotifyUrl: rx.url('/old') }, KEY);
    await lh.events.emit(startEvent(streamContext(REBIND_DOMAIN, 's', '1')));
    await rx.waitFor(1, { path: '/old' });

    // Rebind the domain to another template with another URL (on another receiver), then emit at once.
    const other = await createTemplate(client, { StreamBeginNotifyUrl: rx2.url('/new') }, 'OtherKey42');
    await callAction(client, 'DeleteLiveCallbackRule', { DomainName: REBIND_DOMAIN, AppName: '' });
    await callAction(client, 'CreateLiveCallbackRule', { DomainName: REBIND_DOMAIN, AppName: '', TemplateId: other });
    const emitted = await lh.events.emit(startEvent(streamContext(REBIND_DOMAIN, 's', '2')));
    assert.equal(emitted.url, rx2.url('/new'));
    const [req] = await rx2.waitFor(1, { path: '/new' });
    assert.ok(req);
    assert.equal((req.json as { sequence: string }).sequence, '2');
    assertTencentSignature(req, 'OtherKey42');
    assertStandardWebhook(req, 'OtherKey42');

    // Changing the bound template's URL also applies to the very next event.
    await callAction(client, 'ModifyLiveCallbackTemplate', { TemplateId: other, StreamBeginNotifyUrl: rx2.url('/newer') });
    await lh.events.emit(startEvent(streamContext(REBIND_DOMAIN, 's', '3')));
    await rx2.waitFor(1, { path: '/newer' });
    await waitUntil(async () => (await describeEvents(client, { DomainName: REBIND_DOMAIN, Status: 'delivered' })).TotalNum === 3, {
      what: 'all three rebind events delivered',
    });
    assert.equal(rx.onPath('/old').length, 1, 'the old URL got only the event sent before the change');
    assert.equal(rx2.onPath('/new').length, 1);
  });
});
