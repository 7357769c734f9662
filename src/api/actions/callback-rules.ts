/** Callback rules: bind a template to (DomainName, AppName). AppName '' binds the whole domain. */
import { z } from 'zod';
import { deleteCallbackRule, insertCallbackRule, listCallbackRules } from '../../store/callback-rules.js';
import { defineAction } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { apiError } from '../errors.js';
import { appName, domainName, integer } from '../params.js';
import { requireCallbackTemplate } from './callback-templates.js';
import { DomainType, requireDomain } from './domains.js';

export const CreateLiveCallbackRule = defineAction(
  z.strictObject({
    DomainName: domainName(),
    AppName: appName(),
    TemplateId: integer(1, Number.MAX_SAFE_INTEGER),
  }),
  async (ctx, p) => {
    const domain = await requireDomain(ctx, p.DomainName);
    if (Number(domain.type) !== DomainType.push) {
      throw apiError('InvalidParameterValue', 'Callback rules apply to push domains only.');
    }
    await requireCallbackTemplate(ctx, p.TemplateId);
    const created = await insertCallbackRule(ctx.db, {
      appId: ctx.appId,
      domainName: p.DomainName,
      appName: p.AppName,
      templateId: p.TemplateId,
    });
    if (!created) throw apiError('InternalError.RuleAlreadyExist');
    return {};
  },
  { changesConfig: true },
);

export const DeleteLiveCallbackRule = defineAction(
  z.strictObject({ DomainName: domainName(), AppName: appName() }),
  async (ctx, p) => {
    if (!(await deleteCallbackRule(ctx.db, ctx.appId, p.DomainName, p.AppName))) {
      throw apiError('FailedOperation.NotFound', 'No callback rule exists for that DomainName and AppName.');
    }
    return {};
  },
  { changesConfig: true },
);

export const DescribeLiveCallbackRules = defineAction(z.strictObject({}), async (ctx) => ({
  Rules: (await listCallbackRules(ctx.db, ctx.appId)).map((r) => ({
    CreateTime: beijingTime(r.created_at),
    UpdateTime: beijingTime(r.updated_at),
    TemplateId: Number(r.template_id),
    DomainName: r.domain_name,
    AppName: r.app_name,
  })),
}), { readsStoreOnly: true });
