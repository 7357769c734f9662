/**
 * What the snapshot and record tests share: a second account with its own key, Beijing-time
 * checks, and the rule suite both families must pass (their rule actions are one implementation,
 * src/api/actions/media-common.ts, but each family is checked through its own SDK methods).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { insertAccount } from '../../src/store/accounts.js';
import { insertApiKey } from '../../src/store/api-keys.js';
import { errorCode, startTestLivehook, type LiveClient, type TestLivehook } from './livehook.js';

export const APPID_B = 1250000002;
const SECRET_ID_B = 'AKIDmediaTenantB000000000000000000000';
const SECRET_KEY_B = 'mediaTenantBSecretKey000000000000';

/** Creates account B with an API key and returns an SDK client signed with it. */
export async function addTenantB(lh: TestLivehook): Promise<LiveClient> {
  await insertAccount(lh.store.db, APPID_B, 'tenant B');
  await insertApiKey(lh.store.db, { secretId: SECRET_ID_B, secretKey: SECRET_KEY_B, appId: APPID_B });
  return lh.client(SECRET_ID_B, SECRET_KEY_B);
}

const BEIJING_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export function assertBeijingNow(value: unknown, toleranceMs = 5_000): void {
  assert.equal(typeof value, 'string');
  assert.match(value as string, BEIJING_TIME);
  const diff = Math.abs(Date.parse((value as string).replace(' ', 'T') + '+08:00') - Date.now());
  assert.ok(diff <= toleranceMs, `${String(value)} is ${diff} ms away from Beijing time now`);
}

export interface RuleRequest {
  DomainName: string;
  TemplateId: number;
  AppName?: string;
  StreamName?: string;
}
export type RuleKeyRequest = Omit<RuleRequest, 'TemplateId'>;

export interface RuleInfo {
  CreateTime?: string;
  UpdateTime?: string;
  TemplateId?: number;
  DomainName?: string;
  AppName?: string;
  StreamName?: string;
}

/** One family (snapshot or record) as the rule suite drives it. */
export interface RuleFamily {
  readonly name: 'snapshot' | 'record';
  createTemplate(c: LiveClient, name: string): Promise<number>;
  deleteTemplate(c: LiveClient, id: number): Promise<unknown>;
  createRule(c: LiveClient, req: RuleRequest): Promise<unknown>;
  deleteRule(c: LiveClient, req: RuleKeyRequest): Promise<unknown>;
  describeRules(c: LiveClient): Promise<RuleInfo[]>;
  /** The id of the template the config cache applies to this stream. */
  cachedTemplateId(lh: TestLivehook, domain: string, app: string, stream: string): number | undefined;
}

/** The rule tests both families must pass; registers its own `describe`. */
export function mediaRuleSuite(family: RuleFamily): void {
  let seq = 0;
  const uniqueDomain = (label: string): string => `${label}${++seq}.${family.name}-rules.example.com`;

  describe(`${family.name} rules`, () => {
    let lh: TestLivehook;
    let c: LiveClient;
    let b: LiveClient;
    let t1: number;
    let t2: number;
    let t3: number;
    let t4: number;
    before(async () => {
      lh = await startTestLivehook();
      c = lh.client();
      b = await addTenantB(lh);
      t1 = await family.createTemplate(c, 'rule1');
      t2 = await family.createTemplate(c, 'rule2');
      t3 = await family.createTemplate(c, 'rule3');
      t4 = await family.createTemplate(c, 'rule4');
    });
    after(() => lh.stop());

    const addPush = async (label: string, client = c): Promise<string> => {
      const name = uniqueDomain(label);
      await client.AddLiveDomain({ DomainName: name, DomainType: 0 });
      return name;
    };
    const rulesOf = async (domain: string, client = c) => (await family.describeRules(client)).filter((r) => r.DomainName === domain);
    const cached = (domain: string, app: string, stream: string) => family.cachedTemplateId(lh, domain, app, stream);

    test('a rule is described with the documented shape; AppName defaults to live and StreamName to ""', async () => {
      const domain = await addPush('shape');
      const res = (await family.createRule(c, { DomainName: domain, TemplateId: t1 })) as { RequestId?: string };
      assert.equal(typeof res.RequestId, 'string');
      await family.createRule(c, { DomainName: domain, TemplateId: t2, AppName: '', StreamName: '' });
      await family.createRule(c, { DomainName: domain, TemplateId: t3, AppName: 'app2', StreamName: 'cam_1.hd-2' });

      const rules = await rulesOf(domain);
      assert.equal(rules.length, 3);
      for (const rule of rules) {
        assert.deepEqual(Object.keys(rule).sort(), ['AppName', 'CreateTime', 'DomainName', 'StreamName', 'TemplateId', 'UpdateTime']);
        assertBeijingNow(rule.CreateTime);
        assertBeijingNow(rule.UpdateTime);
      }
      const byKey = new Map(rules.map((r) => [`${r.AppName}/${r.StreamName}`, r.TemplateId]));
      assert.deepEqual(Object.fromEntries(byKey), { 'live/': t1, '/': t2, 'app2/cam_1.hd-2': t3 });
    });

    test('DomainName is normalised to lower case', async () => {
      const domain = await addPush('upper');
      await family.createRule(c, { DomainName: domain.toUpperCase(), TemplateId: t1 });
      assert.deepEqual((await rulesOf(domain)).map((r) => r.DomainName), [domain]);
      assert.equal(cached(domain.toUpperCase(), 'live', 'any'), t1);
      await family.deleteRule(c, { DomainName: domain.toUpperCase() });
      assert.deepEqual(await rulesOf(domain), []);
    });

    test('a second rule for the same (DomainName, AppName, StreamName) → FailedOperation.RuleAlreadyExist; other keys are fine', async () => {
      const domain = await addPush('dup');
      await family.createRule(c, { DomainName: domain, TemplateId: t1 });
      assert.equal(await errorCode(family.createRule(c, { DomainName: domain, TemplateId: t2 })), 'FailedOperation.RuleAlreadyExist');
      assert.equal(
        await errorCode(family.createRule(c, { DomainName: domain, TemplateId: t1, AppName: 'live', StreamName: '' })),
        'FailedOperation.RuleAlreadyExist',
        'the defaults are the same key',
      );
      await family.createRule(c, { DomainName: domain, TemplateId: t2, AppName: 'live', StreamName: 's1' });
      await family.createRule(c, { DomainName: domain, TemplateId: t2, AppName: '', StreamName: '' });
      assert.equal(
        await errorCode(family.createRule(c, { DomainName: domain, TemplateId: t3, AppName: 'live', StreamName: 's1' })),
        'FailedOperation.RuleAlreadyExist',
      );
      const rules = await rulesOf(domain);
      assert.equal(rules.length, 3);
      assert.equal(rules.find((r) => r.AppName === 'live' && r.StreamName === '')?.TemplateId, t1, 'the first rule stays');
    });

    test('the domain must be one of the account’s push domains, the template one of its templates', async () => {
      assert.equal(
        await errorCode(family.createRule(c, { DomainName: 'nosuch.example.com', TemplateId: t1 })),
        'ResourceNotFound.DomainNotExist',
      );
      const play = uniqueDomain('play');
      await c.AddLiveDomain({ DomainName: play, DomainType: 1 });
      assert.equal(await errorCode(family.createRule(c, { DomainName: play, TemplateId: t1 })), 'InvalidParameterValue');
      const domain = await addPush('notpl');
      assert.equal(await errorCode(family.createRule(c, { DomainName: domain, TemplateId: 987654321 })), 'InvalidParameter.ConfNotFound');
      assert.deepEqual(await rulesOf(domain), []);
    });

    test('parameter validation', async () => {
      const domain = await addPush('valid');
      const bad: Array<[Record<string, unknown>, string]> = [
        [{ DomainName: domain }, 'MissingParameter'],
        [{ TemplateId: t1 }, 'MissingParameter'],
        [{ DomainName: domain, TemplateId: '1' }, 'InvalidParameter'],
        [{ DomainName: domain, TemplateId: 0 }, 'InvalidParameterValue'],
        [{ DomainName: 'not a domain', TemplateId: t1 }, 'InvalidParameter.DomainFormatError'],
        [{ DomainName: domain, TemplateId: t1, StreamName: 'has space' }, 'InvalidParameterValue'],
        [{ DomainName: domain, TemplateId: t1, StreamName: 's'.repeat(257) }, 'InvalidParameterValue'],
        [{ DomainName: domain, TemplateId: t1, StreamName: 1 }, 'InvalidParameter'],
        [{ DomainName: domain, TemplateId: t1, AppName: 'a/b' }, 'InvalidParameterValue'],
        [{ DomainName: domain, TemplateId: t1, Other: 1 }, 'UnknownParameter'],
      ];
      for (const [req, code] of bad) {
        assert.equal(await errorCode(family.createRule(c, req as unknown as RuleRequest)), code, JSON.stringify(req));
      }
      assert.deepEqual(await rulesOf(domain), []);
      await family.createRule(c, { DomainName: domain, TemplateId: t1, StreamName: 's'.repeat(256) });
    });

    test('Delete matches the key exactly (defaults included); an unknown key → FailedOperation.NotFound', async () => {
      const domain = await addPush('delete');
      await family.createRule(c, { DomainName: domain, TemplateId: t1, AppName: '', StreamName: '' });
      await family.createRule(c, { DomainName: domain, TemplateId: t2, AppName: 'live', StreamName: 's1' });
      assert.equal(await errorCode(family.deleteRule(c, { DomainName: domain })), 'FailedOperation.NotFound', 'live/"" has no rule');
      assert.equal(await errorCode(family.deleteRule(c, { DomainName: domain, StreamName: 's2' })), 'FailedOperation.NotFound');
      assert.equal(await errorCode(family.deleteRule(c, { DomainName: 'nosuch.example.com' })), 'FailedOperation.NotFound');
      await family.deleteRule(c, { DomainName: domain, StreamName: 's1' });
      assert.deepEqual((await rulesOf(domain)).map((r) => `${r.AppName}/${r.StreamName}`), ['/']);
      await family.deleteRule(c, { DomainName: domain, AppName: '', StreamName: '' });
      assert.deepEqual(await rulesOf(domain), []);
      assert.equal(await errorCode(family.deleteRule(c, { DomainName: domain, AppName: '', StreamName: '' })), 'FailedOperation.NotFound');
    });

    test('precedence in the cache: this stream (own AppName, then any) > the AppName > the whole domain', async () => {
      const domain = await addPush('prec');
      assert.equal(cached(domain, 'live', 's1'), undefined);
      await family.createRule(c, { DomainName: domain, TemplateId: t1, AppName: '', StreamName: '' });
      assert.equal(cached(domain, 'live', 's1'), t1, 'domain-wide applies at once');
      assert.equal(cached(domain, 'other', 'x'), t1);
      await family.createRule(c, { DomainName: domain, TemplateId: t2, AppName: 'live' });
      assert.equal(cached(domain, 'live', 's1'), t2, 'the AppName rule beats the domain-wide one');
      assert.equal(cached(domain, 'other', 'x'), t1);
      await family.createRule(c, { DomainName: domain, TemplateId: t3, AppName: '', StreamName: 's1' });
      assert.equal(cached(domain, 'live', 's1'), t3, 'a stream rule under any AppName beats the AppName rule');
      assert.equal(cached(domain, 'other', 's1'), t3);
      assert.equal(cached(domain, 'live', 's2'), t2);
      await family.createRule(c, { DomainName: domain, TemplateId: t4, AppName: 'live', StreamName: 's1' });
      assert.equal(cached(domain, 'live', 's1'), t4, 'the rule for this AppName and stream wins');
      assert.equal(cached(domain, 'other', 's1'), t3);
      assert.equal(cached(domain.toUpperCase(), 'live', 's1'), t4);
      assert.equal(cached(domain, 'LIVE', 's1'), t3, 'AppName and StreamName are case-sensitive');
      assert.equal(cached(`x${domain}`, 'live', 's1'), undefined);

      await family.deleteRule(c, { DomainName: domain, StreamName: 's1' });
      assert.equal(cached(domain, 'live', 's1'), t3);
      await family.deleteRule(c, { DomainName: domain, AppName: '', StreamName: 's1' });
      assert.equal(cached(domain, 'live', 's1'), t2);
      await family.deleteRule(c, { DomainName: domain });
      assert.equal(cached(domain, 'live', 's1'), t1);
      await family.deleteRule(c, { DomainName: domain, AppName: '', StreamName: '' });
      assert.equal(cached(domain, 'live', 's1'), undefined);
    });

    test('a bound template cannot be deleted (FailedOperation.ConfInUsed) until its last rule goes', async () => {
      const domain = await addPush('inuse');
      const t = await family.createTemplate(c, 'inuse');
      await family.createRule(c, { DomainName: domain, TemplateId: t });
      await family.createRule(c, { DomainName: domain, TemplateId: t, StreamName: 'only' });
      assert.equal(await errorCode(family.deleteTemplate(c, t)), 'FailedOperation.ConfInUsed');
      await family.deleteRule(c, { DomainName: domain });
      assert.equal(await errorCode(family.deleteTemplate(c, t)), 'FailedOperation.ConfInUsed');
      await family.deleteRule(c, { DomainName: domain, StreamName: 'only' });
      await family.deleteTemplate(c, t);
      assert.equal(await errorCode(family.createRule(c, { DomainName: domain, TemplateId: t })), 'InvalidParameter.ConfNotFound');
    });

    test('deleting the domain deletes its rules, which frees the template', async () => {
      const domain = await addPush('cascade');
      const t = await family.createTemplate(c, 'cascade');
      await family.createRule(c, { DomainName: domain, TemplateId: t, AppName: '' });
      await family.createRule(c, { DomainName: domain, TemplateId: t, StreamName: 's' });
      assert.equal(cached(domain, 'live', 's'), t);
      await c.DeleteLiveDomain({ DomainName: domain, DomainType: 0 });
      assert.deepEqual(await rulesOf(domain), []);
      assert.equal(cached(domain, 'live', 's'), undefined);
      await family.deleteTemplate(c, t);
    });

    test("tenancy: B neither sees nor uses A's rules, domains or templates", async () => {
      const domainA = await addPush('tenanta');
      await family.createRule(c, { DomainName: domainA, TemplateId: t1 });
      const domainB = await addPush('tenantb', b);
      const tB = await family.createTemplate(b, 'tplB');

      assert.deepEqual(await rulesOf(domainA, b), [], "A's rule is not listed for B");
      assert.ok((await family.describeRules(b)).every((r) => r.DomainName !== domainA));
      assert.equal(await errorCode(family.deleteRule(b, { DomainName: domainA })), 'FailedOperation.NotFound');
      assert.equal(await errorCode(family.createRule(b, { DomainName: domainA, TemplateId: tB })), 'ResourceNotFound.DomainNotExist');
      assert.equal(await errorCode(family.createRule(b, { DomainName: domainB, TemplateId: t1 })), 'InvalidParameter.ConfNotFound');
      assert.equal(await errorCode(family.deleteTemplate(b, t1)), 'InvalidParameter.ConfNotFound');
      assert.equal((await rulesOf(domainA)).length, 1, "A's rule is still there");

      await family.createRule(b, { DomainName: domainB, TemplateId: tB });
      assert.deepEqual((await family.describeRules(b)).map((r) => [r.DomainName, r.TemplateId]), [[domainB, tB]]);
      assert.deepEqual(await rulesOf(domainB), [], "B's rule is not listed for A");
      assert.equal(cached(domainB, 'live', 'x'), tB);
    });
  });
}
