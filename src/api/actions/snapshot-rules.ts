/**
 * Snapshot rules: bind a snapshot template to (DomainName, AppName, StreamName). AppName defaults
 * to `live` and StreamName to '' (every stream); '' in either matches any.
 */
import { mediaRuleActions } from './media-common.js';
import { requireSnapshotTemplate } from './snapshot-templates.js';

const actions = mediaRuleActions('snapshot', requireSnapshotTemplate);

export const CreateLiveSnapshotRule = actions.create;
export const DeleteLiveSnapshotRule = actions.delete;
export const DescribeLiveSnapshotRules = actions.describe;
