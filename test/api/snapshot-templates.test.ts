/** Snapshot templates: Create/Modify/Delete/DescribeLiveSnapshotTemplate(s) through the official SDK. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { addTenantB } from '../helpers/media-rules.js';

type CreateRequest = Parameters<LiveClient['CreateLiveSnapshotTemplate']>[0];
type ModifyRequest = Parameters<LiveClient['ModifyLiveSnapshotTemplate']>[0];

const COS = { CosAppId: 1250000000, CosBucket: 'snaps', CosRegion: 'ap-guangzhou' } as const;
const DEFAULT_PREFIX = '/{Year}-{Month}-{Day}';
const DEFAULT_FILE_NAME = '{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}';
const NO_SUCH_TEMPLATE = 987654321;

/** Every field of Tencent's SnapshotTemplateInfo. */
const INFO_FIELDS = [
  'CosAppId',
  'CosBucket',
  'CosFileName',
  'CosPrefix',
  'CosRegion',
  'Description',
  'Height',
  'PornFlag',
  'SnapshotInterval',
  'TemplateId',
  'TemplateName',
  'Width',
];

describe('snapshot templates', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  const create = async (req: Partial<CreateRequest> = {}): Promise<number> =>
    (await c.CreateLiveSnapshotTemplate({ TemplateName: 'snap', ...COS, ...req })).TemplateId!;
  const describeTemplate = async (id: number) => (await c.DescribeLiveSnapshotTemplate({ TemplateId: id })).Template!;
  const createError = (req: Record<string, unknown>) => errorCode(c.CreateLiveSnapshotTemplate({ TemplateName: 'snap', ...COS, ...req } as CreateRequest));

  test('Create returns an integer TemplateId, and every field round-trips through Describe', async () => {
    const request = {
      TemplateName: '截图模板_main-1',
      Description: '说明_desc-1',
      CosAppId: 1300000001,
      CosBucket: 'my-bucket-1',
      CosRegion: 'ap-shanghai-fsi',
      SnapshotInterval: 5,
      Width: 640,
      Height: 360,
      PornFlag: 1,
      CosPrefix: '/shots/{StreamID}/{Year}{Month}{Day}',
      CosFileName: '{StreamID}-{Hour}{Minute}{Second}-{Width}x{Height}{Ext}',
    };
    const res = await c.CreateLiveSnapshotTemplate(request);
    assert.equal(typeof res.RequestId, 'string');
    assert.ok(Number.isSafeInteger(res.TemplateId) && res.TemplateId! > 0, `TemplateId ${res.TemplateId}`);
    const t = await describeTemplate(res.TemplateId!);
    assert.deepEqual(Object.keys(t).sort(), INFO_FIELDS);
    assert.deepEqual(t, { TemplateId: res.TemplateId, ...request });
  });

  test("fields not given take Tencent's defaults", async () => {
    const id = await create({ TemplateName: 'defaults' });
    assert.deepEqual(await describeTemplate(id), {
      TemplateId: id,
      TemplateName: 'defaults',
      Description: '',
      ...COS,
      SnapshotInterval: 10,
      Width: 0,
      Height: 0,
      PornFlag: 0,
      CosPrefix: DEFAULT_PREFIX,
      CosFileName: DEFAULT_FILE_NAME,
    });
  });

  test('CosAppId, CosBucket and CosRegion are required (as on Tencent) → MissingParameter', async () => {
    for (const field of ['CosAppId', 'CosBucket', 'CosRegion'] as const) {
      const req: Record<string, unknown> = { TemplateName: 'nocos', ...COS };
      delete req[field];
      assert.equal(await errorCode(c.CreateLiveSnapshotTemplate(req as unknown as CreateRequest)), 'MissingParameter', field);
    }
    assert.equal(await errorCode(c.CreateLiveSnapshotTemplate({ ...COS } as CreateRequest)), 'MissingParameter');
  });

  test('ranges: SnapshotInterval 2–300, Width 0–3000, Height 0–2000, PornFlag 0/1', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ SnapshotInterval: 1 }, 'InvalidParameterValue'],
      [{ SnapshotInterval: 301 }, 'InvalidParameterValue'],
      [{ SnapshotInterval: 0 }, 'InvalidParameterValue'],
      [{ SnapshotInterval: 2.5 }, 'InvalidParameter'],
      [{ SnapshotInterval: '10' }, 'InvalidParameter'],
      [{ Width: -1 }, 'InvalidParameterValue'],
      [{ Width: 3001 }, 'InvalidParameterValue'],
      [{ Height: 2001 }, 'InvalidParameterValue'],
      [{ Height: '360' }, 'InvalidParameter'],
      [{ PornFlag: 2 }, 'InvalidParameterValue'],
      [{ PornFlag: true }, 'InvalidParameter'],
      [{ CosAppId: 0 }, 'InvalidParameterValue'],
      [{ CosAppId: '1250000000' }, 'InvalidParameter'],
      [{ NotAField: 1 }, 'UnknownParameter'],
    ];
    for (const [req, code] of bad) assert.equal(await createError(req), code, JSON.stringify(req));

    const low = await create({ SnapshotInterval: 2, Width: 3000, Height: 2000, PornFlag: 1 });
    assert.deepEqual(
      (({ SnapshotInterval, Width, Height, PornFlag }) => ({ SnapshotInterval, Width, Height, PornFlag }))(await describeTemplate(low)),
      { SnapshotInterval: 2, Width: 3000, Height: 2000, PornFlag: 1 },
    );
    const high = await create({ SnapshotInterval: 300, Width: 0, Height: 720 });
    assert.equal((await describeTemplate(high)).SnapshotInterval, 300);
  });

  test('TemplateName and Description: Chinese, letters, digits, _ and -; 255 / 1024 bytes', async () => {
    for (const name of ['', 'with space', 'dot.name', 'slash/x', 'emoji😀']) {
      assert.equal(await createError({ TemplateName: name }), 'InvalidParameter.ArgsNotMatch', JSON.stringify(name));
    }
    assert.equal(await createError({ TemplateName: '直'.repeat(86) }), 'InvalidParameterValue', '258 bytes');
    assert.equal((await describeTemplate(await create({ TemplateName: '直'.repeat(85) }))).TemplateName, '直'.repeat(85));
    assert.equal(await createError({ Description: 'has space' }), 'InvalidParameterValue');
    assert.equal(await createError({ Description: 'a'.repeat(1025) }), 'InvalidParameterValue');
    assert.equal((await describeTemplate(await create({ Description: 'd'.repeat(1024) }))).Description, 'd'.repeat(1024));
  });

  test('COS bucket and region formats; CosBucket must not contain -<CosAppId>', async () => {
    for (const bucket of ['', 'Upper', 'under_score', '-lead', 'trail-', 'dot.bucket', 'b'.repeat(51)]) {
      assert.equal(await createError({ CosBucket: bucket }), 'InvalidParameterValue', bucket);
    }
    assert.equal(await createError({ CosBucket: 'snaps-1250000000' }), 'InvalidParameterValue');
    assert.equal(await createError({ CosAppId: 1300000001, CosBucket: 'snaps-1300000001' }), 'InvalidParameterValue');
    await create({ CosAppId: 1300000001, CosBucket: 'snaps-1250000000' });
    for (const region of ['', 'guangzhou', 'AP-GUANGZHOU', 'ap_guangzhou', 'ap-']) {
      assert.equal(await createError({ CosRegion: region }), 'InvalidParameterValue', region);
    }
    await create({ CosRegion: 'na-siliconvalley' });
  });

  test('CosPrefix / CosFileName: only known placeholders, no path tricks → InvalidParameter.COSCustomFileNameError', async () => {
    const badPrefixes = ['/{Foo}', '/{year}', '/{Year', '/Year}', '/../up', '/a/../b', '/back\\slash', '/ctl\u0001', '/{}'];
    for (const prefix of badPrefixes) {
      assert.equal(await createError({ CosPrefix: prefix }), 'InvalidParameter.COSCustomFileNameError', JSON.stringify(prefix));
    }
    const badNames = ['', 'a/b', '..', '{StreamID}{Nope}', '{StreamID', 'x\\y', 'tab\tname'];
    for (const name of badNames) {
      assert.equal(await createError({ CosFileName: name }), 'InvalidParameter.COSCustomFileNameError', JSON.stringify(name));
    }
    assert.equal(await createError({ CosFileName: 'a'.repeat(1025) }), 'InvalidParameterValue', 'over 1024 bytes');

    const id = await create({ CosPrefix: '', CosFileName: '快照-{Year}{Month}{Day}{Hour}{Minute}{Second}_{StreamID}.{Width}x{Height}{Ext}' });
    const t = await describeTemplate(id);
    assert.equal(t.CosPrefix, '');
    assert.equal(t.CosFileName, '快照-{Year}{Month}{Day}{Hour}{Minute}{Second}_{StreamID}.{Width}x{Height}{Ext}');
    await create({ CosPrefix: 'no-leading-slash/{StreamID}', CosFileName: 'fixed.jpg' });
  });

  test('Modify: COS fields required; omitted settings stay, given ones change; the cache follows', async () => {
    const domain = 'modify.snapshot-templates.example.com';
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const id = await create({ TemplateName: 'before', Description: 'desc', SnapshotInterval: 20, Width: 640, Height: 360 });
    await c.CreateLiveSnapshotRule({ DomainName: domain, TemplateId: id, AppName: '' });
    const original = await describeTemplate(id);

    for (const field of ['CosAppId', 'CosBucket', 'CosRegion'] as const) {
      const req: Record<string, unknown> = { TemplateId: id, ...COS, Width: 1 };
      delete req[field];
      assert.equal(await errorCode(c.ModifyLiveSnapshotTemplate(req as unknown as ModifyRequest)), 'MissingParameter', field);
    }
    assert.deepEqual(await describeTemplate(id), original);

    await c.ModifyLiveSnapshotTemplate({ TemplateId: id, ...COS });
    assert.deepEqual(await describeTemplate(id), original, 'nothing but the required fields: nothing changes');

    await c.ModifyLiveSnapshotTemplate({ TemplateId: id, ...COS, Width: 1280 });
    assert.deepEqual(await describeTemplate(id), { ...original, Width: 1280 });
    assert.equal(lh.cache.snapshotTemplateFor(domain, 'live', 's')?.width, 1280, 'visible to the event path at once');

    await c.ModifyLiveSnapshotTemplate({
      TemplateId: id,
      CosAppId: 1300000002,
      CosBucket: 'other',
      CosRegion: 'ap-beijing',
      TemplateName: 'after',
      Description: '',
      SnapshotInterval: 300,
      Height: 0,
      PornFlag: 1,
      CosPrefix: '/p',
      CosFileName: '{StreamID}{Ext}',
    });
    assert.deepEqual(await describeTemplate(id), {
      ...original,
      TemplateName: 'after',
      Description: '',
      CosAppId: 1300000002,
      CosBucket: 'other',
      CosRegion: 'ap-beijing',
      SnapshotInterval: 300,
      Width: 1280,
      Height: 0,
      PornFlag: 1,
      CosPrefix: '/p',
      CosFileName: '{StreamID}{Ext}',
    });
    const cached = lh.cache.snapshotTemplateFor(domain, 'live', 's')!;
    assert.equal(cached.intervalSeconds, 300);
    assert.equal(cached.pornFlag, true);
    assert.equal(cached.cosFileName, '{StreamID}{Ext}');
  });

  test('Modify validates like Create and refused changes leave the template as it was', async () => {
    const id = await create({ TemplateName: 'validate' });
    const before = await describeTemplate(id);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ SnapshotInterval: 1 }, 'InvalidParameterValue'],
      [{ Width: 3001 }, 'InvalidParameterValue'],
      [{ PornFlag: 2 }, 'InvalidParameterValue'],
      [{ TemplateName: '' }, 'InvalidParameter.ArgsNotMatch'],
      [{ CosFileName: '{Nope}' }, 'InvalidParameter.COSCustomFileNameError'],
      [{ CosBucket: 'snaps-1250000000' }, 'InvalidParameterValue'],
      [{ IsDelayLive: 0 }, 'UnknownParameter'],
    ];
    for (const [req, code] of bad) {
      assert.equal(await errorCode(c.ModifyLiveSnapshotTemplate({ TemplateId: id, ...COS, ...req } as ModifyRequest)), code, JSON.stringify(req));
    }
    assert.equal(await errorCode(c.ModifyLiveSnapshotTemplate({ ...COS } as ModifyRequest)), 'MissingParameter');
    assert.deepEqual(await describeTemplate(id), before);
  });

  test('an unknown TemplateId → InvalidParameter.ConfNotFound for Describe, Modify and Delete', async () => {
    assert.equal(await errorCode(c.DescribeLiveSnapshotTemplate({ TemplateId: NO_SUCH_TEMPLATE })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(c.ModifyLiveSnapshotTemplate({ TemplateId: NO_SUCH_TEMPLATE, ...COS })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(c.DeleteLiveSnapshotTemplate({ TemplateId: NO_SUCH_TEMPLATE })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(c.DescribeLiveSnapshotTemplate({ TemplateId: 0 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.DescribeLiveSnapshotTemplate({} as { TemplateId: number })), 'MissingParameter');
  });

  test('Delete while bound → FailedOperation.ConfInUsed; after DeleteLiveSnapshotRule it goes', async () => {
    const domain = 'bound.snapshot-templates.example.com';
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const id = await create({ TemplateName: 'bound' });
    await c.CreateLiveSnapshotRule({ DomainName: domain, TemplateId: id });
    assert.equal(await errorCode(c.DeleteLiveSnapshotTemplate({ TemplateId: id })), 'FailedOperation.ConfInUsed');
    assert.equal((await describeTemplate(id)).TemplateId, id, 'still there');
    await c.DeleteLiveSnapshotRule({ DomainName: domain });
    await c.DeleteLiveSnapshotTemplate({ TemplateId: id });
    assert.equal(await errorCode(c.DescribeLiveSnapshotTemplate({ TemplateId: id })), 'InvalidParameter.ConfNotFound');
    assert.ok(!(await c.DescribeLiveSnapshotTemplates()).Templates!.some((t) => t.TemplateId === id));
  });

  test('DescribeLiveSnapshotTemplates lists every template in full', async () => {
    const a = await create({ TemplateName: 'listA', PornFlag: 1 });
    const b = await create({ TemplateName: 'listB', Width: 100 });
    const res = await c.DescribeLiveSnapshotTemplates();
    assert.equal(typeof res.RequestId, 'string');
    const ids = res.Templates!.map((t) => t.TemplateId!);
    assert.ok(ids.includes(a) && ids.includes(b));
    assert.equal(new Set(ids).size, ids.length);
    for (const t of res.Templates!) assert.deepEqual(await describeTemplate(t.TemplateId!), t);
  });

  test("tenancy: B can neither see nor change A's templates", async () => {
    const b = await addTenantB(lh);
    const id = await create({ TemplateName: 'tenantA' });
    const before = await describeTemplate(id);
    assert.equal(await errorCode(b.DescribeLiveSnapshotTemplate({ TemplateId: id })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(b.ModifyLiveSnapshotTemplate({ TemplateId: id, ...COS, Width: 1 })), 'InvalidParameter.ConfNotFound');
    assert.equal(await errorCode(b.DeleteLiveSnapshotTemplate({ TemplateId: id })), 'InvalidParameter.ConfNotFound');
    assert.deepEqual((await b.DescribeLiveSnapshotTemplates()).Templates, []);
    assert.deepEqual(await describeTemplate(id), before);

    const own = (await b.CreateLiveSnapshotTemplate({ TemplateName: 'tenantB', ...COS })).TemplateId!;
    assert.deepEqual((await b.DescribeLiveSnapshotTemplates()).Templates!.map((t) => t.TemplateId), [own]);
    assert.ok(!(await c.DescribeLiveSnapshotTemplates()).Templates!.some((t) => t.TemplateId === own));
    assert.equal(await errorCode(c.DescribeLiveSnapshotTemplate({ TemplateId: own })), 'InvalidParameter.ConfNotFound');
  });
});

describe('the 50-snapshot-template limit', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  test('the 51st → InternalError.ConfOutLimit; deleting one makes room; other accounts and families have their own', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) ids.push((await c.CreateLiveSnapshotTemplate({ TemplateName: `s${i}`, ...COS })).TemplateId!);
    assert.equal(new Set(ids).size, 50);
    assert.equal(await errorCode(c.CreateLiveSnapshotTemplate({ TemplateName: 'overflow', ...COS })), 'InternalError.ConfOutLimit');
    assert.equal((await c.DescribeLiveSnapshotTemplates()).Templates!.length, 50);

    await c.CreateLiveRecordTemplate({ TemplateName: 'record-is-separate' });
    const b = await addTenantB(lh);
    await b.CreateLiveSnapshotTemplate({ TemplateName: 'tenantB', ...COS });

    await c.DeleteLiveSnapshotTemplate({ TemplateId: ids[0]! });
    const replacement = (await c.CreateLiveSnapshotTemplate({ TemplateName: 'replacement', ...COS })).TemplateId!;
    assert.ok(!ids.includes(replacement), 'ids are not reused');
    assert.equal(await errorCode(c.CreateLiveSnapshotTemplate({ TemplateName: 'overflow', ...COS })), 'InternalError.ConfOutLimit');
  });
});
