/**
 * Tenancy: a key of account B neither sees nor touches account A's resources (answers as if they
 * did not exist), and a revoked key is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { insertAccount } from '../../src/store/accounts.js';
import { insertApiKey, revokeApiKey } from '../../src/store/api-keys.js';
import { errorCode, startTestLivehook, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

const APPID_B = 1250000002;
const SECRET_ID_B = 'AKIDtenancyB0000000000000000000000000';
const SECRET_KEY_B = 'tenancyBSecretKey0000000000000000';

describe('tenancy', () => {
  let lh: TestLivehook;
  let a: LiveClient;
  let b: LiveClient;
  const domainA = 'push.a.tenancy.example.com';
  const playA = 'play.a.tenancy.example.com';
  const domainB = 'push.b.tenancy.example.com';
  let templateA: number;
  let templateB: number;
  let masterKeyA: string;

  before(async () => {
    lh = await startTestLivehook();
    await insertAccount(lh.store.db, APPID_B, 'tenant B');
    await insertApiKey(lh.store.db, { secretId: SECRET_ID_B, secretKey: SECRET_KEY_B, appId: APPID_B });
    a = lh.client();
    b = lh.client(SECRET_ID_B, SECRET_KEY_B);

    await a.AddLiveDomain({ DomainName: domainA, DomainType: 0 });
    await a.AddLiveDomain({ DomainName: playA, DomainType: 1 });
    templateA = (await a.CreateLiveCallbackTemplate({ TemplateName: 'tplA', StreamBeginNotifyUrl: 'http://a.example.com/cb', CallbackKey: 'keyA' })).TemplateId!;
    await a.CreateLiveCallbackRule({ DomainName: domainA, AppName: '', TemplateId: templateA });
    masterKeyA = (await a.DescribeLivePushAuthKey({ DomainName: domainA })).PushAuthKeyInfo!.MasterAuthKey!;

    await b.AddLiveDomain({ DomainName: domainB, DomainType: 0 });
    templateB = (await b.CreateLiveCallbackTemplate({ TemplateName: 'tplB', StreamBeginNotifyUrl: 'http://b.example.com/cb' })).TemplateId!;
  });
  after(() => lh.stop());

  test("B cannot Describe, Modify or Delete A's template: InvalidParameter.ConfNotFound, and nothing changes", async () => {
    assert.equal(await errorCode(b.DescribeLiveCallbackTemplate({ TemplateId: templateA })), 'InvalidParameter.ConfNotFound');
    assert.equal(
      await errorCode(b.ModifyLiveCallbackTemplate({ TemplateId: templateA, StreamBeginNotifyUrl: 'http://evil.example.com/' })),
      'InvalidParameter.ConfNotFound',
    );
    assert.equal(await errorCode(b.DeleteLiveCallbackTemplate({ TemplateId: templateA })), 'InvalidParameter.ConfNotFound');
    // Same answer as for an id that exists nowhere.
    assert.equal(await errorCode(b.DescribeLiveCallbackTemplate({ TemplateId: 987654321 })), 'InvalidParameter.ConfNotFound');

    const t = (await a.DescribeLiveCallbackTemplate({ TemplateId: templateA })).Template!;
    assert.equal(t.StreamBeginNotifyUrl, 'http://a.example.com/cb');
    assert.equal(lh.cache.callbackTemplate(domainA, 'live')?.urls.streamBegin, 'http://a.example.com/cb');
  });

  test("B cannot see or change A's domains: the not-found codes of a domain that does not exist", async () => {
    assert.equal(await errorCode(b.DescribeLiveDomain({ DomainName: domainA })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(b.ForbidLiveDomain({ DomainName: domainA })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(b.EnableLiveDomain({ DomainName: domainA })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(b.DeleteLiveDomain({ DomainName: domainA, DomainType: 0 })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(b.DeleteLiveDomain({ DomainName: playA, DomainType: 1 })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(b.DescribeLivePushAuthKey({ DomainName: domainA })), 'ResourceNotFound.PushDomainNoRecord');
    assert.equal(
      await errorCode(b.ModifyLivePushAuthKey({ DomainName: domainA, Enable: 0 })),
      'ResourceNotFound.PushDomainNoRecord',
    );

    const info = (await a.DescribeLiveDomain({ DomainName: domainA })).DomainInfo!;
    assert.equal(info.Status, 1, 'still enabled');
    const auth = (await a.DescribeLivePushAuthKey({ DomainName: domainA })).PushAuthKeyInfo!;
    assert.deepEqual([auth.Enable, auth.MasterAuthKey], [1, masterKeyA]);
    assert.equal((await a.DescribeLiveDomain({ DomainName: playA })).DomainInfo!.Name, playA);
  });

  test("B cannot bind A's template to its own domain, nor its template to A's domain", async () => {
    assert.equal(
      await errorCode(b.CreateLiveCallbackRule({ DomainName: domainB, AppName: '', TemplateId: templateA })),
      'InvalidParameter.ConfNotFound',
    );
    assert.equal(
      await errorCode(b.CreateLiveCallbackRule({ DomainName: domainA, AppName: 'live', TemplateId: templateB })),
      'ResourceNotFound.DomainNotExist',
    );
    // …nor A the other way round.
    assert.equal(
      await errorCode(a.CreateLiveCallbackRule({ DomainName: domainA, AppName: 'live', TemplateId: templateB })),
      'InvalidParameter.ConfNotFound',
    );
    assert.equal(
      await errorCode(a.CreateLiveCallbackRule({ DomainName: domainB, AppName: '', TemplateId: templateA })),
      'ResourceNotFound.DomainNotExist',
    );
    assert.equal(lh.cache.callbackTemplate(domainA, 'live')?.id, templateA);
    assert.equal(lh.cache.callbackTemplate(domainB, 'live'), undefined);
  });

  test("B cannot delete A's rule: FailedOperation.NotFound", async () => {
    assert.equal(await errorCode(b.DeleteLiveCallbackRule({ DomainName: domainA, AppName: '' })), 'FailedOperation.NotFound');
    assert.equal(lh.cache.callbackTemplate(domainA, 'live')?.id, templateA);
  });

  test("B's lists hold none of A's resources, and A's none of B's", async () => {
    const bDomains = await b.DescribeLiveDomains({ PageSize: 100 });
    assert.deepEqual(bDomains.DomainList!.map((d) => d.Name), [domainB]);
    assert.equal(bDomains.AllCount, 1);
    assert.equal(bDomains.CreateLimitCount, 99, "A's domains do not count against B's limit");
    assert.deepEqual(bDomains.PlayTypeCount!.map(Number), [0, 0, 0]);
    assert.deepEqual((await b.DescribeLiveDomains({ DomainPrefix: 'push.a' })).DomainList, []);

    const bTemplates = (await b.DescribeLiveCallbackTemplates()).Templates!;
    assert.deepEqual(bTemplates.map((t) => t.TemplateId), [templateB]);
    assert.deepEqual((await b.DescribeLiveCallbackRules()).Rules, []);

    const aDomains = (await a.DescribeLiveDomains({ PageSize: 100 })).DomainList!.map((d) => d.Name).sort();
    assert.deepEqual(aDomains, [playA, domainA].sort());
    assert.deepEqual((await a.DescribeLiveCallbackTemplates()).Templates!.map((t) => t.TemplateId), [templateA]);
    assert.deepEqual(
      (await a.DescribeLiveCallbackRules()).Rules!.map((r) => [r.DomainName, r.AppName, r.TemplateId]),
      [[domainA, '', templateA]],
    );
  });

  test("B adding A's domain name → InvalidParameter.DomainAlreadyExist (names are global)", async () => {
    assert.equal(await errorCode(b.AddLiveDomain({ DomainName: domainA, DomainType: 0 })), 'InvalidParameter.DomainAlreadyExist');
    assert.equal(await errorCode(b.AddLiveDomain({ DomainName: playA.toUpperCase(), DomainType: 1 })), 'InvalidParameter.DomainAlreadyExist');
    // For A itself it is the "already added" code.
    assert.equal(await errorCode(a.AddLiveDomain({ DomainName: domainA, DomainType: 0 })), 'FailedOperation.DomainAdded');
    assert.equal(lh.cache.domain(domainA)?.appId, TEST_APPID);
  });

  test('a revoked key → AuthFailure.SecretIdNotFound, at once; other keys keep working', async () => {
    const secretId = 'AKIDtenancyRevoked000000000000000000';
    const secretKey = 'tenancyRevokedKey0000000000000000';
    await insertApiKey(lh.store.db, { secretId, secretKey, appId: APPID_B });
    const doomed = lh.client(secretId, secretKey);
    assert.deepEqual((await doomed.DescribeLiveCallbackTemplates()).Templates!.map((t) => t.TemplateId), [templateB]);

    assert.equal(await revokeApiKey(lh.store.db, secretId), true);
    assert.equal(await errorCode(doomed.DescribeLiveCallbackTemplates()), 'AuthFailure.SecretIdNotFound');
    assert.equal(await errorCode(doomed.AddLiveDomain({ DomainName: 'x.tenancy.example.com', DomainType: 0 })), 'AuthFailure.SecretIdNotFound');
    assert.equal(await revokeApiKey(lh.store.db, secretId), false, 'revoking twice is a no-op');

    // An id that never existed gets the same code.
    assert.equal(
      await errorCode(lh.client('AKIDneverExisted00000000000000000000', secretKey).DescribeLiveCallbackTemplates()),
      'AuthFailure.SecretIdNotFound',
    );
    await b.DescribeLiveCallbackTemplates();
    await a.DescribeLiveCallbackTemplates();
  });
});
