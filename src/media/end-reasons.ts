/**
 * Why a push ended, as Tencent's `errcode`/`errmsg` of event 0 (docs/tencent-compat.md, "Push
 * started (1) and ended (0)": 1–4 the push client stopped, 5/9/11 internal, 8 no data for a long
 * time, 10 the node received an interrupt command, 12–17 client network errors).
 */
export interface PushEnd {
  readonly errcode: number;
  readonly errmsg: string;
}

export const EndReason = {
  clientStopped: { errcode: 1, errmsg: 'push client stopped the stream' },
  network: { errcode: 12, errmsg: 'push client connection lost' },
  idle: { errcode: 8, errmsg: 'no data received from the push client for a long time' },
  dropped: { errcode: 10, errmsg: 'stream dropped by DropLiveStream' },
  forbidden: { errcode: 10, errmsg: 'stream forbidden by ForbidLiveStream' },
  domainForbidden: { errcode: 10, errmsg: 'push domain forbidden' },
  domainRemoved: { errcode: 10, errmsg: 'push domain deleted' },
  shutdown: { errcode: 5, errmsg: 'ingest node shutting down' },
  /** The media server reported the end itself (adapters). */
  sourceEnded: { errcode: 1, errmsg: 'push client stopped the stream' },
  /** The same publisher reconnected before its old connection timed out (docs/live-state.md). */
  replaced: { errcode: 12, errmsg: 'push client reconnected; its previous connection was replaced' },
  /** The instance that held the push died; another one ended it (docs/live-state.md). */
  instanceLost: { errcode: 9, errmsg: 'ingest node lost; push ended by recovery' },
  /** The embedded ingest's worker thread died; the process ended its pushes and restarted it (docs/rtmp-ingest.md). */
  ingestCrashed: { errcode: 11, errmsg: 'ingest worker crashed; push ended' },
} as const satisfies Record<string, PushEnd>;
