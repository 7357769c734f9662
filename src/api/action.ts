/** What an action handler gets and returns. Handlers are keyed by their exact Tencent name. */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ConfigCache } from '../bindings/config-cache.js';
import type { CallbackHttpClient } from '../delivery/http-client.js';
import type { Outbox } from '../delivery/outbox.js';
import type { PushSessions } from '../media/push-sessions.js';
import type { MeterReadings } from '../media/stream-meter.js';
import type { Db } from '../store/database.js';

export interface ActionContext {
  /** The account of the calling key: every store call is scoped by it. */
  readonly appId: number;
  readonly requestId: string;
  readonly db: Db;
  /** Read-only: actions that change configuration declare it (ActionOptions), the dispatch rebuilds. */
  readonly config: Omit<ConfigCache, 'invalidate' | 'onChange'>;
  readonly log: Logger;
  readonly delivery: DeliveryAccess;
  /** Base URL of livehook's own files, for links in sample events. */
  readonly publicUrl: string;
  /** Live pushes of this process (DropLiveStream, DescribeLiveStreamOnlineList). */
  readonly pushes: PushSessions;
  /** Media figures of this process's embedded pushes (DescribeLiveStreamPushInfoList); absent when not measured. */
  readonly meters?: MeterReadings | undefined;
}

/** What the API may ask of delivery: replays through the outbox, tests through the guarded client. */
export interface DeliveryAccess {
  readonly outbox: Outbox;
  readonly http: CallbackHttpClient;
  /** Tell the dispatcher that new work was queued. */
  readonly wake: () => void;
}

export interface ActionOptions {
  /**
   * The action writes a table the config cache is built from (domains, templates, rules,
   * forbidden streams). The dispatch then rebuilds the cache after the handler returns and before
   * answering, so the change applies to the very next event. Handlers never invalidate by hand;
   * test/api/config-invalidation.test.ts checks every action in the table against what it writes.
   */
  readonly changesConfig?: boolean;
  /**
   * The answer is a function of the stored rows and the parameters alone (not of the clock, live
   * pushes or anything outside the store): a repeated call is answered from memory until anything
   * is committed to the store (store/read-cache.ts; SQLite only).
   */
  readonly readsStoreOnly?: boolean;
}

export interface Action<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly handler: (ctx: ActionContext, params: z.output<S>) => Promise<Record<string, unknown>>;
  readonly changesConfig: boolean;
  readonly readsStoreOnly: boolean;
}

export const defineAction = <S extends z.ZodType>(
  schema: S,
  handler: (ctx: ActionContext, params: z.output<S>) => Promise<Record<string, unknown>>,
  options: ActionOptions = {},
): Action<S> => ({ schema, handler, changesConfig: options.changesConfig ?? false, readsStoreOnly: options.readsStoreOnly ?? false });

export type ActionTable = Readonly<Record<string, Action>>;
