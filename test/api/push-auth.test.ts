/** Push authentication keys: DescribeLivePushAuthKey and ModifyLivePushAuthKey. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

let seq = 0;
const uniqueDomain = (label = 'd'): string => `${label}${++seq}.pushauth.example.com`;

describe('push authentication keys', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  const addPush = async (label?: string): Promise<string> => {
    const name = uniqueDomain(label);
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    return name;
  };
  const describeKey = async (name: string) => (await c.DescribeLivePushAuthKey({ DomainName: name })).PushAuthKeyInfo!;

  test('a new push domain has authentication on, a random 32-hex master key, no backup key, AuthDelta 1800', async () => {
    const name = await addPush('fresh');
    const res = await c.DescribeLivePushAuthKey({ DomainName: name });
    assert.equal(typeof res.RequestId, 'string');
    const info = res.PushAuthKeyInfo!;
    assert.equal(info.DomainName, name);
    assert.equal(info.Enable, 1);
    assert.match(info.MasterAuthKey!, /^[0-9a-f]{32}$/);
    assert.equal(info.BackupAuthKey, '');
    assert.equal(info.AuthDelta, 1800);

    const other = await describeKey(await addPush('fresh'));
    assert.notEqual(other.MasterAuthKey, info.MasterAuthKey, 'every domain gets its own key');

    const cached = lh.cache.domain(name)!.pushAuth;
    assert.deepEqual(cached, { enabled: true, masterKey: info.MasterAuthKey, backupKey: '', deltaSeconds: 1800 });
  });

  test('the domain name is matched case-insensitively', async () => {
    const name = await addPush('case');
    assert.equal((await describeKey(name.toUpperCase())).DomainName, name);
  });

  test('a play domain or an unknown domain → ResourceNotFound.PushDomainNoRecord', async () => {
    const play = uniqueDomain('play');
    await c.AddLiveDomain({ DomainName: play, DomainType: 1 });
    const unknown = uniqueDomain('unknown');
    for (const name of [play, unknown]) {
      assert.equal(await errorCode(c.DescribeLivePushAuthKey({ DomainName: name })), 'ResourceNotFound.PushDomainNoRecord', name);
      assert.equal(
        await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, Enable: 0 })),
        'ResourceNotFound.PushDomainNoRecord',
        name,
      );
    }
  });

  test('Modify: omitted fields stay unchanged, given ones change, and the cache follows at once', async () => {
    const name = await addPush('modify');
    const initial = await describeKey(name);

    await c.ModifyLivePushAuthKey({ DomainName: name, AuthDelta: 3600 });
    assert.deepEqual(await describeKey(name), { ...initial, AuthDelta: 3600 });
    assert.equal(lh.cache.domain(name)!.pushAuth.deltaSeconds, 3600);

    await c.ModifyLivePushAuthKey({ DomainName: name, BackupAuthKey: 'Backup123' });
    assert.deepEqual(await describeKey(name), { ...initial, AuthDelta: 3600, BackupAuthKey: 'Backup123' });

    await c.ModifyLivePushAuthKey({ DomainName: name, MasterAuthKey: 'NewMaster456' });
    assert.deepEqual(await describeKey(name), { ...initial, AuthDelta: 3600, BackupAuthKey: 'Backup123', MasterAuthKey: 'NewMaster456' });
    assert.equal(lh.cache.domain(name)!.pushAuth.masterKey, 'NewMaster456');

    await c.ModifyLivePushAuthKey({ DomainName: name, Enable: 0 });
    assert.deepEqual(await describeKey(name), {
      ...initial,
      Enable: 0,
      AuthDelta: 3600,
      BackupAuthKey: 'Backup123',
      MasterAuthKey: 'NewMaster456',
    });
    assert.equal(lh.cache.domain(name)!.pushAuth.enabled, false);

    // A call with nothing but the domain changes nothing.
    const before = await describeKey(name);
    await c.ModifyLivePushAuthKey({ DomainName: name });
    assert.deepEqual(await describeKey(name), before);

    await c.ModifyLivePushAuthKey({ DomainName: name, Enable: 1, MasterAuthKey: 'm1', BackupAuthKey: 'b2', AuthDelta: 60 });
    assert.deepEqual(await describeKey(name), { DomainName: name, Enable: 1, MasterAuthKey: 'm1', BackupAuthKey: 'b2', AuthDelta: 60 });
    assert.deepEqual(lh.cache.domain(name)!.pushAuth, { enabled: true, masterKey: 'm1', backupKey: 'b2', deltaSeconds: 60 });
  });

  test('enabling with no key at all → InvalidParameterValue; disabled with no keys is fine', async () => {
    const name = await addPush('nokey');
    // Clearing both keys while enabled leaves authentication on with nothing to check against.
    assert.equal(
      await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, MasterAuthKey: '', BackupAuthKey: '' })),
      'InvalidParameterValue',
    );
    assert.equal((await describeKey(name)).Enable, 1, 'a refused change leaves the domain as it was');
    assert.match((await describeKey(name)).MasterAuthKey!, /^[0-9a-f]{32}$/);

    await c.ModifyLivePushAuthKey({ DomainName: name, Enable: 0, MasterAuthKey: '', BackupAuthKey: '' });
    const off = await describeKey(name);
    assert.deepEqual([off.Enable, off.MasterAuthKey, off.BackupAuthKey], [0, '', '']);

    assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, Enable: 1 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, Enable: 1, MasterAuthKey: '' })), 'InvalidParameterValue');
    assert.equal((await describeKey(name)).Enable, 0);

    // A backup key alone is enough.
    await c.ModifyLivePushAuthKey({ DomainName: name, Enable: 1, BackupAuthKey: 'onlyBackup' });
    const on = await describeKey(name);
    assert.deepEqual([on.Enable, on.MasterAuthKey, on.BackupAuthKey], [1, '', 'onlyBackup']);
  });

  test('keys outside letters and digits, or too long → InvalidParameterValue', async () => {
    const name = await addPush('charset');
    const before = await describeKey(name);
    for (const key of ['with space', 'dash-key', 'plus+key', 'slash/key', 'amp&key', '中文密钥', 'quote"key', 'a'.repeat(257)]) {
      assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, MasterAuthKey: key })), 'InvalidParameterValue', key);
      assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, BackupAuthKey: key })), 'InvalidParameterValue', key);
    }
    assert.deepEqual(await describeKey(name), before);
    await c.ModifyLivePushAuthKey({ DomainName: name, MasterAuthKey: 'a'.repeat(256) });
    assert.equal((await describeKey(name)).MasterAuthKey, 'a'.repeat(256));
  });

  test('Enable and AuthDelta out of range → InvalidParameterValue; a wrong type → InvalidParameter', async () => {
    const name = await addPush('range');
    assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, Enable: 2 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, AuthDelta: 0 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, AuthDelta: -5 })), 'InvalidParameterValue');
    assert.equal(
      await errorCode(c.ModifyLivePushAuthKey({ DomainName: name, AuthDelta: '60' as unknown as number })),
      'InvalidParameter',
    );
    assert.equal(await errorCode(c.DescribeLivePushAuthKey({} as { DomainName: string })), 'MissingParameter');
  });
});
