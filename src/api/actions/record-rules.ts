/**
 * Record rules: bind a record template to (DomainName, AppName, StreamName). AppName defaults to
 * `live` and StreamName to '' (every stream); '' in either matches any.
 */
import { mediaRuleActions } from './media-common.js';
import { requireRecordTemplate } from './record-templates.js';

const actions = mediaRuleActions('record', requireRecordTemplate);

export const CreateLiveRecordRule = actions.create;
export const DeleteLiveRecordRule = actions.delete;
export const DescribeLiveRecordRules = actions.describe;
