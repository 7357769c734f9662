/** Snapshot template actions: Create/Modify/Delete/DescribeLiveSnapshotTemplate(s). */
import { z } from 'zod';
import { DEFAULT_COS_FILE_NAME, DEFAULT_COS_PREFIX, SNAPSHOT_PLACEHOLDERS } from '../../capture/file-names.js';
import { snapshotTemplates, type SnapshotTemplateRow } from '../../store/snapshot-templates.js';
import { defineAction } from '../action.js';
import { apiError } from '../errors.js';
import { description, flag, integer, templateId, templateName } from '../params.js';
import { MAX_MEDIA_TEMPLATES, cosBucket, cosRegion, mediaTemplateActions, pathPattern } from './media-common.js';

const DEFAULT_SNAPSHOT_INTERVAL = 10;

const cosPattern = (what: 'prefix' | 'fileName') =>
  pathPattern(SNAPSHOT_PLACEHOLDERS, { fileName: what === 'fileName', code: 'InvalidParameter.COSCustomFileNameError' });

const cosAppId = () => integer(1, Number.MAX_SAFE_INTEGER);

const settingsShape = () => ({
  Description: description().optional(),
  SnapshotInterval: integer(2, 300).optional(),
  Width: integer(0, 3000).optional(),
  Height: integer(0, 2000).optional(),
  PornFlag: flag().optional(),
  CosPrefix: cosPattern('prefix').optional(),
  CosFileName: cosPattern('fileName').optional(),
});

/** Tencent: "the value of CosBucket cannot contain -[appid]". */
function checkCosBucket(p: { CosBucket: string; CosAppId: number }): void {
  if (p.CosBucket.includes(`-${p.CosAppId}`)) {
    throw apiError('InvalidParameterValue', 'The value of parameter `CosBucket` is invalid: leave out the -[appid] part.');
  }
}

function toSnapshotTemplateInfo(t: SnapshotTemplateRow): Record<string, unknown> {
  return {
    TemplateId: Number(t.id),
    TemplateName: t.name,
    SnapshotInterval: Number(t.snapshot_interval),
    Width: Number(t.width),
    Height: Number(t.height),
    PornFlag: Number(t.porn_flag),
    CosAppId: Number(t.cos_app_id),
    CosBucket: t.cos_bucket,
    CosRegion: t.cos_region,
    Description: t.description,
    CosPrefix: t.cos_prefix,
    CosFileName: t.cos_file_name,
  };
}

const templateActions = mediaTemplateActions('snapshot', snapshotTemplates, toSnapshotTemplateInfo);

export const requireSnapshotTemplate = templateActions.require;

export const CreateLiveSnapshotTemplate = defineAction(
  z.strictObject({
    TemplateName: templateName(),
    CosAppId: cosAppId(),
    CosBucket: cosBucket(),
    CosRegion: cosRegion(),
    ...settingsShape(),
  }),
  async (ctx, p) => {
    checkCosBucket(p);
    if ((await snapshotTemplates.count(ctx.db, ctx.appId)) >= MAX_MEDIA_TEMPLATES) throw apiError('InternalError.ConfOutLimit');
    const id = await snapshotTemplates.insert(ctx.db, {
      app_id: ctx.appId,
      name: p.TemplateName,
      description: p.Description ?? '',
      snapshot_interval: p.SnapshotInterval ?? DEFAULT_SNAPSHOT_INTERVAL,
      width: p.Width ?? 0,
      height: p.Height ?? 0,
      porn_flag: p.PornFlag ?? 0,
      cos_app_id: p.CosAppId,
      cos_bucket: p.CosBucket,
      cos_region: p.CosRegion,
      cos_prefix: p.CosPrefix ?? DEFAULT_COS_PREFIX,
      cos_file_name: p.CosFileName ?? DEFAULT_COS_FILE_NAME,
    });
    return { TemplateId: id };
  },
  { changesConfig: true },
);

/** The COS fields are required here too, as Tencent now requires them; everything else omitted = unchanged. */
export const ModifyLiveSnapshotTemplate = defineAction(
  z.strictObject({
    TemplateId: templateId(),
    CosAppId: cosAppId(),
    CosBucket: cosBucket(),
    CosRegion: cosRegion(),
    TemplateName: templateName().optional(),
    ...settingsShape(),
  }),
  async (ctx, p) => {
    await requireSnapshotTemplate(ctx, p.TemplateId);
    checkCosBucket(p);
    await snapshotTemplates.update(ctx.db, ctx.appId, p.TemplateId, {
      cos_app_id: p.CosAppId,
      cos_bucket: p.CosBucket,
      cos_region: p.CosRegion,
      ...(p.TemplateName !== undefined && { name: p.TemplateName }),
      ...(p.Description !== undefined && { description: p.Description }),
      ...(p.SnapshotInterval !== undefined && { snapshot_interval: p.SnapshotInterval }),
      ...(p.Width !== undefined && { width: p.Width }),
      ...(p.Height !== undefined && { height: p.Height }),
      ...(p.PornFlag !== undefined && { porn_flag: p.PornFlag }),
      ...(p.CosPrefix !== undefined && { cos_prefix: p.CosPrefix }),
      ...(p.CosFileName !== undefined && { cos_file_name: p.CosFileName }),
    });
    return {};
  },
  { changesConfig: true },
);

export const DeleteLiveSnapshotTemplate = templateActions.delete;

export const DescribeLiveSnapshotTemplate = templateActions.describe;

export const DescribeLiveSnapshotTemplates = defineAction(z.strictObject({}), async (ctx) => ({
  Templates: (await snapshotTemplates.list(ctx.db, ctx.appId)).map(toSnapshotTemplateInfo),
}), { readsStoreOnly: true });
