/**
 * Screenshots that porn detection did not pass are kept (with a link to the file) for the
 * console's Moderation page and DescribeModerationResults.
 */
import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import { insertModerationResult } from '../store/moderation-results.js';
import type { SnapshotterDeps } from './snapshotter.js';

export const keepFlaggedScreenshots = (db: Db, log: Logger): NonNullable<SnapshotterDeps['onFlagged']> =>
  ({ session: { context: c }, picUrl, verdict, at }) => {
    // With --moderation-send-all, Pass results reach here too; only flagged ones are kept.
    if (verdict.suggestion === 'Pass') return;
    insertModerationResult(db, {
      app_id: c.appId,
      domain_name: c.domain,
      app_name: c.appName,
      stream_name: c.stream,
      pic_url: picUrl,
      suggestion: verdict.suggestion,
      label: verdict.label,
      sub_label: verdict.subLabel,
      score: verdict.scores[0] ?? 0,
      label_results: JSON.stringify(verdict.labelResults),
      screenshot_at: at,
    }).catch((rawError: unknown) => log.error({ err: rawError }, 'could not keep a moderation result; the event 317 itself is unaffected'));
  };
