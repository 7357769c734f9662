/** Callback rules bind a template to (DomainName, AppName); AppName '' covers the whole domain. */
import type { Db } from './database.js';
import type { CallbackRulesTable } from './schema.js';

export type CallbackRuleRow = CallbackRulesTable;

/** Returns false when a rule for the same (domain, app) already exists. */
export async function insertCallbackRule(
  db: Db,
  rule: { appId: number; domainName: string; appName: string; templateId: number },
): Promise<boolean> {
  const now = Date.now();
  const result = await db
    .insertInto('callback_rules')
    .values({
      app_id: rule.appId,
      domain_name: rule.domainName,
      app_name: rule.appName,
      template_id: rule.templateId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['domain_name', 'app_name']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export const listCallbackRules = (db: Db, appId?: number): Promise<CallbackRuleRow[]> => {
  const query = db.selectFrom('callback_rules').selectAll().orderBy('created_at').orderBy('domain_name').orderBy('app_name');
  return (appId === undefined ? query : query.where('app_id', '=', appId)).execute();
};

export async function deleteCallbackRule(
  db: Db,
  appId: number,
  domainName: string,
  appName: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('callback_rules')
    .where('app_id', '=', appId)
    .where('domain_name', '=', domainName)
    .where('app_name', '=', appName)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function isCallbackTemplateBound(db: Db, appId: number, templateId: number): Promise<boolean> {
  const row = await db
    .selectFrom('callback_rules')
    .select('template_id')
    .where('app_id', '=', appId)
    .where('template_id', '=', templateId)
    .executeTakeFirst();
  return row !== undefined;
}
