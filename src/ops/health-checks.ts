/**
 * What each part reports on /healthz, from the parts it reads. A part this instance does not run
 * (a role switched off, README "Roles") reports `{ ready: true, role: 'off' }`: it never makes the
 * instance unready. Parts that run report no `role`, as before roles existed.
 */
import type { ConfigCache } from '../bindings/config-cache.js';
import type { CaptureManager } from '../capture/capture-manager.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import type { Outbox } from '../delivery/outbox.js';
import type { PushSessions } from '../media/push-sessions.js';
import type { Moderator } from '../moderation/moderator.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Store } from '../store/database.js';
import type { Health, HealthCheck } from './health.js';

export interface HealthParts {
  readonly store: { store: Pick<Store, 'backend' | 'faults'>; changes: Pick<ChangeFeed, 'connected'>; cache: Pick<ConfigCache, 'size'> };
  /** Undefined with --no-delivery. */
  readonly delivery: { dispatcher: Pick<Dispatcher, 'running' | 'inFlight'>; outbox: Pick<Outbox, 'backlog'> } | undefined;
  /** Undefined with --no-ingest; the ingest worker's state (ingest-supervisor.ts): unready while it restarts. */
  readonly ingest: { status: () => { ready: boolean }; pushes: Pick<PushSessions, 'size'> } | undefined;
  /** Undefined with --no-ingest (capture reads the embedded ingest's pushes); `capture` is undefined without ffmpeg. */
  readonly capture: { capture: Pick<CaptureManager, 'active'> | undefined; moderator: Pick<Moderator, 'stats'> } | undefined;
}

const roleOff: HealthCheck = () => ({ ready: true, role: 'off' });

/** Registers every part's check, in the order /healthz lists them. */
export function registerHealthChecks(health: Health, parts: HealthParts): void {
  health.register('api', () => ({ ready: true }));
  health.register('store', storeHealth(parts.store));
  health.register('delivery', parts.delivery ? deliveryHealth(parts.delivery) : roleOff);
  health.register('ingest', parts.ingest ? ingestHealth(parts.ingest) : roleOff);
  health.register('capture', parts.capture ? captureHealth(parts.capture) : roleOff);
}

/** A storage fault (disk full, database unreachable) makes the instance unready, with the cause. */
function storeHealth({ store, changes, cache }: HealthParts['store']): HealthCheck {
  return () => {
    const fault = store.faults.current();
    const faultDetails = fault && { error: fault.message, operation: fault.operation, since: new Date(fault.since).toISOString(), failures: fault.count };
    return { ready: !fault, backend: store.backend, changeFeed: changes.connected, ...cache.size, ...faultDetails };
  };
}

function deliveryHealth({ dispatcher, outbox }: NonNullable<HealthParts['delivery']>): HealthCheck {
  return async () => {
    const backlog = await outbox.backlog(Date.now());
    return { ready: dispatcher.running, inFlight: dispatcher.inFlight, ...backlog };
  };
}

function ingestHealth({ status, pushes }: NonNullable<HealthParts['ingest']>): HealthCheck {
  return () => ({ ...status(), livePushes: pushes.size });
}

/** Missing ffmpeg is reported, not fatal: callbacks for pushes still work without it. */
function captureHealth({ capture, moderator }: NonNullable<HealthParts['capture']>): HealthCheck {
  return () => {
    const available = capture ? 'available' : 'unavailable: ffmpeg not found';
    return { ready: true, screenshots: available, recording: available, streams: capture?.active ?? 0, moderation: moderator.stats() };
  };
}
