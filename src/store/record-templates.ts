/** Recording templates: one Tencent RecordParam per format, stored as the JSON that was given. */
import type { Selectable } from 'kysely';
import { mediaTemplateStore } from './media-templates.js';
import type { RecordTemplatesTable } from './schema.js';

export type RecordTemplateRow = Selectable<RecordTemplatesTable>;

export const recordTemplates = mediaTemplateStore('record_templates');

/** Tencent's default RecordInterval (seconds), for a RecordParam given without one. */
export const DEFAULT_RECORD_INTERVAL = 1800;

/** Tencent parameter → JSON column, for the RecordParam-typed parameters. */
export const RECORD_PARAM_COLUMNS = {
  FlvParam: 'flv_param',
  HlsParam: 'hls_param',
  Mp4Param: 'mp4_param',
  AacParam: 'aac_param',
  Mp3Param: 'mp3_param',
} as const satisfies Record<string, keyof RecordTemplatesTable>;

export type RecordParamName = keyof typeof RECORD_PARAM_COLUMNS;

/**
 * A RecordParam as stored: the object the API validated (api/actions/record-templates.ts), keys
 * livehook does not know already dropped. Only Enable and RecordInterval are read outside the API.
 */
interface StoredRecordParam {
  readonly Enable?: number;
  readonly RecordInterval?: number;
  readonly [key: string]: unknown;
}

/** The stored RecordParam of a format, or undefined when it was never given. */
export function storedRecordParam(t: RecordTemplateRow, name: RecordParamName): StoredRecordParam | undefined {
  const text = t[RECORD_PARAM_COLUMNS[name]];
  return text === null ? undefined : ((JSON.parse(text) as StoredRecordParam | null) ?? undefined);
}
