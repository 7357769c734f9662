/** Push authentication keys of a push domain: DescribeLivePushAuthKey, ModifyLivePushAuthKey. */
import { z } from 'zod';
import { findDomain, updateDomain, type DomainRow } from '../../store/domains.js';
import { defineAction, type ActionContext } from '../action.js';
import { apiError } from '../errors.js';
import { domainName, flag, integer } from '../params.js';
import { DomainType } from './domains.js';

/** Keys are what goes into md5(key + StreamName + txTime): keep them to URL-safe characters. */
const authKey = () => z.string().max(256).regex(/^[A-Za-z0-9]*$/, 'only letters and digits are allowed');
/** Up to ten years: long-lived push URLs are common for fixed encoders. */
const MAX_AUTH_DELTA_SECONDS = 10 * 365 * 24 * 3600;

export async function requirePushDomain(ctx: ActionContext, name: string): Promise<DomainRow> {
  const domain = await findDomain(ctx.db, ctx.appId, name);
  if (!domain || Number(domain.type) !== DomainType.push) throw apiError('ResourceNotFound.PushDomainNoRecord');
  return domain;
}

const toPushAuthKeyInfo = (d: DomainRow) => ({
  DomainName: d.name,
  Enable: Number(d.push_auth_enable),
  MasterAuthKey: d.push_auth_master_key,
  BackupAuthKey: d.push_auth_backup_key,
  AuthDelta: Number(d.push_auth_delta),
});

export const DescribeLivePushAuthKey = defineAction(
  z.strictObject({ DomainName: domainName() }),
  async (ctx, p) => ({ PushAuthKeyInfo: toPushAuthKeyInfo(await requirePushDomain(ctx, p.DomainName)) }),
  { readsStoreOnly: true },
);

export const ModifyLivePushAuthKey = defineAction(
  z.strictObject({
    DomainName: domainName(),
    Enable: flag().optional(),
    MasterAuthKey: authKey().optional(),
    BackupAuthKey: authKey().optional(),
    AuthDelta: integer(1, MAX_AUTH_DELTA_SECONDS).optional(),
  }),
  async (ctx, p) => {
    const domain = await requirePushDomain(ctx, p.DomainName);
    const next = {
      push_auth_enable: p.Enable ?? Number(domain.push_auth_enable),
      push_auth_master_key: p.MasterAuthKey ?? domain.push_auth_master_key,
      push_auth_backup_key: p.BackupAuthKey ?? domain.push_auth_backup_key,
      push_auth_delta: p.AuthDelta ?? Number(domain.push_auth_delta),
    };
    if (next.push_auth_enable === 1 && !next.push_auth_master_key && !next.push_auth_backup_key) {
      throw apiError('InvalidParameterValue', 'Push authentication needs a MasterAuthKey or BackupAuthKey to be enabled.');
    }
    await updateDomain(ctx.db, ctx.appId, p.DomainName, next);
    return {};
  },
  { changesConfig: true },
);
