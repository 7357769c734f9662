/**
 * Configuration Describe* answers and key lookups served from memory (src/store/read-cache.ts,
 * docs/api-signing.md "What a request reads from the store"), over real HTTP: the same bytes as
 * a fresh answer, a new RequestId each time, every change visible at the very next request, and
 * the store really read once per change (on SQLite; on PostgreSQL every time).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { answerAction, type ApiDeps } from '../../src/api/dispatch.js';
import { signTc3, tc3Date } from '../../src/api/tc3.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { Db } from '../../src/store/database.js';
import { startTestLivehook, TEST_APPID, TEST_SECRET_ID, TEST_SECRET_KEY, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

describe('answers from memory', () => {
  let lh: TestLivehook;
  let client: LiveClient;

  before(async () => {
    lh = await startTestLivehook();
    client = lh.client();
  });
  after(() => lh.stop());

  /** One TC3-signed call, its raw body. */
  async function raw(action: string, params: object = {}): Promise<string> {
    const body = JSON.stringify(params);
    const timestamp = Math.floor(Date.now() / 1000);
    const host = new URL(lh.httpUrl).hostname;
    const signature = signTc3({
      method: 'POST', path: '/', query: '', headers: [['content-type', 'application/json'], ['host', host]],
      payload: body, timestamp, service: 'live', secretKey: TEST_SECRET_KEY,
    });
    const res = await fetch(`${lh.httpUrl}/`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-tc-action': action,
        'x-tc-version': '2018-08-01',
        'x-tc-timestamp': String(timestamp),
        authorization: `TC3-HMAC-SHA256 Credential=${TEST_SECRET_ID}/${tc3Date(timestamp)}/live/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
      },
    });
    assert.equal(res.status, 200);
    return res.text();
  }

  test('a repeated answer is the same JSON a fresh one is, RequestId last and new each time', async () => {
    await client.CreateLiveCallbackTemplate({ TemplateName: 'mem1', StreamBeginNotifyUrl: 'http://127.0.0.1:9/b', CallbackKey: 'k' });
    const first = await raw('DescribeLiveCallbackTemplates');
    const second = await raw('DescribeLiveCallbackTemplates');
    for (const text of [first, second]) {
      const parsed = JSON.parse(text) as { Response: Record<string, unknown> };
      assert.equal(JSON.stringify(parsed), text, 'the bytes JSON.stringify gives');
      assert.equal(Object.keys(parsed.Response).at(-1), 'RequestId');
    }
    const withoutId = (text: string) => text.replace(/"RequestId":"[^"]+"/, '');
    assert.equal(withoutId(second), withoutId(first));
    assert.notEqual(JSON.parse(second).Response.RequestId, JSON.parse(first).Response.RequestId);
  });

  test('answers are kept by the parameters as sent: invalid ones are refused every time, never answered from memory', async () => {
    const code = (text: string) => (JSON.parse(text) as { Response: { Error?: { Code: string } } }).Response.Error?.Code;
    assert.equal(code(await raw('DescribeLiveDomains', { PageSize: 10, PageNum: 1 })), undefined);
    for (let i = 0; i < 2; i++) {
      assert.equal(code(await raw('DescribeLiveDomains', { PageSize: 'x', PageNum: 1 })), 'InvalidParameter');
      assert.equal(code(await raw('DescribeLiveDomains', { PageSize: 10, PageNum: 1, Bogus: 1 })), 'UnknownParameter');
    }
    assert.equal(code(await raw('DescribeLiveDomains', { PageSize: 10, PageNum: 1 })), undefined);
  });

  test('a change is in the very next answer', async () => {
    const before = (await client.DescribeLiveCallbackTemplates()).Templates!.length;
    const { TemplateId } = await client.CreateLiveCallbackTemplate({ TemplateName: 'mem2', StreamEndNotifyUrl: 'http://127.0.0.1:9/e', CallbackKey: 'k' });
    const listed = (await client.DescribeLiveCallbackTemplates()).Templates!;
    assert.equal(listed.length, before + 1);
    assert.ok(listed.some((t) => t.TemplateId === TemplateId));
    await client.ModifyLiveCallbackTemplate({ TemplateId: TemplateId!, TemplateName: 'mem2-renamed' });
    assert.equal((await client.DescribeLiveCallbackTemplate({ TemplateId: TemplateId! })).Template!.TemplateName, 'mem2-renamed');
    await client.DeleteLiveCallbackTemplate({ TemplateId: TemplateId! });
    assert.equal((await client.DescribeLiveCallbackTemplates()).Templates!.length, before);
  });

  test('a repeated Describe reads the store once until something is committed (SQLite); every time on PostgreSQL', async () => {
    let reads = 0;
    // The store as the action sees it, counting the queries it starts.
    const db = new Proxy(lh.store.db, {
      get: (target, name, receiver) => {
        if (name === 'selectFrom') reads++;
        const value = Reflect.get(target, name, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Db;
    const deps = { db, log: pino({ level: 'silent' }), metrics: createMetrics(), changeStamp: lh.store.changeStamp } as unknown as ApiDeps;
    const describe = () =>
      answerAction(deps, { action: 'DescribeLiveCallbackTemplates', requestId: 'r', prepare: async () => ({ appId: TEST_APPID, params: {} }) });
    const fromMemory = lh.store.changeStamp !== undefined;

    const first = await describe();
    const second = await describe();
    assert.deepEqual(second, first);
    assert.equal(reads, fromMemory ? 1 : 2);
    await client.CreateLiveCallbackTemplate({ TemplateName: 'mem3', StreamBeginNotifyUrl: 'http://127.0.0.1:9/b', CallbackKey: 'k' });
    const third = await describe();
    assert.equal((third.Templates as unknown[]).length, (first.Templates as unknown[]).length + 1);
    assert.equal(reads, fromMemory ? 2 : 3);
  });
});
