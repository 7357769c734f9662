/** Callback templates: Create/Modify/Delete/DescribeLiveCallbackTemplate(s) through the official SDK. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

type CreateRequest = Parameters<LiveClient['CreateLiveCallbackTemplate']>[0];
type ModifyRequest = Parameters<LiveClient['ModifyLiveCallbackTemplate']>[0];

/** Every URL parameter Tencent's CreateLiveCallbackTemplate takes. */
const URL_PARAMS = [
  'StreamBeginNotifyUrl',
  'StreamEndNotifyUrl',
  'RecordNotifyUrl',
  'RecordStatusNotifyUrl',
  'SnapshotNotifyUrl',
  'PornCensorshipNotifyUrl',
  'PushExceptionNotifyUrl',
  'AudioAuditNotifyUrl',
  'RecordExceptionNotifyUrl',
  'StreamMixNotifyUrl',
] as const;

const RECEIVER = 'http://receiver.example.com/notify';
const NO_SUCH_TEMPLATE = 987654321;

let seq = 0;
const uniqueDomain = (label = 'd'): string => `${label}${++seq}.templates.example.com`;

describe('callback templates', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  const create = async (req: Partial<CreateRequest> = {}): Promise<number> => {
    const res = await c.CreateLiveCallbackTemplate({ TemplateName: 'tpl', StreamBeginNotifyUrl: RECEIVER, ...req });
    return res.TemplateId!;
  };
  const describeTemplate = async (id: number) => (await c.DescribeLiveCallbackTemplate({ TemplateId: id })).Template!;

  test('Create returns an integer TemplateId, and every field round-trips through Describe', async () => {
    const urls = Object.fromEntries(URL_PARAMS.map((p, i) => [p, `https://receiver${i}.example.com/cb/${p}?action=${i}&x=%20y`]));
    const res = await c.CreateLiveCallbackTemplate({
      TemplateName: '回调模板_main-1',
      Description: '说明_desc-1',
      ...urls,
      CallbackKey: 'abcDEF0123456789abcDEF0123456789',
      RecordExceptionLevels: ['error', 'warning'],
    });
    assert.equal(typeof res.RequestId, 'string');
    assert.ok(Number.isSafeInteger(res.TemplateId) && res.TemplateId! > 0, `TemplateId ${res.TemplateId}`);

    const t = await describeTemplate(res.TemplateId!);
    assert.equal(t.TemplateId, res.TemplateId);
    assert.equal(t.TemplateName, '回调模板_main-1');
    assert.equal(t.Description, '说明_desc-1');
    for (const p of URL_PARAMS) assert.equal((t as Record<string, unknown>)[p], urls[p], p);
    assert.equal(t.CallbackKey, 'abcDEF0123456789abcDEF0123456789');
    assert.deepEqual(t.RecordExceptionLevels, ['error', 'warning']);
  });

  test('fields not given come back empty, with the documented types', async () => {
    const id = await create({ TemplateName: 'minimal', StreamBeginNotifyUrl: undefined, SnapshotNotifyUrl: RECEIVER });
    const t = await describeTemplate(id);
    assert.equal(t.Description, '');
    assert.equal(t.CallbackKey, '');
    assert.deepEqual(t.RecordExceptionLevels, []);
    for (const p of URL_PARAMS) assert.equal((t as Record<string, unknown>)[p], p === 'SnapshotNotifyUrl' ? RECEIVER : '', p);
  });

  test('each URL on its own is enough to create a template', async () => {
    for (const p of URL_PARAMS) {
      const id = await create({ TemplateName: `only_${p}`, StreamBeginNotifyUrl: undefined, [p]: RECEIVER });
      assert.equal((await describeTemplate(id) as Record<string, unknown>)[p], RECEIVER);
    }
  });

  test('no callback URL → InvalidParameter', async () => {
    assert.equal(await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'nourl' })), 'InvalidParameter');
    assert.equal(
      await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'nourl', CallbackKey: 'abc', Description: 'x' })),
      'InvalidParameter',
    );
    const allEmpty = Object.fromEntries(URL_PARAMS.map((p) => [p, '']));
    assert.equal(await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'emptyurls', ...allEmpty })), 'InvalidParameter');
  });

  test('a URL that is not http(s) → InvalidParameterValue', async () => {
    const bad = [
      'ftp://receiver.example.com/notify',
      'javascript:alert(1)',
      '/relative/path',
      'relative/path',
      'receiver.example.com/notify',
      'file:///etc/passwd',
      'http://',
      'http://user:pass@receiver.example.com/',
      `http://receiver.example.com/${'a'.repeat(2100)}`,
    ];
    for (const url of bad) {
      assert.equal(await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'badurl', StreamBeginNotifyUrl: url })), 'InvalidParameterValue', url);
      assert.equal(
        await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'badurl', StreamBeginNotifyUrl: RECEIVER, RecordNotifyUrl: url })),
        'InvalidParameterValue',
        url,
      );
    }
    // Upper-case schemes and ports are fine.
    const id = await create({ StreamBeginNotifyUrl: 'HTTPS://Receiver.example.com:8443/notify' });
    assert.equal((await describeTemplate(id)).StreamBeginNotifyUrl, 'HTTPS://Receiver.example.com:8443/notify');
  });

  test('TemplateName empty or outside Chinese/letters/digits/_/- → InvalidParameter.ArgsNotMatch', async () => {
    for (const name of ['', 'with space', 'dot.name', 'bang!', 'slash/x', 'emoji😀', 'tab\tname', '<script>']) {
      assert.equal(await errorCode(create({ TemplateName: name })), 'InvalidParameter.ArgsNotMatch', JSON.stringify(name));
    }
    assert.equal(
      await errorCode(c.CreateLiveCallbackTemplate({ StreamBeginNotifyUrl: RECEIVER } as CreateRequest)),
      'MissingParameter',
    );
  });

  test('TemplateName over 255 bytes → InvalidParameterValue (86 Chinese characters = 258 bytes); 255 bytes is fine', async () => {
    const tooLong = '直'.repeat(86);
    assert.equal(Buffer.byteLength(tooLong), 258);
    assert.equal(await errorCode(create({ TemplateName: tooLong })), 'InvalidParameterValue');
    assert.equal(await errorCode(create({ TemplateName: 'a'.repeat(256) })), 'InvalidParameterValue');

    const longest = '直'.repeat(85);
    assert.equal(Buffer.byteLength(longest), 255);
    const id = await create({ TemplateName: longest });
    assert.equal((await describeTemplate(id)).TemplateName, longest);
    await create({ TemplateName: 'a'.repeat(255) });
  });

  test('Description: same charset, at most 1024 bytes', async () => {
    assert.equal(await errorCode(create({ Description: 'has space' })), 'InvalidParameterValue');
    assert.equal(await errorCode(create({ Description: 'a'.repeat(1025) })), 'InvalidParameterValue');
    const id = await create({ Description: 'd'.repeat(1024) });
    assert.equal((await describeTemplate(id)).Description, 'd'.repeat(1024));
  });

  test('CallbackKey: letters and digits only, at most 32 → else InvalidParameterValue', async () => {
    for (const key of ['with-dash', 'under_score', 'sym!bol', 'sp ace', '中文', 'a'.repeat(33)]) {
      assert.equal(await errorCode(create({ CallbackKey: key })), 'InvalidParameterValue', key);
    }
    const id = await create({ CallbackKey: 'Z'.repeat(32) });
    assert.equal((await describeTemplate(id)).CallbackKey, 'Z'.repeat(32));
  });

  test('RecordExceptionLevels: known levels only, no duplicates', async () => {
    assert.equal(await errorCode(create({ RecordExceptionLevels: ['fatal'] })), 'InvalidParameterValue');
    assert.equal(await errorCode(create({ RecordExceptionLevels: ['error', 'error'] })), 'InvalidParameterValue');
    assert.equal(await errorCode(create({ RecordExceptionLevels: 'error' as unknown as string[] })), 'InvalidParameter');
    const id = await create({ RecordExceptionLevels: ['info', 'error', 'warning'] });
    assert.deepEqual((await describeTemplate(id)).RecordExceptionLevels, ['info', 'error', 'warning']);
  });

  test('an unknown parameter → UnknownParameter', async () => {
    assert.equal(await errorCode(create({ NotAField: 'x' } as Partial<CreateRequest>)), 'UnknownParameter');
  });

  test('Modify: omitted fields stay, given ones change, an empty string clears a URL', async () => {
    const domain = uniqueDomain('modify');
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const id = await create({
      TemplateName: 'before',
      Description: 'desc',
      StreamBeginNotifyUrl: 'http://a.example.com/begin',
      StreamEndNotifyUrl: 'http://a.example.com/end',
      RecordNotifyUrl: 'http://a.example.com/record',
      CallbackKey: 'key1',
      RecordExceptionLevels: ['error'],
    });
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: id });
    const original = await describeTemplate(id);

    await c.ModifyLiveCallbackTemplate({ TemplateId: id, StreamEndNotifyUrl: 'https://b.example.com/end2' });
    assert.deepEqual(await describeTemplate(id), { ...original, StreamEndNotifyUrl: 'https://b.example.com/end2' });
    assert.equal(lh.cache.callbackTemplate(domain, 'live')!.urls.streamEnd, 'https://b.example.com/end2', 'visible to the event path at once');

    await c.ModifyLiveCallbackTemplate({ TemplateId: id, RecordNotifyUrl: '' });
    assert.deepEqual(await describeTemplate(id), { ...original, StreamEndNotifyUrl: 'https://b.example.com/end2', RecordNotifyUrl: '' });
    assert.equal(lh.cache.callbackTemplate(domain, 'live')!.urls.record, '');

    await c.ModifyLiveCallbackTemplate({
      TemplateId: id,
      TemplateName: 'after',
      Description: '',
      CallbackKey: 'key2',
      RecordExceptionLevels: [],
      SnapshotNotifyUrl: 'http://a.example.com/snap',
    });
    assert.deepEqual(await describeTemplate(id), {
      ...original,
      TemplateName: 'after',
      Description: '',
      CallbackKey: 'key2',
      RecordExceptionLevels: [],
      SnapshotNotifyUrl: 'http://a.example.com/snap',
      StreamEndNotifyUrl: 'https://b.example.com/end2',
      RecordNotifyUrl: '',
    });
    assert.equal(lh.cache.callbackTemplate(domain, 'live')!.callbackKey, 'key2');

    // Nothing but the id: nothing changes.
    const current = await describeTemplate(id);
    await c.ModifyLiveCallbackTemplate({ TemplateId: id });
    assert.deepEqual(await describeTemplate(id), current);
  });

  test('Modify validates like Create; StreamMixNotifyUrl is not a Modify parameter → UnknownParameter', async () => {
    const id = await create({ TemplateName: 'validate' });
    const before = await describeTemplate(id);
    assert.equal(
      await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: id, StreamMixNotifyUrl: RECEIVER } as ModifyRequest)),
      'UnknownParameter',
    );
    assert.equal(await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: id, StreamBeginNotifyUrl: 'ftp://x.example.com/' })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: id, TemplateName: '' })), 'InvalidParameter.ArgsNotMatch');
    assert.equal(await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: id, TemplateName: 'a b' })), 'InvalidParameter.ArgsNotMatch');
    assert.equal(await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: id, TemplateName: '直'.repeat(86) })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: id, CallbackKey: 'x'.repeat(33) })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.ModifyLiveCallbackTemplate({} as ModifyRequest)), 'MissingParameter');
    assert.deepEqual(await describeTemplate(id), before, 'refused changes leave the template as it was');
  });

  test('an unknown TemplateId → InvalidParameter.ConfNotFound for Describe, Modify and Delete', async () => {
    assert.equal(await errorCode(c.DescribeLiveCallbackTemplate({ TemplateId: NO_SUCH_TEMPLATE })), 'InvalidParameter.ConfNotFound');
    assert.equal(
      await errorCode(c.ModifyLiveCallbackTemplate({ TemplateId: NO_SUCH_TEMPLATE, TemplateName: 'x' })),
      'InvalidParameter.ConfNotFound',
    );
    assert.equal(await errorCode(c.DeleteLiveCallbackTemplate({ TemplateId: NO_SUCH_TEMPLATE })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(c.DescribeLiveCallbackTemplate({ TemplateId: 0 })), 'InvalidParameterValue');
  });

  test('Delete while bound → FailedOperation.ConfInUsed; after DeleteLiveCallbackRule it goes', async () => {
    const domain = uniqueDomain('bound');
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const id = await create({ TemplateName: 'bound' });
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: id });
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: id });

    assert.equal(await errorCode(c.DeleteLiveCallbackTemplate({ TemplateId: id })), 'FailedOperation.ConfInUsed');
    assert.equal((await describeTemplate(id)).TemplateId, id, 'still there');

    await c.DeleteLiveCallbackRule({ DomainName: domain, AppName: '' });
    assert.equal(await errorCode(c.DeleteLiveCallbackTemplate({ TemplateId: id })), 'FailedOperation.ConfInUsed', 'still bound through AppName live');

    await c.DeleteLiveCallbackRule({ DomainName: domain, AppName: 'live' });
    await c.DeleteLiveCallbackTemplate({ TemplateId: id });
    assert.equal(await errorCode(c.DescribeLiveCallbackTemplate({ TemplateId: id })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(c.DeleteLiveCallbackTemplate({ TemplateId: id })), 'InvalidParameter.ConfNotFound');
    assert.ok(!(await c.DescribeLiveCallbackTemplates()).Templates!.some((t) => t.TemplateId === id));
  });

  test('DescribeLiveCallbackTemplates lists every template in full', async () => {
    const a = await create({ TemplateName: 'listA', CallbackKey: 'ka' });
    const b = await create({ TemplateName: 'listB', StreamBeginNotifyUrl: undefined, RecordNotifyUrl: RECEIVER });
    const res = await c.DescribeLiveCallbackTemplates();
    assert.equal(typeof res.RequestId, 'string');
    const templates = res.Templates!;
    const ids = templates.map((t) => t.TemplateId!);
    assert.ok(ids.includes(a) && ids.includes(b));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(templates.find((t) => t.TemplateId === a), await describeTemplate(a));
    assert.deepEqual(templates.find((t) => t.TemplateId === b), await describeTemplate(b));
    // Every template created in this file and not deleted is listed.
    for (const t of templates) assert.deepEqual(await describeTemplate(t.TemplateId!), t);
  });
});

describe('the 50-template limit', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  test('the 51st template → InternalError.ConfOutLimit; deleting one makes room again', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push((await c.CreateLiveCallbackTemplate({ TemplateName: `t${i}`, StreamBeginNotifyUrl: RECEIVER })).TemplateId!);
    }
    assert.equal(new Set(ids).size, 50);
    assert.equal((await c.DescribeLiveCallbackTemplates()).Templates!.length, 50);
    assert.equal(await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'overflow', StreamBeginNotifyUrl: RECEIVER })), 'InternalError.ConfOutLimit');
    assert.equal((await c.DescribeLiveCallbackTemplates()).Templates!.length, 50);

    await c.DeleteLiveCallbackTemplate({ TemplateId: ids[0]! });
    const replacement = (await c.CreateLiveCallbackTemplate({ TemplateName: 'replacement', StreamBeginNotifyUrl: RECEIVER })).TemplateId!;
    assert.ok(!ids.includes(replacement), 'ids are not reused');
    assert.equal(await errorCode(c.CreateLiveCallbackTemplate({ TemplateName: 'overflow', StreamBeginNotifyUrl: RECEIVER })), 'InternalError.ConfOutLimit');
  });
});
