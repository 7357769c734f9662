/**
 * Remote push authentication of a push domain (docs/remote-push-auth.md): livehook's own actions,
 * since Tencent configures this in its console only. DescribeLiveRemotePushAuth,
 * ModifyLiveRemotePushAuth.
 */
import { z } from 'zod';
import { updateDomain, type DomainRow } from '../../store/domains.js';
import { REMOTE_AUTH_RETRY_RANGE, REMOTE_AUTH_TIMEOUT_RANGE_MS } from '../../media/remote-push-auth.js';
import { defineAction } from '../action.js';
import { apiError } from '../errors.js';
import { callbackUrl, domainName, flag, integer } from '../params.js';
import { requirePushDomain } from './push-auth.js';

const toRemotePushAuthInfo = (d: DomainRow) => ({
  DomainName: d.name,
  Enable: Number(d.remote_auth_enable),
  Url: d.remote_auth_url,
  TimeoutMs: Number(d.remote_auth_timeout_ms),
  Retries: Number(d.remote_auth_retries),
  OnFailure: d.remote_auth_on_failure,
});

export const DescribeLiveRemotePushAuth = defineAction(
  z.strictObject({ DomainName: domainName() }),
  async (ctx, p) => ({ RemotePushAuthInfo: toRemotePushAuthInfo(await requirePushDomain(ctx, p.DomainName)) }),
  { readsStoreOnly: true },
);

export const ModifyLiveRemotePushAuth = defineAction(
  z.strictObject({
    DomainName: domainName(),
    Enable: flag().optional(),
    Url: callbackUrl().optional(),
    TimeoutMs: integer(...REMOTE_AUTH_TIMEOUT_RANGE_MS).optional(),
    Retries: integer(...REMOTE_AUTH_RETRY_RANGE).optional(),
    OnFailure: z.enum(['allow', 'deny']).optional(),
  }),
  async (ctx, p) => {
    const domain = await requirePushDomain(ctx, p.DomainName);
    const next = {
      remote_auth_enable: p.Enable ?? Number(domain.remote_auth_enable),
      remote_auth_url: p.Url ?? domain.remote_auth_url,
      remote_auth_timeout_ms: p.TimeoutMs ?? Number(domain.remote_auth_timeout_ms),
      remote_auth_retries: p.Retries ?? Number(domain.remote_auth_retries),
      remote_auth_on_failure: p.OnFailure ?? domain.remote_auth_on_failure,
    };
    if (next.remote_auth_enable === 1 && !next.remote_auth_url) {
      throw apiError('InvalidParameterValue', 'Remote push authentication needs a Url to be enabled.');
    }
    await updateDomain(ctx.db, ctx.appId, p.DomainName, next);
    return {};
  },
  { changesConfig: true },
);
