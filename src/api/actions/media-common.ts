/**
 * What the snapshot and record families share: template parameter types, the per-account limit,
 * the template lookup with Delete/Describe…Template, and the three rule actions
 * (Create/Delete/Describe…Rule(s)), all of which differ only in their kind. Not an action module
 * itself: the snapshot-/record-templates.ts and -rules.ts files export the actions by name.
 */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { deleteMediaRule, insertMediaRule, isMediaTemplateBound, listMediaRules, type MediaRuleKind } from '../../store/media-rules.js';
import type { MediaTemplateStore, MediaTemplateTable } from '../../store/media-templates.js';
import type { Database } from '../../store/schema.js';
import { defineAction, type ActionContext } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { apiError, type ApiErrorCode } from '../errors.js';
import { appName, bytes, domainName, templateId } from '../params.js';
import { DomainType, requireDomain } from './domains.js';

/** Tencent's per-account limit on snapshot templates, and on record templates. */
export const MAX_MEDIA_TEMPLATES = 50;

/** A rule's StreamName: '' = every stream, else only that one (the push path's charset). */
const ruleStreamName = () =>
  z.string().max(256).regex(/^[A-Za-z0-9_.-]*$/, 'only letters, digits, _ - and . are allowed');

/** AppName and StreamName of a rule, with Tencent's defaults: AppName `live`, StreamName ''. */
const ruleKeyShape = () => ({
  DomainName: domainName(),
  AppName: appName().default('live'),
  StreamName: ruleStreamName().default(''),
});

/**
 * Why a path pattern with `{Placeholder}`s cannot be used, or undefined when it can: unknown
 * placeholders, stray braces, control characters, `\`, `..` segments; a file name (`fileName`)
 * must also be non-empty and free of `/`.
 */
function pathPatternProblem(pattern: string, placeholders: readonly string[], fileName: boolean): string | undefined {
  if (/[\u0000-\u001f\u007f\\]/.test(pattern)) return 'control characters and \\ are not allowed';
  const unknown = [...pattern.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).find((name) => !placeholders.includes(name));
  if (unknown !== undefined) return `unknown placeholder {${unknown}}; known: ${placeholders.map((p) => `{${p}}`).join(' ')}`;
  if (/[{}]/.test(pattern.replace(/\{(\w+)\}/g, ''))) return 'unbalanced { or }';
  if (fileName) {
    if (pattern.length === 0) return 'must not be empty';
    if (pattern.includes('/')) return 'must not contain /';
    if (pattern === '.' || pattern === '..') return 'must be a file name';
  } else if (pattern.split('/').some((segment) => segment === '..')) {
    return '.. segments are not allowed';
  }
  return undefined;
}

/** A string parameter holding a path pattern (see pathPatternProblem), at most 1024 bytes. */
export const pathPattern = (placeholders: readonly string[], options: { fileName: boolean; code?: ApiErrorCode }) =>
  bytes(1024).superRefine((s, ctx) => {
    const problem = pathPatternProblem(s, placeholders, options.fileName);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, params: { code: options.code ?? 'InvalidParameterValue' } });
  });

/** COS bucket names: lower-case letters, digits and `-` (without the `-<appid>` suffix). */
export const cosBucket = () =>
  z.string().max(50).regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'only lower-case letters, digits and - are allowed');
export const cosRegion = () => z.string().max(64).regex(/^[a-z]{2,}(?:-[a-z0-9]+)+$/, 'a COS region such as ap-guangzhou');

/**
 * The template lookup, Delete…Template and Describe…Template of one kind, which differ between
 * kinds only in kind, store and Describe converter. The lookup answers
 * InvalidParameter.ConfNotFound for another account's template too; Delete is refused while a
 * rule binds the template. Create and Modify stay with each kind.
 */
export function mediaTemplateActions<T extends MediaTemplateTable>(
  kind: MediaRuleKind,
  store: MediaTemplateStore<T>,
  toInfo: (template: Selectable<Database[T]>) => Record<string, unknown>,
) {
  async function requireTemplate(ctx: ActionContext, id: number): Promise<Selectable<Database[T]>> {
    const template = await store.find(ctx.db, ctx.appId, id);
    if (!template) throw apiError('InvalidParameter.ConfNotFound', `The ${kind} template does not exist.`);
    return template;
  }
  return {
    require: requireTemplate,
    delete: defineAction(z.strictObject({ TemplateId: templateId() }), async (ctx, p) => {
      await requireTemplate(ctx, p.TemplateId);
      if (await isMediaTemplateBound(ctx.db, kind, ctx.appId, p.TemplateId)) {
        throw apiError('FailedOperation.ConfInUsed', `The template is in use: delete its ${kind} rules first.`);
      }
      await store.remove(ctx.db, ctx.appId, p.TemplateId);
      return {};
    }, { changesConfig: true }),
    describe: defineAction(z.strictObject({ TemplateId: templateId() }), async (ctx, p) => ({
      Template: toInfo(await requireTemplate(ctx, p.TemplateId)),
    }), { readsStoreOnly: true }),
  };
}

/**
 * Create/Delete/Describe actions for one kind of rule. The key is (DomainName, AppName,
 * StreamName); a second rule for the same key is FailedOperation.RuleAlreadyExist.
 */
export function mediaRuleActions(
  kind: MediaRuleKind,
  requireTemplate: (ctx: ActionContext, id: number) => Promise<unknown>,
) {
  return {
    create: defineAction(z.strictObject({ ...ruleKeyShape(), TemplateId: templateId() }), async (ctx, p) => {
      const domain = await requireDomain(ctx, p.DomainName);
      if (Number(domain.type) !== DomainType.push) {
        throw apiError('InvalidParameterValue', `${kind[0]!.toUpperCase()}${kind.slice(1)} rules apply to push domains only.`);
      }
      await requireTemplate(ctx, p.TemplateId);
      const created = await insertMediaRule(ctx.db, kind, {
        appId: ctx.appId,
        domainName: p.DomainName,
        appName: p.AppName,
        streamName: p.StreamName,
        templateId: p.TemplateId,
      });
      if (!created) {
        throw apiError('FailedOperation.RuleAlreadyExist', `A ${kind} rule already exists for that DomainName, AppName and StreamName.`);
      }
      return {};
    }, { changesConfig: true }),
    delete: defineAction(z.strictObject(ruleKeyShape()), async (ctx, p) => {
      const key = { domainName: p.DomainName, appName: p.AppName, streamName: p.StreamName };
      if (!(await deleteMediaRule(ctx.db, kind, ctx.appId, key))) {
        throw apiError('FailedOperation.NotFound', `No ${kind} rule exists for that DomainName, AppName and StreamName.`);
      }
      return {};
    }, { changesConfig: true }),
    describe: defineAction(z.strictObject({}), async (ctx) => ({
      Rules: (await listMediaRules(ctx.db, kind, ctx.appId)).map((r) => ({
        CreateTime: beijingTime(r.created_at),
        UpdateTime: beijingTime(r.updated_at),
        TemplateId: Number(r.template_id),
        DomainName: r.domain_name,
        AppName: r.app_name,
        StreamName: r.stream_name,
      })),
    }), { readsStoreOnly: true }),
  };
}
