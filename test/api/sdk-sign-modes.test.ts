/**
 * The installed official Node SDK (tencentcloud-sdk-nodejs) in each of its signing modes —
 * signMethod TC3-HMAC-SHA256, HmacSHA256 and HmacSHA1, each with reqMethod POST and GET — end to
 * end against a real livehook with the replay guard on (docs/api-signing.md).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tencentcloud from 'tencentcloud-sdk-nodejs';
import { TEST_SECRET_ID, TEST_SECRET_KEY, errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

const SIGN_METHODS = ['TC3-HMAC-SHA256', 'HmacSHA256', 'HmacSHA1'] as const;
const REQ_METHODS = ['POST', 'GET'] as const;

describe('official SDK, every signing mode', () => {
  let lh: TestLivehook;

  before(async () => {
    lh = await startTestLivehook({ flags: { apiReplayGuard: true } });
  });

  after(async () => {
    await lh.stop();
  });

  function client(signMethod: string, reqMethod: string, secretKey = TEST_SECRET_KEY, language?: 'en-US' | 'zh-CN'): LiveClient {
    return new tencentcloud.live.v20180801.Client({
      credential: { secretId: TEST_SECRET_ID, secretKey },
      region: '',
      profile: {
        signMethod: signMethod as 'TC3-HMAC-SHA256',
        httpProfile: { endpoint: lh.httpUrl.replace(/^http:\/\//, ''), protocol: 'http://', reqMethod: reqMethod as 'POST', reqTimeout: 10 },
        ...(language ? { language } : {}),
      },
    });
  }

  for (const signMethod of SIGN_METHODS) {
    for (const reqMethod of REQ_METHODS) {
      test(`${signMethod} over ${reqMethod}: DescribeLiveDomains, CreateLiveCallbackTemplate, DescribeLiveCallbackTemplate`, async () => {
        const sdk = client(signMethod, reqMethod);
        const domains = await sdk.DescribeLiveDomains({ PageSize: 10, PageNum: 1, DomainType: 0 });
        assert.ok(Array.isArray(domains.DomainList));
        const name = `sdk_${signMethod}_${reqMethod}`;
        const created = await sdk.CreateLiveCallbackTemplate({
          TemplateName: name,
          StreamBeginNotifyUrl: 'http://127.0.0.1:9/begin?a=1&b=x y',
          RecordExceptionNotifyUrl: 'http://127.0.0.1:9/exception',
          RecordExceptionLevels: ['error', 'warning'],
        });
        assert.equal(typeof created.TemplateId, 'number');
        const read = await sdk.DescribeLiveCallbackTemplate({ TemplateId: created.TemplateId! });
        assert.equal(read.Template?.TemplateName, name);
        assert.equal(read.Template?.StreamBeginNotifyUrl, 'http://127.0.0.1:9/begin?a=1&b=x y');
        assert.deepEqual(read.Template?.RecordExceptionLevels, ['error', 'warning']);
        await sdk.DeleteLiveCallbackTemplate({ TemplateId: created.TemplateId! });
      });

      test(`${signMethod} over ${reqMethod}: a wrong key is AuthFailure.SignatureFailure`, async () => {
        assert.equal(await errorCode(client(signMethod, reqMethod, 'wrong').DescribeLiveDomains({})), 'AuthFailure.SignatureFailure');
      });
    }
  }

  test('the SDK language setting (X-TC-Language / Language) is accepted', async () => {
    for (const signMethod of SIGN_METHODS) {
      const domains = await client(signMethod, 'POST', TEST_SECRET_KEY, 'en-US').DescribeLiveDomains({});
      assert.ok(Array.isArray(domains.DomainList), signMethod);
    }
  });
});
