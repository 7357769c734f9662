/**
 * Snapshot rules: Create/Delete/DescribeLiveSnapshotRules through the official SDK, and what the
 * config cache's snapshotTemplateFor() hands the screenshot workers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { mediaRuleSuite } from '../helpers/media-rules.js';

const COS = { CosAppId: 1250000000, CosBucket: 'snaps', CosRegion: 'ap-guangzhou' } as const;

mediaRuleSuite({
  name: 'snapshot',
  createTemplate: async (c, name) => (await c.CreateLiveSnapshotTemplate({ TemplateName: name, ...COS })).TemplateId!,
  deleteTemplate: (c, id) => c.DeleteLiveSnapshotTemplate({ TemplateId: id }),
  createRule: (c, req) => c.CreateLiveSnapshotRule(req),
  deleteRule: (c, req) => c.DeleteLiveSnapshotRule(req),
  describeRules: async (c) => (await c.DescribeLiveSnapshotRules()).Rules,
  cachedTemplateId: (lh, domain, app, stream) => lh.cache.snapshotTemplateFor(domain, app, stream)?.id,
});

describe('snapshotTemplateFor', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  test('gives the template’s settings, with defaults filled in, and follows Modify at once', async () => {
    const domain = 'cache.snapshot-rules.example.com';
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const id = (await c.CreateLiveSnapshotTemplate({ TemplateName: 'cache', ...COS })).TemplateId!;
    await c.CreateLiveSnapshotRule({ DomainName: domain, TemplateId: id, AppName: '' });

    assert.deepEqual(lh.cache.snapshotTemplateFor(domain, 'live', 's'), {
      id,
      appId: 1250000000,
      intervalSeconds: 10,
      width: 0,
      height: 0,
      pornFlag: false,
      cosPrefix: '/{Year}-{Month}-{Day}',
      cosFileName: '{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}',
    });

    await c.ModifyLiveSnapshotTemplate({
      TemplateId: id,
      ...COS,
      SnapshotInterval: 2,
      Width: 320,
      Height: 180,
      PornFlag: 1,
      CosPrefix: '/shots/{StreamID}',
      CosFileName: '{Year}{Month}{Day}-{Hour}{Minute}{Second}{Ext}',
    });
    assert.deepEqual(lh.cache.snapshotTemplateFor(domain, 'live', 's'), {
      id,
      appId: 1250000000,
      intervalSeconds: 2,
      width: 320,
      height: 180,
      pornFlag: true,
      cosPrefix: '/shots/{StreamID}',
      cosFileName: '{Year}{Month}{Day}-{Hour}{Minute}{Second}{Ext}',
    });
    assert.equal(lh.cache.recordTemplateFor(domain, 'live', 's'), undefined, 'snapshot rules do not bind recording');
    assert.equal(lh.cache.callbackTemplate(domain, 'live'), undefined, 'nor callbacks');
  });
});
