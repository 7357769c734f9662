/** Snapshot (screenshot / porn-detection) templates. */
import type { Selectable } from 'kysely';
import { mediaTemplateStore } from './media-templates.js';
import type { SnapshotTemplatesTable } from './schema.js';

export type SnapshotTemplateRow = Selectable<SnapshotTemplatesTable>;

export const snapshotTemplates = mediaTemplateStore('snapshot_templates');
