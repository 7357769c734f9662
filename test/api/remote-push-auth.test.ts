/** Remote push authentication settings: DescribeLiveRemotePushAuth and ModifyLiveRemotePushAuth (livehook's own). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callAction } from '../helpers/callbacks.js';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

interface Info {
  RemotePushAuthInfo: { DomainName: string; Enable: number; Url: string; TimeoutMs: number; Retries: number; OnFailure: string };
}

let seq = 0;
const uniqueDomain = (label: string): string => `${label}${++seq}.remoteauth.example.com`;

describe('remote push authentication settings', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  const describeAuth = async (name: string) => (await callAction<Info>(c, 'DescribeLiveRemotePushAuth', { DomainName: name })).RemotePushAuthInfo;

  test("a new push domain has it off, with Tencent's defaults: 3000 ms per try, 1 retry, allow on failure", async () => {
    const name = uniqueDomain('fresh');
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    assert.deepEqual(await describeAuth(name), { DomainName: name, Enable: 0, Url: '', TimeoutMs: 3000, Retries: 1, OnFailure: 'allow' });
    assert.deepEqual(lh.cache.domain(name)!.remoteAuth, { enabled: false, url: '', timeoutMs: 3000, retries: 1, onFailure: 'allow' });
  });

  test('Modify changes only what it names, and the change is in force for the next push', async () => {
    const name = uniqueDomain('modify');
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    await callAction(c, 'ModifyLiveRemotePushAuth', { DomainName: name, Enable: 1, Url: 'https://auth.example.com/check?k=1', TimeoutMs: 500 });
    await callAction(c, 'ModifyLiveRemotePushAuth', { DomainName: name, Retries: 3, OnFailure: 'deny' });
    assert.deepEqual(await describeAuth(name), { DomainName: name, Enable: 1, Url: 'https://auth.example.com/check?k=1', TimeoutMs: 500, Retries: 3, OnFailure: 'deny' });
    assert.deepEqual(lh.cache.domain(name)!.remoteAuth, { enabled: true, url: 'https://auth.example.com/check?k=1', timeoutMs: 500, retries: 3, onFailure: 'deny' });
  });

  test('bad values are refused with Tencent-style codes', async () => {
    const name = uniqueDomain('bad');
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    const modify = (params: Record<string, unknown>) => errorCode(callAction(c, 'ModifyLiveRemotePushAuth', { DomainName: name, ...params }));
    assert.equal(await modify({ Enable: 1 }), 'InvalidParameterValue', 'enabling needs a Url');
    assert.equal(await modify({ TimeoutMs: 499 }), 'InvalidParameterValue');
    assert.equal(await modify({ TimeoutMs: 3001 }), 'InvalidParameterValue');
    assert.equal(await modify({ Retries: 4 }), 'InvalidParameterValue');
    assert.equal(await modify({ Url: 'ftp://auth.example.com/' }), 'InvalidParameterValue');
    assert.equal(await modify({ OnFailure: 'maybe' }), 'InvalidParameterValue');
    const play = uniqueDomain('play');
    await c.AddLiveDomain({ DomainName: play, DomainType: 1 });
    assert.equal(await errorCode(callAction(c, 'DescribeLiveRemotePushAuth', { DomainName: play })), 'ResourceNotFound.PushDomainNoRecord');
    assert.equal(await errorCode(callAction(c, 'DescribeLiveRemotePushAuth', { DomainName: uniqueDomain('unknown') })), 'ResourceNotFound.PushDomainNoRecord');
  });
});
