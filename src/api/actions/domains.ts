/** Domain actions: AddLiveDomain, DeleteLiveDomain, DescribeLiveDomain(s), Forbid/EnableLiveDomain. */
import { z } from 'zod';
import { generateHexKey } from '../../accounts/secrets.js';
import {
  countDomains,
  deleteDomain,
  findDomain,
  findDomainAnyAccount,
  insertDomain,
  pageDomains,
  updateDomain,
  type DomainRow,
} from '../../store/domains.js';
import { defineAction, type ActionContext } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { apiError } from '../errors.js';
import { domainName, flag, integer, pageWindow, pagingShape } from '../params.js';

/** Tencent's per-account limit on domains. */
const MAX_DOMAINS = 100;
/** Push authentication is on for new push domains, as on Tencent; keys are valid this long. */
const DEFAULT_PUSH_AUTH_DELTA_SECONDS = 1800;

export const DomainType = { push: 0, play: 1 } as const;

const domainType = () => z.union([z.literal(DomainType.push), z.literal(DomainType.play)]);
const playType = () => integer(1, 3);
const domainsPaging = pagingShape({ min: 10, max: 100, default: 10 });

function toDomainInfo(d: DomainRow): Record<string, unknown> {
  return {
    Name: d.name,
    Type: Number(d.type),
    Status: Number(d.status),
    CreateTime: beijingTime(d.created_at),
    BCName: 0,
    TargetDomain: '',
    PlayType: Number(d.play_type),
    IsDelayLive: Number(d.is_delay_live),
    CurrentCName: '',
    RentTag: 0,
    RentExpireTime: beijingTime(0),
    IsMiniProgramLive: Number(d.is_mini_program_live),
  };
}

/** The caller's domain, or ResourceNotFound.DomainNotExist (also for other accounts' domains). */
export async function requireDomain(ctx: ActionContext, name: string): Promise<DomainRow> {
  const domain = await findDomain(ctx.db, ctx.appId, name);
  if (!domain) throw apiError('ResourceNotFound.DomainNotExist');
  return domain;
}

export const AddLiveDomain = defineAction(
  z.strictObject({
    DomainName: domainName(),
    DomainType: domainType(),
    PlayType: playType().optional(),
    IsDelayLive: flag().optional(),
    IsMiniProgramLive: flag().optional(),
    VerifyOwnerType: z.enum(['dnsCheck', 'fileCheck', 'dbCheck']).optional(),
  }),
  async (ctx, p) => {
    const existing = await findDomainAnyAccount(ctx.db, p.DomainName);
    if (existing) {
      throw apiError(Number(existing.app_id) === ctx.appId ? 'FailedOperation.DomainAdded' : 'InvalidParameter.DomainAlreadyExist');
    }
    if ((await countDomains(ctx.db, ctx.appId)) >= MAX_DOMAINS) throw apiError('FailedOperation.HostOutLimit');
    const isPush = p.DomainType === DomainType.push;
    await insertDomain(ctx.db, {
      name: p.DomainName,
      app_id: ctx.appId,
      type: p.DomainType,
      status: 1,
      play_type: p.PlayType ?? 1,
      is_delay_live: p.IsDelayLive ?? 0,
      is_mini_program_live: p.IsMiniProgramLive ?? 0,
      push_auth_enable: isPush ? 1 : 0,
      push_auth_master_key: isPush ? generateHexKey() : '',
      push_auth_backup_key: '',
      push_auth_delta: DEFAULT_PUSH_AUTH_DELTA_SECONDS,
    });
    return {};
  },
  { changesConfig: true },
);

export const DeleteLiveDomain = defineAction(
  z.strictObject({ DomainName: domainName(), DomainType: domainType() }),
  async (ctx, p) => {
    const domain = await requireDomain(ctx, p.DomainName);
    if (Number(domain.type) !== p.DomainType) throw apiError('ResourceNotFound.DomainNotExist', 'The domain name does not exist with that DomainType.');
    await deleteDomain(ctx.db, ctx.appId, p.DomainName);
    return {};
  },
  { changesConfig: true },
);

export const DescribeLiveDomain = defineAction(
  z.strictObject({ DomainName: domainName() }),
  async (ctx, p) => ({ DomainInfo: toDomainInfo(await requireDomain(ctx, p.DomainName)) }),
  { readsStoreOnly: true },
);

export const DescribeLiveDomains = defineAction(
  z.strictObject({
    DomainStatus: flag().optional(),
    DomainType: domainType().optional(),
    // Tencent's order for this action (it decides which of two bad values is reported).
    PageSize: domainsPaging.PageSize,
    PageNum: domainsPaging.PageNum,
    IsDelayLive: flag().optional(),
    DomainPrefix: z.string().max(255).optional(),
    PlayType: playType().optional(),
  }),
  async (ctx, p) => {
    const filter = {
      status: p.DomainStatus,
      type: p.DomainType,
      isDelayLive: p.IsDelayLive,
      prefix: p.DomainPrefix?.toLowerCase(),
      playType: p.DomainType === DomainType.play ? p.PlayType : undefined,
    };
    const [page, enabledPlay, total] = await Promise.all([
      pageDomains(ctx.db, ctx.appId, filter, pageWindow(p)),
      pageDomains(ctx.db, ctx.appId, { status: 1, type: DomainType.play }, { offset: 0, limit: MAX_DOMAINS }),
      countDomains(ctx.db, ctx.appId),
    ]);
    const playTypeCount = [1, 2, 3].map((t) => enabledPlay.rows.filter((d) => Number(d.play_type) === t).length);
    return {
      AllCount: page.total,
      DomainList: page.rows.map(toDomainInfo),
      CreateLimitCount: Math.max(0, MAX_DOMAINS - total),
      PlayTypeCount: playTypeCount,
    };
  },
  { readsStoreOnly: true },
);

const setStatus = (status: 0 | 1) =>
  defineAction(z.strictObject({ DomainName: domainName() }), async (ctx, p) => {
    await requireDomain(ctx, p.DomainName);
    await updateDomain(ctx.db, ctx.appId, p.DomainName, { status });
    return {};
  }, { changesConfig: true });

export const ForbidLiveDomain = setStatus(0);
export const EnableLiveDomain = setStatus(1);
