/**
 * Record rules: Create/Delete/DescribeLiveRecordRules through the official SDK, and what the
 * config cache's recordTemplateFor() hands the recorder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';
import { mediaRuleSuite } from '../helpers/media-rules.js';

mediaRuleSuite({
  name: 'record',
  createTemplate: async (c, name) => (await c.CreateLiveRecordTemplate({ TemplateName: name, FlvParam: { Enable: 1 } })).TemplateId!,
  deleteTemplate: (c, id) => c.DeleteLiveRecordTemplate({ TemplateId: id }),
  createRule: (c, req) => c.CreateLiveRecordRule(req),
  deleteRule: (c, req) => c.DeleteLiveRecordRule(req),
  describeRules: async (c) => (await c.DescribeLiveRecordRules()).Rules,
  cachedTemplateId: (lh, domain, app, stream) => lh.cache.recordTemplateFor(domain, app, stream)?.id,
});

describe('recordTemplateFor', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  let seq = 0;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  const bound = async (req: Parameters<LiveClient['CreateLiveRecordTemplate']>[0]): Promise<{ domain: string; id: number }> => {
    const domain = `d${++seq}.record-cache.example.com`;
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const id = (await c.CreateLiveRecordTemplate(req)).TemplateId!;
    await c.CreateLiveRecordRule({ DomainName: domain, TemplateId: id, AppName: '' });
    return { domain, id };
  };

  test('lists the enabled FLV/MP4/HLS formats with their intervals (default 1800 s)', async () => {
    const { domain, id } = await bound({
      TemplateName: 'formats',
      FlvParam: { Enable: 1, RecordInterval: 10 },
      Mp4Param: { Enable: 1 },
      HlsParam: { Enable: 1, RecordInterval: 600 },
      AacParam: { Enable: 1, RecordInterval: 60 },
    });
    assert.deepEqual(lh.cache.recordTemplateFor(domain, 'live', 's'), {
      id,
      appId: 1250000000,
      formats: [
        { format: 'flv', intervalSeconds: 10 },
        { format: 'mp4', intervalSeconds: 1800 },
        { format: 'hls', intervalSeconds: 600 },
      ],
    });
  });

  test('formats with Enable 0 or not given are left out; a template recording nothing binds nothing', async () => {
    const { domain, id } = await bound({ TemplateName: 'partial', FlvParam: { Enable: 0, RecordInterval: 60 }, Mp4Param: { Enable: 1, RecordInterval: 30 } });
    assert.deepEqual(lh.cache.recordTemplateFor(domain, 'live', 's')?.formats, [{ format: 'mp4', intervalSeconds: 30 }]);

    await c.ModifyLiveRecordTemplate({ TemplateId: id, Mp4Param: { Enable: 0 } });
    assert.equal(lh.cache.recordTemplateFor(domain, 'live', 's'), undefined, 'no enabled format');
    await c.ModifyLiveRecordTemplate({ TemplateId: id, HlsParam: { Enable: 1 } });
    assert.deepEqual(lh.cache.recordTemplateFor(domain, 'live', 's')?.formats, [{ format: 'hls', intervalSeconds: 1800 }]);

    const audioOnly = await bound({ TemplateName: 'audio', AacParam: { Enable: 1 }, Mp3Param: { Enable: 1 } });
    assert.equal(lh.cache.recordTemplateFor(audioOnly.domain, 'live', 's'), undefined, 'AAC/MP3 are stored, not recorded');
    assert.equal(lh.cache.snapshotTemplateFor(audioOnly.domain, 'live', 's'), undefined, 'record rules do not bind screenshots');
  });
});
