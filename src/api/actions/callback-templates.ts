/** Callback template actions: Create/Modify/Delete/DescribeLiveCallbackTemplate(s). */
import { z } from 'zod';
import {
  countCallbackTemplates,
  deleteCallbackTemplate,
  findCallbackTemplate,
  insertCallbackTemplate,
  listCallbackTemplates,
  updateCallbackTemplate,
  type CallbackTemplateChanges,
  type CallbackTemplateRow,
} from '../../store/callback-templates.js';
import { EVENT_TYPES, type TemplateUrlColumn, type TemplateUrlParam } from '../../events/registry.js';
import { isCallbackTemplateBound } from '../../store/callback-rules.js';
import { defineAction, type ActionContext } from '../action.js';
import { apiError } from '../errors.js';
import { callbackUrl, description, templateId, templateName } from '../params.js';

/** Tencent's per-account limit on callback templates. */
const MAX_CALLBACK_TEMPLATES = 50;

/**
 * Tencent URL parameter → column: one per event type (events/registry.ts), plus the deprecated
 * StreamMixNotifyUrl, which no event uses and is accepted on create only.
 */
type UrlParam = TemplateUrlParam | 'StreamMixNotifyUrl';
type UrlColumn = TemplateUrlColumn | 'stream_mix_url';
const URL_COLUMNS = {
  ...(Object.fromEntries(EVENT_TYPES.map((d) => [d.templateParam, d.templateColumn])) as Record<TemplateUrlParam, TemplateUrlColumn>),
  StreamMixNotifyUrl: 'stream_mix_url',
} satisfies Record<UrlParam, UrlColumn>;

const URL_PARAMS = Object.keys(URL_COLUMNS) as UrlParam[];

/** The console's rule for the callback key: up to 32 letters and digits. */
const callbackKey = () => z.string().regex(/^[A-Za-z0-9]{0,32}$/, 'up to 32 letters and digits');
const exceptionLevels = () =>
  z.array(z.enum(['error', 'warning', 'info', 'alarm'])).max(4).refine((a) => new Set(a).size === a.length, 'duplicate levels');

const urlShape = (params: readonly UrlParam[]) =>
  Object.fromEntries(params.map((p) => [p, callbackUrl().optional()])) as Record<UrlParam, z.ZodOptional<ReturnType<typeof callbackUrl>>>;

function toCallBackTemplateInfo(t: CallbackTemplateRow): Record<string, unknown> {
  return {
    TemplateId: Number(t.id),
    TemplateName: t.name,
    Description: t.description,
    ...Object.fromEntries(URL_PARAMS.map((p) => [p, t[URL_COLUMNS[p]]])),
    CallbackKey: t.callback_key,
    RecordExceptionLevels: JSON.parse(t.record_exception_levels) as string[],
  };
}

/** Every URL column, '' where the parameter was not given. */
const allUrlColumns = (p: Partial<Record<UrlParam, string | undefined>>) =>
  Object.fromEntries(URL_PARAMS.map((param) => [URL_COLUMNS[param], p[param] ?? ''])) as Record<UrlColumn, string>;

/** Column values for the URL parameters that were given. */
function urlChanges(p: Partial<Record<UrlParam, string | undefined>>): CallbackTemplateChanges {
  const changes: CallbackTemplateChanges = {};
  for (const param of URL_PARAMS) {
    const value = p[param];
    if (value !== undefined) changes[URL_COLUMNS[param]] = value;
  }
  return changes;
}

export async function requireCallbackTemplate(ctx: ActionContext, id: number): Promise<CallbackTemplateRow> {
  const template = await findCallbackTemplate(ctx.db, ctx.appId, id);
  if (!template) throw apiError('InvalidParameter.ConfNotFound', 'The callback template does not exist.');
  return template;
}

export const CreateLiveCallbackTemplate = defineAction(
  z.strictObject({
    TemplateName: templateName(),
    Description: description().optional(),
    ...urlShape(URL_PARAMS),
    CallbackKey: callbackKey().optional(),
    RecordExceptionLevels: exceptionLevels().optional(),
  }),
  async (ctx, p) => {
    if (!URL_PARAMS.some((param) => p[param])) {
      throw apiError('InvalidParameter', 'At least one callback URL is required.');
    }
    if ((await countCallbackTemplates(ctx.db, ctx.appId)) >= MAX_CALLBACK_TEMPLATES) {
      throw apiError('InternalError.ConfOutLimit');
    }
    const id = await insertCallbackTemplate(ctx.db, {
      app_id: ctx.appId,
      name: p.TemplateName,
      description: p.Description ?? '',
      ...allUrlColumns(p),
      callback_key: p.CallbackKey ?? '',
      record_exception_levels: JSON.stringify(p.RecordExceptionLevels ?? []),
    });
    return { TemplateId: id };
  },
  { changesConfig: true },
);

export const ModifyLiveCallbackTemplate = defineAction(
  z.strictObject({
    TemplateId: templateId(),
    TemplateName: templateName().optional(),
    Description: description().optional(),
    ...urlShape(URL_PARAMS.filter((p) => p !== 'StreamMixNotifyUrl')),
    CallbackKey: callbackKey().optional(),
    RecordExceptionLevels: exceptionLevels().optional(),
  }),
  async (ctx, p) => {
    await requireCallbackTemplate(ctx, p.TemplateId);
    // Omitted = unchanged; an empty string clears a URL or the key.
    const changes: CallbackTemplateChanges = urlChanges(p);
    if (p.TemplateName !== undefined) changes.name = p.TemplateName;
    if (p.Description !== undefined) changes.description = p.Description;
    if (p.CallbackKey !== undefined) changes.callback_key = p.CallbackKey;
    if (p.RecordExceptionLevels !== undefined) changes.record_exception_levels = JSON.stringify(p.RecordExceptionLevels);
    await updateCallbackTemplate(ctx.db, ctx.appId, p.TemplateId, changes);
    return {};
  },
  { changesConfig: true },
);

export const DeleteLiveCallbackTemplate = defineAction(
  z.strictObject({ TemplateId: templateId() }),
  async (ctx, p) => {
    await requireCallbackTemplate(ctx, p.TemplateId);
    if (await isCallbackTemplateBound(ctx.db, ctx.appId, p.TemplateId)) {
      throw apiError('FailedOperation.ConfInUsed', 'The template is in use: unbind it from every domain first.');
    }
    await deleteCallbackTemplate(ctx.db, ctx.appId, p.TemplateId);
    return {};
  },
  { changesConfig: true },
);

export const DescribeLiveCallbackTemplate = defineAction(
  z.strictObject({ TemplateId: templateId() }),
  async (ctx, p) => ({ Template: toCallBackTemplateInfo(await requireCallbackTemplate(ctx, p.TemplateId)) }),
  { readsStoreOnly: true },
);

export const DescribeLiveCallbackTemplates = defineAction(z.strictObject({}), async (ctx) => ({
  Templates: (await listCallbackTemplates(ctx.db, ctx.appId)).map(toCallBackTemplateInfo),
}), { readsStoreOnly: true });
