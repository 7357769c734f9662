/**
 * Domain actions through the official SDK: AddLiveDomain, DescribeLiveDomain(s), Forbid/Enable,
 * DeleteLiveDomain and the per-account limit of 100 domains.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

const BEIJING_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** A Beijing-time string (UTC+8) as epoch milliseconds. */
const fromBeijingTime = (s: string): number => Date.parse(s.replace(' ', 'T') + '+08:00');

function assertBeijingNow(value: unknown, toleranceMs = 5_000): void {
  assert.equal(typeof value, 'string');
  assert.match(value as string, BEIJING_TIME);
  const diff = Math.abs(fromBeijingTime(value as string) - Date.now());
  assert.ok(diff <= toleranceMs, `${String(value)} is ${diff} ms away from Beijing time now`);
}

let seq = 0;
const uniqueDomain = (label = 'd'): string => `${label}${++seq}-${process.pid}.domains.example.com`;

describe('AddLiveDomain and DescribeLiveDomain', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  test('a push domain gets the documented defaults, with every DomainInfo field typed', async () => {
    const name = uniqueDomain('push');
    const added = await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    assert.equal(typeof added.RequestId, 'string');

    const { DomainInfo: info } = await c.DescribeLiveDomain({ DomainName: name });
    assert.ok(info);
    const expectedTypes: Record<string, 'string' | 'number'> = {
      Name: 'string',
      Type: 'number',
      Status: 'number',
      CreateTime: 'string',
      BCName: 'number',
      TargetDomain: 'string',
      PlayType: 'number',
      IsDelayLive: 'number',
      CurrentCName: 'string',
      RentTag: 'number',
      RentExpireTime: 'string',
      IsMiniProgramLive: 'number',
    };
    for (const [field, type] of Object.entries(expectedTypes)) {
      assert.equal(typeof (info as Record<string, unknown>)[field], type, `DomainInfo.${field} should be a ${type}`);
    }
    assert.equal(info.Name, name);
    assert.equal(info.Type, 0);
    assert.equal(info.Status, 1);
    assert.equal(info.PlayType, 1);
    assert.equal(info.IsDelayLive, 0);
    assert.equal(info.IsMiniProgramLive, 0);
    assert.equal(info.BCName, 0);
    assert.ok([0, 1].includes(info.RentTag!));
    assert.match(info.RentExpireTime!, BEIJING_TIME);
    assertBeijingNow(info.CreateTime);
  });

  test('a play domain keeps PlayType, IsDelayLive and IsMiniProgramLive', async () => {
    const name = uniqueDomain('play');
    await c.AddLiveDomain({ DomainName: name, DomainType: 1, PlayType: 3, IsDelayLive: 1, IsMiniProgramLive: 1, VerifyOwnerType: 'dnsCheck' });
    const { DomainInfo: info } = await c.DescribeLiveDomain({ DomainName: name });
    assert.equal(info!.Type, 1);
    assert.equal(info!.Status, 1);
    assert.equal(info!.PlayType, 3);
    assert.equal(info!.IsDelayLive, 1);
    assert.equal(info!.IsMiniProgramLive, 1);
  });

  test('every VerifyOwnerType is accepted; anything else is InvalidParameterValue', async () => {
    for (const type of ['dnsCheck', 'fileCheck', 'dbCheck']) {
      await c.AddLiveDomain({ DomainName: uniqueDomain('verify'), DomainType: 0, VerifyOwnerType: type });
    }
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: uniqueDomain(), DomainType: 0, VerifyOwnerType: 'emailCheck' })), 'InvalidParameterValue');
  });

  test('out-of-range DomainType, PlayType, IsDelayLive → InvalidParameterValue; missing DomainType → MissingParameter', async () => {
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: uniqueDomain(), DomainType: 2 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: uniqueDomain(), DomainType: 1, PlayType: 4 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: uniqueDomain(), DomainType: 1, PlayType: 0 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: uniqueDomain(), DomainType: 0, IsDelayLive: 2 })), 'InvalidParameterValue');
    assert.equal(
      await errorCode(c.AddLiveDomain({ DomainName: uniqueDomain() } as unknown as Parameters<LiveClient['AddLiveDomain']>[0])),
      'MissingParameter',
    );
    assert.equal(
      await errorCode(c.DeleteLiveDomain({ DomainName: uniqueDomain() } as unknown as Parameters<LiveClient['DeleteLiveDomain']>[0])),
      'MissingParameter',
    );
  });

  test('adding a domain twice in the same account → FailedOperation.DomainAdded (whatever the type or case)', async () => {
    const name = uniqueDomain('dup');
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: name, DomainType: 0 })), 'FailedOperation.DomainAdded');
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: name, DomainType: 1 })), 'FailedOperation.DomainAdded');
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: name.toUpperCase(), DomainType: 0 })), 'FailedOperation.DomainAdded');
  });

  test('badly formed names → InvalidParameter.DomainFormatError', async () => {
    const bad = [
      'localhost',
      'no_underscore.example.com',
      '-leading.example.com',
      'trailing-.example.com',
      'double..dot.example.com',
      '.example.com',
      'example.com.',
      'http://url.example.com',
      'space here.example.com',
      'example.c0m',
      'example.c',
      `${'a'.repeat(64)}.example.com`,
      '',
    ];
    for (const name of bad) {
      assert.equal(await errorCode(c.AddLiveDomain({ DomainName: name, DomainType: 0 })), 'InvalidParameter.DomainFormatError', name);
    }
  });

  test('names longer than 253 characters → InvalidParameter.DomainTooLong; 253 is accepted', async () => {
    const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    assert.equal(longest.length, 253);
    await c.AddLiveDomain({ DomainName: longest, DomainType: 0 });
    const tooLong = `e${longest}`;
    assert.equal(tooLong.length, 254);
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: tooLong, DomainType: 0 })), 'InvalidParameter.DomainTooLong');
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: `${'f'.repeat(300)}.com`, DomainType: 0 })), 'InvalidParameter.DomainTooLong');
  });

  test('an upper-case name is stored lower-case and found whatever the case', async () => {
    const lower = uniqueDomain('mixed');
    const upper = lower.toUpperCase();
    await c.AddLiveDomain({ DomainName: upper, DomainType: 0 });
    const viaLower = await c.DescribeLiveDomain({ DomainName: lower });
    assert.equal(viaLower.DomainInfo!.Name, lower);
    const viaUpper = await c.DescribeLiveDomain({ DomainName: upper });
    assert.equal(viaUpper.DomainInfo!.Name, lower);
    const listed = await c.DescribeLiveDomains({ DomainPrefix: lower.slice(0, 8).toUpperCase(), PageSize: 100 });
    assert.deepEqual(listed.DomainList!.map((d) => d.Name), [lower]);
    assert.ok(lh.cache.domain(lower), 'the binding cache knows the lower-case name');
  });

  test('an unknown domain → ResourceNotFound.DomainNotExist', async () => {
    assert.equal(await errorCode(c.DescribeLiveDomain({ DomainName: uniqueDomain('unknown') })), 'ResourceNotFound.DomainNotExist');
  });
});

describe('DescribeLiveDomains filters and counts', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  const names = {
    push1: 'p1.filters.example.com',
    push2: 'p2.filters.example.com',
    play1: 'q1.filters.example.com',
    play2: 'q2.filters.example.com',
    play3: 'q3.filters.example.com',
    decoy: 'xq1.filters.example.com',
  };
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
    await c.AddLiveDomain({ DomainName: names.push1, DomainType: 0 });
    await c.AddLiveDomain({ DomainName: names.push2, DomainType: 0, IsDelayLive: 1 });
    await c.AddLiveDomain({ DomainName: names.play1, DomainType: 1, PlayType: 1 });
    await c.AddLiveDomain({ DomainName: names.play2, DomainType: 1, PlayType: 2, IsDelayLive: 1 });
    await c.AddLiveDomain({ DomainName: names.play3, DomainType: 1, PlayType: 3 });
    await c.AddLiveDomain({ DomainName: names.decoy, DomainType: 1, PlayType: 2 });
    await c.ForbidLiveDomain({ DomainName: names.push2 });
    await c.ForbidLiveDomain({ DomainName: names.play3 });
  });
  after(() => lh.stop());

  const list = async (req: Parameters<LiveClient['DescribeLiveDomains']>[0]) => {
    const res = await c.DescribeLiveDomains({ PageSize: 100, ...req });
    return { ...res, names: res.DomainList!.map((d) => d.Name!).sort() };
  };

  test('no filter lists every domain with AllCount, CreateLimitCount = 100 − count, PlayTypeCount of enabled play domains', async () => {
    const res = await list({});
    assert.deepEqual(res.names, Object.values(names).sort());
    assert.equal(res.AllCount, 6);
    assert.equal(res.CreateLimitCount, 94);
    assert.ok(Array.isArray(res.PlayTypeCount));
    // Enabled play domains: q1 (1), q2 (2), xq1 (2); q3 (3) is forbidden.
    assert.deepEqual(res.PlayTypeCount!.map(Number), [1, 2, 0]);
    assert.equal(typeof res.RequestId, 'string');
  });

  test('DomainStatus', async () => {
    assert.deepEqual((await list({ DomainStatus: 0 })).names, [names.push2, names.play3].sort());
    const enabled = await list({ DomainStatus: 1 });
    assert.deepEqual(enabled.names, [names.push1, names.play1, names.play2, names.decoy].sort());
    assert.equal(enabled.AllCount, 4);
    assert.equal(enabled.CreateLimitCount, 94, 'CreateLimitCount does not depend on the filter');
  });

  test('DomainType', async () => {
    assert.deepEqual((await list({ DomainType: 0 })).names, [names.push1, names.push2].sort());
    assert.deepEqual((await list({ DomainType: 1 })).names, [names.play1, names.play2, names.play3, names.decoy].sort());
  });

  test('DomainPrefix matches the start of the name only, literally', async () => {
    const q = await list({ DomainPrefix: 'q' });
    assert.deepEqual(q.names, [names.play1, names.play2, names.play3].sort());
    assert.equal(q.AllCount, 3);
    assert.deepEqual((await list({ DomainPrefix: 'q2.filters' })).names, [names.play2]);
    assert.deepEqual((await list({ DomainPrefix: 'xq' })).names, [names.decoy]);
    assert.deepEqual((await list({ DomainPrefix: '%' })).names, [], 'no LIKE wildcards');
    assert.deepEqual((await list({ DomainPrefix: 'filters' })).names, []);
  });

  test('IsDelayLive', async () => {
    assert.deepEqual((await list({ IsDelayLive: 1 })).names, [names.push2, names.play2].sort());
    assert.deepEqual((await list({ IsDelayLive: 0 })).names, [names.push1, names.play1, names.play3, names.decoy].sort());
  });

  test('PlayType (with DomainType=1)', async () => {
    assert.deepEqual((await list({ DomainType: 1, PlayType: 2 })).names, [names.play2, names.decoy].sort());
    assert.deepEqual((await list({ DomainType: 1, PlayType: 3 })).names, [names.play3]);
    assert.deepEqual((await list({ DomainType: 1, PlayType: 1 })).names, [names.play1]);
  });

  test('filters combine', async () => {
    assert.deepEqual((await list({ DomainType: 1, DomainStatus: 1, IsDelayLive: 0, DomainPrefix: 'q' })).names, [names.play1]);
    const none = await list({ DomainType: 0, DomainStatus: 0, IsDelayLive: 0 });
    assert.deepEqual(none.names, []);
    assert.equal(none.AllCount, 0);
  });

  test('out-of-range filter values → InvalidParameterValue', async () => {
    assert.equal(await errorCode(c.DescribeLiveDomains({ DomainStatus: 2 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.DescribeLiveDomains({ DomainType: 2 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.DescribeLiveDomains({ IsDelayLive: 3 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.DescribeLiveDomains({ PlayType: 4 })), 'InvalidParameterValue');
  });
});

describe('ForbidLiveDomain and EnableLiveDomain', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  test('status follows Forbid and Enable, in the API and in the binding cache', async () => {
    const name = uniqueDomain('status');
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    assert.equal(lh.cache.domain(name)?.enabled, true);

    await c.ForbidLiveDomain({ DomainName: name });
    assert.equal((await c.DescribeLiveDomain({ DomainName: name })).DomainInfo!.Status, 0);
    assert.equal(lh.cache.domain(name)?.enabled, false);
    await c.ForbidLiveDomain({ DomainName: name }); // idempotent
    assert.equal((await c.DescribeLiveDomain({ DomainName: name })).DomainInfo!.Status, 0);

    await c.EnableLiveDomain({ DomainName: name.toUpperCase() });
    assert.equal((await c.DescribeLiveDomain({ DomainName: name })).DomainInfo!.Status, 1);
    assert.equal(lh.cache.domain(name)?.enabled, true);
  });

  test('an unknown domain → ResourceNotFound.DomainNotExist', async () => {
    assert.equal(await errorCode(c.ForbidLiveDomain({ DomainName: uniqueDomain('nope') })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(c.EnableLiveDomain({ DomainName: uniqueDomain('nope') })), 'ResourceNotFound.DomainNotExist');
  });
});

describe('DeleteLiveDomain', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
  });
  after(() => lh.stop());

  test('the wrong DomainType → ResourceNotFound.DomainNotExist, and the domain stays', async () => {
    const push = uniqueDomain('delpush');
    const play = uniqueDomain('delplay');
    await c.AddLiveDomain({ DomainName: push, DomainType: 0 });
    await c.AddLiveDomain({ DomainName: play, DomainType: 1 });
    assert.equal(await errorCode(c.DeleteLiveDomain({ DomainName: push, DomainType: 1 })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(c.DeleteLiveDomain({ DomainName: play, DomainType: 0 })), 'ResourceNotFound.DomainNotExist');
    assert.equal((await c.DescribeLiveDomain({ DomainName: push })).DomainInfo!.Name, push);
    assert.equal((await c.DescribeLiveDomain({ DomainName: play })).DomainInfo!.Name, play);

    await c.DeleteLiveDomain({ DomainName: play, DomainType: 1 });
    assert.equal(await errorCode(c.DescribeLiveDomain({ DomainName: play })), 'ResourceNotFound.DomainNotExist');
  });

  test('an unknown domain → ResourceNotFound.DomainNotExist', async () => {
    assert.equal(await errorCode(c.DeleteLiveDomain({ DomainName: uniqueDomain('ghost'), DomainType: 0 })), 'ResourceNotFound.DomainNotExist');
  });

  test('deleting a domain removes its callback rules (and only its own), and frees the template', async () => {
    const doomed = uniqueDomain('doomed');
    const kept = uniqueDomain('kept');
    await c.AddLiveDomain({ DomainName: doomed, DomainType: 0 });
    await c.AddLiveDomain({ DomainName: kept, DomainType: 0 });
    const { TemplateId: doomedTemplate } = await c.CreateLiveCallbackTemplate({ TemplateName: 'doomed', StreamBeginNotifyUrl: 'http://receiver.example.com/a' });
    const { TemplateId: keptTemplate } = await c.CreateLiveCallbackTemplate({ TemplateName: 'kept', StreamBeginNotifyUrl: 'http://receiver.example.com/b' });
    await c.CreateLiveCallbackRule({ DomainName: doomed, AppName: '', TemplateId: doomedTemplate! });
    await c.CreateLiveCallbackRule({ DomainName: doomed, AppName: 'live', TemplateId: doomedTemplate! });
    await c.CreateLiveCallbackRule({ DomainName: kept, AppName: '', TemplateId: keptTemplate! });
    assert.equal(lh.cache.callbackTemplate(doomed, 'live')?.id, doomedTemplate);

    await c.DeleteLiveDomain({ DomainName: doomed, DomainType: 0 });

    const { Rules } = await c.DescribeLiveCallbackRules();
    assert.deepEqual(
      Rules!.map((r) => [r.DomainName, r.AppName, r.TemplateId]),
      [[kept, '', keptTemplate]],
    );
    assert.equal(lh.cache.callbackTemplate(doomed, 'live'), undefined);
    assert.equal(lh.cache.domain(doomed), undefined);
    assert.equal(lh.cache.callbackTemplate(kept, 'live')?.id, keptTemplate);
    // The template is no longer in use, so it can go.
    await c.DeleteLiveCallbackTemplate({ TemplateId: doomedTemplate! });
    // The name is free again, with no rule attached.
    await c.AddLiveDomain({ DomainName: doomed, DomainType: 0 });
    assert.equal(lh.cache.callbackTemplate(doomed, 'live'), undefined);
  });
});

describe('paging and the 100-domain limit', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  const all: string[] = [];
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
    for (let i = 0; i < 100; i++) {
      const name = `n${String(i).padStart(3, '0')}.limit.example.com`;
      all.push(name);
      await c.AddLiveDomain({ DomainName: name, DomainType: i % 2 });
    }
  });
  after(() => lh.stop());

  test('PageSize must be 10–100 and PageNum ≥ 1, else InvalidParameterValue', async () => {
    for (const PageSize of [0, 9, 101, -1]) {
      assert.equal(await errorCode(c.DescribeLiveDomains({ PageSize })), 'InvalidParameterValue', `PageSize ${PageSize}`);
    }
    assert.equal(await errorCode(c.DescribeLiveDomains({ PageNum: 0 })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.DescribeLiveDomains({ PageNum: 100001 })), 'InvalidParameterValue');
    // Not an Integer at all is a type error, as for any Tencent Integer parameter.
    assert.equal(await errorCode(c.DescribeLiveDomains({ PageSize: 10.5 })), 'InvalidParameter');
    assert.equal((await c.DescribeLiveDomains({ PageSize: 10 })).DomainList!.length, 10);
    assert.equal((await c.DescribeLiveDomains({ PageSize: 100 })).DomainList!.length, 100);
  });

  test('the default page is 10 long; pages are disjoint and cover every domain', async () => {
    const first = await c.DescribeLiveDomains({});
    assert.equal(first.DomainList!.length, 10);
    assert.equal(first.AllCount, 100);
    assert.equal(first.CreateLimitCount, 0);

    const seen: string[] = [];
    for (let PageNum = 1; PageNum <= 4; PageNum++) {
      const page = await c.DescribeLiveDomains({ PageSize: 30, PageNum });
      assert.equal(page.AllCount, 100);
      assert.equal(page.DomainList!.length, PageNum < 4 ? 30 : 10);
      seen.push(...page.DomainList!.map((d) => d.Name!));
    }
    assert.equal(new Set(seen).size, 100);
    assert.deepEqual([...seen].sort(), [...all].sort());
    assert.deepEqual(first.DomainList!.map((d) => d.Name), seen.slice(0, 10), 'the order is stable');

    const beyond = await c.DescribeLiveDomains({ PageSize: 30, PageNum: 5 });
    assert.deepEqual(beyond.DomainList, []);
    assert.equal(beyond.AllCount, 100);
  });

  test('paging applies after filtering; AllCount counts the filtered set', async () => {
    const page = await c.DescribeLiveDomains({ DomainType: 1, PageSize: 20, PageNum: 3 });
    assert.equal(page.AllCount, 50);
    assert.equal(page.DomainList!.length, 10);
    assert.ok(page.DomainList!.every((d) => d.Type === 1));
    assert.deepEqual(page.PlayTypeCount!.map(Number), [50, 0, 0]);
  });

  test('the 101st domain → FailedOperation.HostOutLimit; deleting one makes room again', async () => {
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: 'overflow.limit.example.com', DomainType: 0 })), 'FailedOperation.HostOutLimit');
    assert.equal(await errorCode(c.DescribeLiveDomain({ DomainName: 'overflow.limit.example.com' })), 'ResourceNotFound.DomainNotExist');
    await c.DeleteLiveDomain({ DomainName: all[0]!, DomainType: 0 });
    assert.equal((await c.DescribeLiveDomains({})).CreateLimitCount, 1);
    await c.AddLiveDomain({ DomainName: 'overflow.limit.example.com', DomainType: 0 });
    assert.equal((await c.DescribeLiveDomains({})).CreateLimitCount, 0);
    assert.equal(await errorCode(c.AddLiveDomain({ DomainName: 'overflow2.limit.example.com', DomainType: 1 })), 'FailedOperation.HostOutLimit');
  });
});
