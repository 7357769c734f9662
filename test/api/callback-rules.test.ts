/**
 * Callback rules: Create/Delete/DescribeLiveCallbackRules, and how the binding cache resolves
 * (domain, app) → template right after each SDK call returns.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

type CreateRuleRequest = Parameters<LiveClient['CreateLiveCallbackRule']>[0];
type DeleteRuleRequest = Parameters<LiveClient['DeleteLiveCallbackRule']>[0];

const BEIJING_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const fromBeijingTime = (s: string): number => Date.parse(s.replace(' ', 'T') + '+08:00');

function assertBeijingNow(value: unknown, toleranceMs = 5_000): void {
  assert.equal(typeof value, 'string');
  assert.match(value as string, BEIJING_TIME);
  const diff = Math.abs(fromBeijingTime(value as string) - Date.now());
  assert.ok(diff <= toleranceMs, `${String(value)} is ${diff} ms away from Beijing time now`);
}

let seq = 0;
const uniqueDomain = (label = 'd'): string => `${label}${++seq}.rules.example.com`;

describe('callback rules', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  let templateA: number;
  let templateB: number;
  before(async () => {
    lh = await startTestLivehook();
    c = lh.client();
    templateA = (await c.CreateLiveCallbackTemplate({ TemplateName: 'ruleA', StreamBeginNotifyUrl: 'http://a.example.com/cb' })).TemplateId!;
    templateB = (await c.CreateLiveCallbackTemplate({ TemplateName: 'ruleB', StreamBeginNotifyUrl: 'http://b.example.com/cb' })).TemplateId!;
  });
  after(() => lh.stop());

  const addPush = async (label?: string): Promise<string> => {
    const name = uniqueDomain(label);
    await c.AddLiveDomain({ DomainName: name, DomainType: 0 });
    return name;
  };
  const rulesOf = async (domain: string) => (await c.DescribeLiveCallbackRules()).Rules!.filter((r) => r.DomainName === domain);

  test("rules for AppName '' (whole domain) and 'live' are created and described with the documented shape", async () => {
    const domain = await addPush('shape');
    const res = await c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: templateA });
    assert.equal(typeof res.RequestId, 'string');
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: templateB });

    const described = await c.DescribeLiveCallbackRules();
    assert.equal(typeof described.RequestId, 'string');
    const rules = described.Rules!.filter((r) => r.DomainName === domain);
    assert.equal(rules.length, 2);
    for (const rule of rules) {
      assert.deepEqual(Object.keys(rule).sort(), ['AppName', 'CreateTime', 'DomainName', 'TemplateId', 'UpdateTime']);
      assertBeijingNow(rule.CreateTime);
      assertBeijingNow(rule.UpdateTime);
      assert.equal(typeof rule.TemplateId, 'number');
      assert.equal(typeof rule.AppName, 'string');
    }
    const byApp = new Map(rules.map((r) => [r.AppName, r.TemplateId]));
    assert.equal(byApp.get(''), templateA);
    assert.equal(byApp.get('live'), templateB);
  });

  test('DomainName is normalised to lower case', async () => {
    const domain = await addPush('upper');
    await c.CreateLiveCallbackRule({ DomainName: domain.toUpperCase(), AppName: 'live', TemplateId: templateA });
    assert.deepEqual((await rulesOf(domain)).map((r) => r.DomainName), [domain]);
    assert.equal(lh.cache.callbackTemplate(domain.toUpperCase(), 'live')?.id, templateA);
    await c.DeleteLiveCallbackRule({ DomainName: domain.toUpperCase(), AppName: 'live' });
    assert.deepEqual(await rulesOf(domain), []);
  });

  test('a second rule for the same (DomainName, AppName) → InternalError.RuleAlreadyExist, and the first one stays', async () => {
    const domain = await addPush('dup');
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: templateA });
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: templateA });
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: templateB })), 'InternalError.RuleAlreadyExist');
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: templateA })), 'InternalError.RuleAlreadyExist');
    assert.equal(
      await errorCode(c.CreateLiveCallbackRule({ DomainName: domain.toUpperCase(), AppName: 'live', TemplateId: templateB })),
      'InternalError.RuleAlreadyExist',
    );
    const rules = await rulesOf(domain);
    assert.equal(rules.length, 2);
    assert.ok(rules.every((r) => r.TemplateId === templateA));
    assert.equal(lh.cache.callbackTemplate(domain, 'other')?.id, templateA);
  });

  test('an unknown template → InvalidParameter.ConfNotFound', async () => {
    const domain = await addPush('notpl');
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: 987654321 })), 'InvalidParameter.ConfNotFound');
    assert.deepEqual(await rulesOf(domain), []);
  });

  test('an unknown domain → ResourceNotFound.DomainNotExist', async () => {
    const domain = uniqueDomain('nodomain');
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: templateA })), 'ResourceNotFound.DomainNotExist');
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: 'not a domain', AppName: '', TemplateId: templateA })), 'InvalidParameter.DomainFormatError');
  });

  test('a play domain → InvalidParameterValue', async () => {
    const play = uniqueDomain('play');
    await c.AddLiveDomain({ DomainName: play, DomainType: 1 });
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: play, AppName: '', TemplateId: templateA })), 'InvalidParameterValue');
    assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: play, AppName: 'live', TemplateId: templateA })), 'InvalidParameterValue');
    assert.deepEqual(await rulesOf(play), []);
  });

  test('AppName: path characters only, and it is required', async () => {
    const domain = await addPush('appname');
    for (const app of ['a/b', 'with space', 'q?x=1', '中文', 'a'.repeat(65)]) {
      assert.equal(await errorCode(c.CreateLiveCallbackRule({ DomainName: domain, AppName: app, TemplateId: templateA })), 'InvalidParameterValue', app);
    }
    assert.equal(
      await errorCode(c.CreateLiveCallbackRule({ DomainName: domain, TemplateId: templateA } as CreateRuleRequest)),
      'MissingParameter',
    );
    assert.equal(await errorCode(c.DeleteLiveCallbackRule({ DomainName: domain } as DeleteRuleRequest)), 'MissingParameter');
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'my_app-1.v2', TemplateId: templateA });
    assert.equal(lh.cache.callbackTemplate(domain, 'my_app-1.v2')?.id, templateA);
  });

  test('DeleteLiveCallbackRule of a rule that does not exist → FailedOperation.NotFound', async () => {
    const domain = await addPush('delete');
    assert.equal(await errorCode(c.DeleteLiveCallbackRule({ DomainName: domain, AppName: '' })), 'FailedOperation.NotFound');
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: templateA });
    assert.equal(await errorCode(c.DeleteLiveCallbackRule({ DomainName: domain, AppName: '' })), 'FailedOperation.NotFound', 'the domain-wide rule is a different key');
    assert.equal(await errorCode(c.DeleteLiveCallbackRule({ DomainName: domain, AppName: 'other' })), 'FailedOperation.NotFound');
    assert.equal(await errorCode(c.DeleteLiveCallbackRule({ DomainName: uniqueDomain('ghost'), AppName: 'live' })), 'FailedOperation.NotFound');
    await c.DeleteLiveCallbackRule({ DomainName: domain, AppName: 'live' });
    assert.equal(await errorCode(c.DeleteLiveCallbackRule({ DomainName: domain, AppName: 'live' })), 'FailedOperation.NotFound');
  });

  test('precedence through the binding cache, visible as soon as each call returns', async () => {
    const domain = await addPush('precedence');
    assert.equal(lh.cache.callbackTemplate(domain, 'live'), undefined, 'no rule, no callbacks');

    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: '', TemplateId: templateA });
    for (const app of ['live', 'other', 'x']) {
      assert.equal(lh.cache.callbackTemplate(domain, app)?.id, templateA, `domain-wide rule applies to ${app}`);
    }
    const resolved = lh.cache.callbackTemplate(domain, 'live')!;
    assert.equal(resolved.urls.streamBegin, 'http://a.example.com/cb');
    assert.equal(resolved.appId, lh.bootstrap.created?.appId ?? 1250000000);

    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: templateB });
    assert.equal(lh.cache.callbackTemplate(domain, 'live')?.id, templateB, 'the specific AppName rule wins for its app');
    assert.equal(lh.cache.callbackTemplate(domain, 'other')?.id, templateA, '…and only for its app');

    await c.DeleteLiveCallbackRule({ DomainName: domain, AppName: 'live' });
    assert.equal(lh.cache.callbackTemplate(domain, 'live')?.id, templateA, 'the domain-wide rule applies again');

    await c.DeleteLiveCallbackRule({ DomainName: domain, AppName: '' });
    assert.equal(lh.cache.callbackTemplate(domain, 'live'), undefined);
    assert.equal(lh.cache.callbackTemplate(domain, 'other'), undefined);
  });

  test('a specific rule alone covers only its own app', async () => {
    const domain = await addPush('specific');
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: templateB });
    assert.equal(lh.cache.callbackTemplate(domain, 'live')?.id, templateB);
    assert.equal(lh.cache.callbackTemplate(domain, 'other'), undefined);
    assert.equal(lh.cache.callbackTemplate(uniqueDomain('elsewhere'), 'live'), undefined);
  });

  test('rules of different domains are independent', async () => {
    const one = await addPush('one');
    const two = await addPush('two');
    await c.CreateLiveCallbackRule({ DomainName: one, AppName: '', TemplateId: templateA });
    await c.CreateLiveCallbackRule({ DomainName: two, AppName: '', TemplateId: templateB });
    assert.equal(lh.cache.callbackTemplate(one, 'live')?.id, templateA);
    assert.equal(lh.cache.callbackTemplate(two, 'live')?.id, templateB);
    await c.DeleteLiveCallbackRule({ DomainName: one, AppName: '' });
    assert.equal(lh.cache.callbackTemplate(one, 'live'), undefined);
    assert.equal(lh.cache.callbackTemplate(two, 'live')?.id, templateB);
  });

  test('DescribeLiveCallbackRules lists exactly the rules that exist', async () => {
    const { Rules } = await c.DescribeLiveCallbackRules();
    const keys = Rules!.map((r) => `${r.DomainName}/${r.AppName}`);
    assert.equal(new Set(keys).size, keys.length, 'one rule per (DomainName, AppName)');
    for (const r of Rules!) {
      assert.equal(lh.cache.callbackTemplate(r.DomainName!, r.AppName || 'some-app-without-rule')?.id !== undefined, true);
      assert.ok([templateA, templateB].includes(r.TemplateId!));
    }
  });
});
