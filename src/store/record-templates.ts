/** Recording templates: one Tencent RecordParam per format, stored as the JSON that was given. */
import type { Selectable } from 'kysely';
import { mediaTemplateStore } from './media-templates.js';
import type { RecordTemplatesTable } from './schema.js';

export type RecordTemplateRow = Selectable<RecordTemplatesTable>;

export const recordTemplates = mediaTemplateStore('record_templates');

/** Tencent's default RecordInterval (seconds), for a RecordParam given without one. */
export const DEFAULT_RECORD_INTERVAL = 1800;
