/**
 * Snapshot and record rules: a template bound to (DomainName, AppName, StreamName), where '' in
 * AppName or StreamName matches any. Both kinds have the same columns (MediaRulesTable) in their
 * own table, so each can reference its own template table and cascade with its domain.
 */
import type { Db } from './database.js';
import type { MediaRulesTable } from './schema.js';

export type MediaRuleKind = 'snapshot' | 'record';
export type MediaRuleRow = MediaRulesTable;

export interface MediaRuleKey {
  readonly domainName: string;
  readonly appName: string;
  readonly streamName: string;
}

const TABLES = { snapshot: 'snapshot_rules', record: 'record_rules' } as const;
/** Both tables share one row type; the queries are written against one of the two names. */
const table = (kind: MediaRuleKind) => TABLES[kind] as 'snapshot_rules';

/** Returns false when a rule for the same (domain, app, stream) already exists. */
export async function insertMediaRule(
  db: Db,
  kind: MediaRuleKind,
  rule: MediaRuleKey & { readonly appId: number; readonly templateId: number },
): Promise<boolean> {
  const now = Date.now();
  const result = await db
    .insertInto(table(kind))
    .values({
      domain_name: rule.domainName,
      app_name: rule.appName,
      stream_name: rule.streamName,
      app_id: rule.appId,
      template_id: rule.templateId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['domain_name', 'app_name', 'stream_name']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Every account's rules when `appId` is omitted (the config cache). */
export const listMediaRules = (db: Db, kind: MediaRuleKind, appId?: number): Promise<MediaRuleRow[]> => {
  const query = db
    .selectFrom(table(kind))
    .selectAll()
    .orderBy('created_at')
    .orderBy('domain_name')
    .orderBy('app_name')
    .orderBy('stream_name');
  return (appId === undefined ? query : query.where('app_id', '=', appId)).execute();
};

export async function deleteMediaRule(db: Db, kind: MediaRuleKind, appId: number, key: MediaRuleKey): Promise<boolean> {
  const result = await db
    .deleteFrom(table(kind))
    .where('app_id', '=', appId)
    .where('domain_name', '=', key.domainName)
    .where('app_name', '=', key.appName)
    .where('stream_name', '=', key.streamName)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function isMediaTemplateBound(db: Db, kind: MediaRuleKind, appId: number, templateId: number): Promise<boolean> {
  const row = await db
    .selectFrom(table(kind))
    .select('template_id')
    .where('app_id', '=', appId)
    .where('template_id', '=', templateId)
    .executeTakeFirst();
  return row !== undefined;
}
