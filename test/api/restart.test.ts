/**
 * Restart on the same data dir: everything made through the API is still there, the binding cache
 * is rebuilt from the store, and the first-start bootstrap does not run again.
 */
import fs from 'node:fs';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { countAccounts } from '../../src/store/accounts.js';
import { listApiKeys } from '../../src/store/api-keys.js';
import { errorCode, startTestLivehook, tempDir, TEST_APPID, TEST_SECRET_ID, type TestLivehook } from '../helpers/livehook.js';

const dataDir = tempDir('livehook-restart-');
const running: TestLivehook[] = [];

after(async () => {
  for (const lh of running) await lh.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('domains, templates, rules and push-auth changes survive a restart', async () => {
  const push = 'push.restart.example.com';
  const play = 'play.restart.example.com';

  // ---- first life ----
  const first = await startTestLivehook({ dataDir });
  running.push(first);
  assert.equal(first.bootstrap.created?.appId, TEST_APPID, 'the first start bootstraps the default account');
  const c1 = first.client();
  await c1.AddLiveDomain({ DomainName: push, DomainType: 0 });
  await c1.AddLiveDomain({ DomainName: play, DomainType: 1, PlayType: 2, IsDelayLive: 1 });
  await c1.ForbidLiveDomain({ DomainName: play });
  const wide = (await c1.CreateLiveCallbackTemplate({
    TemplateName: '整域_wide',
    StreamBeginNotifyUrl: 'https://receiver.example.com/begin',
    StreamEndNotifyUrl: 'https://receiver.example.com/end',
    CallbackKey: 'restartKey1',
    RecordExceptionLevels: ['error'],
  })).TemplateId!;
  const special = (await c1.CreateLiveCallbackTemplate({ TemplateName: 'special', RecordNotifyUrl: 'http://receiver.example.com/rec' })).TemplateId!;
  await c1.ModifyLiveCallbackTemplate({ TemplateId: special, SnapshotNotifyUrl: 'http://receiver.example.com/snap' });
  await c1.CreateLiveCallbackRule({ DomainName: push, AppName: '', TemplateId: wide });
  await c1.CreateLiveCallbackRule({ DomainName: push, AppName: 'live', TemplateId: special });
  await c1.ModifyLivePushAuthKey({ DomainName: push, MasterAuthKey: 'restartMaster', BackupAuthKey: 'restartBackup', AuthDelta: 7200 });

  const domainsBefore = await c1.DescribeLiveDomains({ PageSize: 100 });
  const templatesBefore = await c1.DescribeLiveCallbackTemplates();
  const rulesBefore = await c1.DescribeLiveCallbackRules();
  const authBefore = await c1.DescribeLivePushAuthKey({ DomainName: push });

  await first.stop({ keepData: true });
  running.pop();

  // ---- second life ----
  const second = await startTestLivehook({ dataDir });
  running.push(second);
  assert.equal(second.bootstrap.created, undefined, 'bootstrap does not run on a non-empty store');
  assert.equal(await countAccounts(second.store.db), 1, 'no second account');
  assert.deepEqual((await listApiKeys(second.store.db)).map((k) => k.secret_id), [TEST_SECRET_ID], 'no second key');

  const c2 = second.client(); // the bootstrap key from the first start
  const strip = <T extends { RequestId?: string }>(r: T): Omit<T, 'RequestId'> => {
    const { RequestId: _ignored, ...rest } = r;
    return rest;
  };
  assert.deepEqual(strip(await c2.DescribeLiveDomains({ PageSize: 100 })), strip(domainsBefore));
  assert.deepEqual(strip(await c2.DescribeLiveCallbackTemplates()), strip(templatesBefore));
  assert.deepEqual(strip(await c2.DescribeLiveCallbackRules()), strip(rulesBefore));
  assert.deepEqual(strip(await c2.DescribeLivePushAuthKey({ DomainName: push })), strip(authBefore));

  // Spot checks, in case both lives agreed on something wrong.
  const playInfo = (await c2.DescribeLiveDomain({ DomainName: play })).DomainInfo!;
  assert.deepEqual([playInfo.Type, playInfo.Status, playInfo.PlayType, playInfo.IsDelayLive], [1, 0, 2, 1]);
  const auth = (await c2.DescribeLivePushAuthKey({ DomainName: push })).PushAuthKeyInfo!;
  assert.deepEqual([auth.Enable, auth.MasterAuthKey, auth.BackupAuthKey, auth.AuthDelta], [1, 'restartMaster', 'restartBackup', 7200]);
  const specialInfo = (await c2.DescribeLiveCallbackTemplate({ TemplateId: special })).Template!;
  assert.equal(specialInfo.SnapshotNotifyUrl, 'http://receiver.example.com/snap');
  assert.equal(rulesBefore.Rules!.length, 2);

  // The binding cache is rebuilt from the store at start.
  assert.equal(second.cache.callbackTemplate(push, 'live')?.id, special);
  assert.equal(second.cache.callbackTemplate(push, 'other')?.id, wide);
  assert.equal(second.cache.callbackTemplate(push, 'other')?.callbackKey, 'restartKey1');
  assert.equal(second.cache.callbackTemplate(push, 'other')?.urls.streamEnd, 'https://receiver.example.com/end');
  assert.deepEqual(second.cache.domain(push)?.pushAuth, { enabled: true, masterKey: 'restartMaster', backupKey: 'restartBackup', deltaSeconds: 7200 });
  assert.equal(second.cache.domain(play)?.enabled, false);
  assert.equal(second.cache.domain(push)?.appId, TEST_APPID);

  // Still fully usable: limits and uniqueness see the old rows, and new ids do not collide.
  assert.equal(await errorCode(c2.AddLiveDomain({ DomainName: push, DomainType: 0 })), 'FailedOperation.DomainAdded');
  assert.equal(await errorCode(c2.CreateLiveCallbackRule({ DomainName: push, AppName: 'live', TemplateId: wide })), 'InternalError.RuleAlreadyExist');
  assert.equal(await errorCode(c2.DeleteLiveCallbackTemplate({ TemplateId: wide })), 'FailedOperation.ConfInUsed');
  const third = (await c2.CreateLiveCallbackTemplate({ TemplateName: 'afterRestart', StreamBeginNotifyUrl: 'http://receiver.example.com/x' })).TemplateId!;
  assert.ok(third !== wide && third !== special);
  await c2.DeleteLiveCallbackRule({ DomainName: push, AppName: 'live' });
  assert.equal(second.cache.callbackTemplate(push, 'live')?.id, wide);

  await second.stop({ keepData: true });
  running.pop();
});
