/** Every action livehook answers, by its exact Tencent name. Each resource file owns its actions. */
import type { ActionTable } from './action.js';
import * as callbackEvents from './actions/callback-events.js';
import * as callbackRecords from './actions/callback-records.js';
import * as callbackRules from './actions/callback-rules.js';
import * as callbackTemplates from './actions/callback-templates.js';
import * as domains from './actions/domains.js';
import * as moderationResults from './actions/moderation-results.js';
import * as pushAuth from './actions/push-auth.js';
import * as recordRules from './actions/record-rules.js';
import * as remotePushAuth from './actions/remote-push-auth.js';
import * as recordTemplates from './actions/record-templates.js';
import * as snapshotRules from './actions/snapshot-rules.js';
import * as snapshotTemplates from './actions/snapshot-templates.js';
import * as streamHistory from './actions/stream-history.js';
import * as streams from './actions/streams.js';

const pick = <T extends object>(module: T): ActionTable =>
  Object.fromEntries(
    Object.entries(module).filter(([name, value]) => /^[A-Z]/.test(name) && typeof value === 'object' && value !== null && 'handler' in value),
  ) as ActionTable;

export const ACTIONS: ActionTable = Object.freeze({
  ...pick(domains),
  ...pick(pushAuth),
  ...pick(remotePushAuth),
  ...pick(callbackTemplates),
  ...pick(callbackRules),
  ...pick(callbackEvents),
  ...pick(streams),
  ...pick(snapshotTemplates),
  ...pick(snapshotRules),
  ...pick(recordTemplates),
  ...pick(recordRules),
  ...pick(moderationResults),
  ...pick(callbackRecords),
  ...pick(streamHistory),
});

export const findAction = (name: string) => (Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined);
