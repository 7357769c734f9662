/**
 * livehook's own DescribeModerationResults: the screenshots that porn detection did not pass
 * (Block or Review), newest first, with the image link and the fields event 317 carried.
 */
import { z } from 'zod';
import { pageModerationResults, type ModerationResultRow } from '../../store/moderation-results.js';
import { defineAction } from '../action.js';
import { beijingTime } from '../beijing-time.js';
import { appName, domainName, pageReply, pageWindow, pagingShape, timeRangeShape } from '../params.js';

const toResultInfo = (r: ModerationResultRow, publicUrl: string) => ({
  Id: Number(r.id),
  DomainName: r.domain_name,
  AppName: r.app_name,
  StreamName: r.stream_name,
  PicUrl: r.pic_url,
  PicFullUrl: publicUrl + r.pic_url,
  Suggestion: r.suggestion,
  Label: r.label,
  SubLabel: r.sub_label,
  Score: Number(r.score),
  LabelResults: JSON.parse(r.label_results) as unknown,
  ScreenshotTime: beijingTime(r.screenshot_at),
});

export const DescribeModerationResults = defineAction(
  z.strictObject({
    ...timeRangeShape(),
    DomainName: domainName().optional(),
    StreamName: appName().optional(),
    ...pagingShape({ min: 1, max: 100, default: 20 }),
  }),
  async (ctx, p) => {
    const filter = { appId: ctx.appId, from: p.StartTime, to: p.EndTime, domain: p.DomainName, stream: p.StreamName };
    const page = await pageModerationResults(ctx.db, filter, pageWindow(p));
    return {
      ...pageReply(p, page.total),
      ResultList: page.rows.map((r) => toResultInfo(r, ctx.publicUrl)),
    };
  },
);
