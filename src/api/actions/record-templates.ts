/**
 * Record template actions: Create/Modify/Delete/DescribeLiveRecordTemplate(s).
 *
 * Each format's Tencent RecordParam (FlvParam, HlsParam, Mp4Param, AacParam, Mp3Param) and the
 * HlsSpecialParam / FlvSpecialParam objects are validated, stored as given (keys livehook does not
 * know are dropped) and returned unchanged by Describe; a format never given is described as
 * RECORD_PARAM_DEFAULTS (Enable 0). Modify replaces a given object whole.
 *
 * Deviation from Tencent: RecordInterval may be as short as MIN_RECORD_INTERVAL (10 s) instead of
 * 60 s, so that tests and short demos get files cut every few seconds.
 */
import { z } from 'zod';
import {
  DEFAULT_RECORD_INTERVAL,
  RECORD_PARAM_COLUMNS,
  recordTemplates,
  storedRecordParam,
  type RecordParamName,
  type RecordTemplateRow,
} from '../../store/record-templates.js';
import { defineAction } from '../action.js';
import { apiError } from '../errors.js';
import { bytes, description, flag, integer, templateId, templateName } from '../params.js';
import { MAX_MEDIA_TEMPLATES, cosBucket, cosRegion, mediaTemplateActions, pathPattern } from './media-common.js';

/** livehook's lower bound for RecordInterval (Tencent: 60 s). */
const MIN_RECORD_INTERVAL = 10;
/** Tencent: StorageTime 0 (forever) to 1500 days, in seconds. */
const MAX_STORAGE_TIME = 1500 * 24 * 3600;

/** What Describe reports for a format whose RecordParam was never given. */
const RECORD_PARAM_DEFAULTS = Object.freeze({
  RecordInterval: DEFAULT_RECORD_INTERVAL,
  StorageTime: 0,
  Enable: 0,
  VodSubAppId: 0,
  VodFileName: '',
  Procedure: '',
  StorageMode: 'normal',
  ClassId: 0,
});

const TIME_PARTS = ['Year', 'Month', 'Day', 'Hour', 'Minute', 'Second', 'Millisecond'];
const TIME_PLACEHOLDERS = [...TIME_PARTS.map((p) => `Start${p}`), ...TIME_PARTS.map((p) => `End${p}`)];
/** Placeholders of RecordParam.VodFileName. */
const VOD_FILE_NAME_PLACEHOLDERS: readonly string[] = ['StreamID', ...TIME_PLACEHOLDERS];
/** Placeholders of RecordParam.CosBucketPath (Tencent's list, plus {Domain} and {AppName} of its example). */
const COS_BUCKET_PATH_PLACEHOLDERS: readonly string[] = ['RecordSource', 'Domain', 'AppName', 'StreamID', 'RecordId', 'RandomID', ...TIME_PLACEHOLDERS];

/** Tencent RecordParam; FLV/MP4/HLS intervals up to 43200 s, AAC/MP3 up to 7200 s. */
const recordParam = (maxInterval: number) =>
  z.object({
    RecordInterval: integer(MIN_RECORD_INTERVAL, maxInterval).optional(),
    StorageTime: integer(0, MAX_STORAGE_TIME).optional(),
    Enable: flag().optional(),
    VodSubAppId: integer(0, Number.MAX_SAFE_INTEGER).optional(),
    VodFileName: pathPattern(VOD_FILE_NAME_PLACEHOLDERS, { fileName: true }).optional(),
    Procedure: bytes(256).optional(),
    StorageMode: z.enum(['normal', 'cold']).optional(),
    ClassId: integer(0, Number.MAX_SAFE_INTEGER).optional(),
    CosBucketName: cosBucket().optional(),
    CosBucketRegion: cosRegion().optional(),
    CosBucketPath: pathPattern(COS_BUCKET_PATH_PLACEHOLDERS, { fileName: false })
      .refine((s) => s.startsWith('/'), 'must start with /')
      .optional(),
  });

type RecordParam = z.output<ReturnType<typeof recordParam>>;

const hlsSpecialParam = () => z.object({ FlowContinueDuration: integer(0, 1800).optional() });
const flvSpecialParam = () => z.object({ UploadInRecording: z.boolean().optional() });

const PARAM_NAMES = Object.keys(RECORD_PARAM_COLUMNS) as RecordParamName[];

const paramsShape = () => ({
  FlvParam: recordParam(43200).optional(),
  HlsParam: recordParam(43200).optional(),
  Mp4Param: recordParam(43200).optional(),
  AacParam: recordParam(7200).optional(),
  Mp3Param: recordParam(7200).optional(),
  HlsSpecialParam: hlsSpecialParam().optional(),
  FlvSpecialParam: flvSpecialParam().optional(),
  RemoveWatermark: z.boolean().optional(),
});

type ParamsInput = { [K in RecordParamName]?: RecordParam | undefined } & {
  HlsSpecialParam?: object | undefined;
  FlvSpecialParam?: object | undefined;
  RemoveWatermark?: boolean | undefined;
};

/** Column values for the parameters that were given. */
function paramChanges(p: ParamsInput): Partial<Record<(typeof RECORD_PARAM_COLUMNS)[RecordParamName] | 'hls_special_param' | 'flv_special_param', string>> & {
  remove_watermark?: number;
} {
  const changes: ReturnType<typeof paramChanges> = {};
  for (const name of PARAM_NAMES) {
    const value = p[name];
    if (value !== undefined) changes[RECORD_PARAM_COLUMNS[name]] = JSON.stringify(value);
  }
  if (p.HlsSpecialParam !== undefined) changes.hls_special_param = JSON.stringify(p.HlsSpecialParam);
  if (p.FlvSpecialParam !== undefined) changes.flv_special_param = JSON.stringify(p.FlvSpecialParam);
  if (p.RemoveWatermark !== undefined) changes.remove_watermark = p.RemoveWatermark ? 1 : 0;
  return changes;
}

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

function toRecordTemplateInfo(t: RecordTemplateRow): Record<string, unknown> {
  const param = (name: RecordParamName) => storedRecordParam(t, name) ?? { ...RECORD_PARAM_DEFAULTS };
  return {
    TemplateId: Number(t.id),
    TemplateName: t.name,
    Description: t.description,
    FlvParam: param('FlvParam'),
    HlsParam: param('HlsParam'),
    Mp4Param: param('Mp4Param'),
    AacParam: param('AacParam'),
    IsDelayLive: Number(t.is_delay_live),
    HlsSpecialParam: parseJson(t.hls_special_param),
    Mp3Param: param('Mp3Param'),
    RemoveWatermark: Number(t.remove_watermark) === 1,
    CosStore: Number(t.cos_store),
    FlvSpecialParam: parseJson(t.flv_special_param),
  };
}

const templateActions = mediaTemplateActions('record', recordTemplates, toRecordTemplateInfo);

export const requireRecordTemplate = templateActions.require;

export const CreateLiveRecordTemplate = defineAction(
  z.strictObject({
    TemplateName: templateName(),
    Description: description().optional(),
    ...paramsShape(),
    IsDelayLive: flag().optional(),
    CosStore: flag().optional(),
  }),
  async (ctx, p) => {
    if ((await recordTemplates.count(ctx.db, ctx.appId)) >= MAX_MEDIA_TEMPLATES) throw apiError('InternalError.ConfOutLimit');
    const id = await recordTemplates.insert(ctx.db, {
      app_id: ctx.appId,
      name: p.TemplateName,
      description: p.Description ?? '',
      is_delay_live: p.IsDelayLive ?? 0,
      flv_param: null,
      hls_param: null,
      mp4_param: null,
      aac_param: null,
      mp3_param: null,
      hls_special_param: null,
      flv_special_param: null,
      remove_watermark: 0,
      cos_store: p.CosStore ?? 0,
      ...paramChanges(p),
    });
    return { TemplateId: id };
  },
  { changesConfig: true },
);

export const ModifyLiveRecordTemplate = defineAction(
  z.strictObject({
    TemplateId: templateId(),
    TemplateName: templateName().optional(),
    Description: description().optional(),
    ...paramsShape(),
  }),
  async (ctx, p) => {
    await requireRecordTemplate(ctx, p.TemplateId);
    await recordTemplates.update(ctx.db, ctx.appId, p.TemplateId, {
      ...(p.TemplateName !== undefined && { name: p.TemplateName }),
      ...(p.Description !== undefined && { description: p.Description }),
      ...paramChanges(p),
    });
    return {};
  },
  { changesConfig: true },
);

export const DeleteLiveRecordTemplate = templateActions.delete;

export const DescribeLiveRecordTemplate = templateActions.describe;

/** Standard-live templates by default; IsDelayLive 1 lists the slow-live ones. */
export const DescribeLiveRecordTemplates = defineAction(z.strictObject({ IsDelayLive: flag().optional() }), async (ctx, p) => ({
  Templates: (await recordTemplates.list(ctx.db, ctx.appId))
    .filter((t) => Number(t.is_delay_live) === (p.IsDelayLive ?? 0))
    .map(toRecordTemplateInfo),
}), { readsStoreOnly: true });
