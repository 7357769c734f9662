/**
 * Composition root: builds the parts and wires them together, nothing else.
 * store → config cache → API; events → outbox → dispatcher → callback HTTP client; ops routes.
 * The roles (README, "Roles") decide which parts run: --no-ingest leaves out the RTMP ingest, the
 * media-server hooks and capture; --no-delivery leaves the dispatcher and retention sweeps idle.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { bootstrap, type BootstrapResult } from './accounts/bootstrap.js';
import { registerApiRoute } from './api/route.js';
import { ConfigCache } from './bindings/config-cache.js';
import { CaptureManager } from './capture/capture-manager.js';
import { ffmpegAvailable } from './capture/ffmpeg.js';
import { ffprobe } from './capture/ffprobe.js';
import { FileRetention } from './capture/file-retention.js';
import { keepFlaggedScreenshots } from './capture/flagged-screenshots.js';
import { registerFilesRoute } from './capture/files-route.js';
import { loadFirstStartSettings, refuseUnservedRoles, type Config } from './config.js';
import { registerConsole } from './console/routes.js';
import { sendWith } from './delivery/callback-sender.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { createCallbackHttpClient } from './delivery/http-client.js';
import { openOutbox } from './delivery/open-outbox.js';
import { startSenderThread } from './delivery/sender-thread.js';
import { RetentionSweeper } from './delivery/retention.js';
import { EventSink } from './events/emit.js';
import { EndReason } from './media/end-reasons.js';
import { InstanceLease } from './media/instance-lease.js';
import { registerHookRoutes } from './media/adapters/hooks.js';
import { PushSessions } from './media/push-sessions.js';
import { askRemoteAuth } from './media/remote-push-auth.js';
import { IngestSupervisor } from './media/ingest-supervisor.js';
import { Moderator } from './moderation/moderator.js';
import { Health } from './ops/health.js';
import { registerHealthChecks } from './ops/health-checks.js';
import { createLogger } from './ops/log.js';
import { ListenError } from './ops/listen-error.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { observeDeliveries } from './ops/delivery-metrics.js';
import { observeStoredEvents } from './ops/event-metrics.js';
import { registerOpsRoutes } from './ops/routes.js';
import { reportStorageFaults } from './ops/storage-fault-reporting.js';
import { watchChanges } from './store/change-feed.js';
import { openStore, type Store } from './store/database.js';
import { endedSessionOf } from './store/push-commands.js';
import { deleteModerationResultsBefore } from './store/moderation-results.js';

/** Leases outlive the HTTP timeout by this much, so a slow but live attempt never loses its claim. */
const LEASE_MARGIN_MS = 30_000;
const DAY_MS = 24 * 3600 * 1000;

export interface Livehook {
  readonly config: Config;
  readonly store: Store;
  readonly cache: ConfigCache;
  readonly events: EventSink;
  readonly dispatcher: Dispatcher;
  readonly retention: RetentionSweeper;
  readonly pushes: PushSessions;
  /** Port the embedded RTMP ingest listens on; undefined with --no-ingest. */
  readonly rtmpPort: number | undefined;
  /** The embedded RTMP ingest's worker thread and its restarts; undefined with --no-ingest. */
  readonly ingest: IngestSupervisor | undefined;
  readonly http: FastifyInstance;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:8080. */
  readonly httpUrl: string;
  /** Base URL of file links in callbacks (--public-url, else httpUrl). */
  readonly publicUrl: string;
  readonly bootstrap: BootstrapResult;
  /** Stop taking work, finish what is in flight (bounded), release everything. */
  close(): Promise<void>;
}

export async function startLivehook(
  config: Config,
  /**
   * `env`: where the first-start settings (FIRST_START_ENV in config.ts) are read; default none.
   * `ingestHangTimeoutMs`: the ingest worker's watchdog (IngestSupervisorOptions.hangTimeoutMs); tests shorten it.
   */
  options: { env?: NodeJS.ProcessEnv; log?: Logger; ingestHangTimeoutMs?: number } = {},
): Promise<Livehook> {
  refuseUnservedRoles(config);
  const log = options.log ?? createLogger(config.logLevel);
  // livehook's own logger writes to stdout, and so can the ingest's worker thread.
  const logToStdout = options.log === undefined;
  // Without --public-url, links use the server's own address, known only once it listens: what
  // builds links reads `publicUrl` through the getters below, when it needs it.
  let publicUrl = config.publicUrl ?? '';
  const firstStart = loadFirstStartSettings(options.env ?? {});
  const store = await openStore(config.databaseUrl, { backgroundCheckpoints: true });
  const boot = await store.exclusive(() => bootstrap(store.db, firstStart, config.hookToken));
  const cache = new ConfigCache(store.db);
  await cache.invalidate();
  const moderator = new Moderator({
    modelCacheDir: path.join(config.dataDir, 'models'),
    thresholds: config.moderationThresholds,
    sendAll: config.moderationSendAll,
    workers: config.moderationWorkers,
    log: log.child({ part: 'moderation' }),
  });
  const metrics = createMetrics({
    moderation: () => moderator.stats(),
    unstoredEvents: () => events.unstored,
    deliveryBacklog: () => outbox.backlog(Date.now()),
  });
  const health = new Health();

  const outbox = await openOutbox(store);
  const httpOptions = {
    allowPrivate: config.allowPrivateCallbacks,
    allowCidrs: config.allowCallbackCidrs,
    timeoutMs: config.callbackTimeoutMs,
  };
  // One client for remote push authentication, SendTestCallback and deliveries, unless deliveries have their own thread.
  const callbackHttp = createCallbackHttpClient(httpOptions);
  const sender = config.callbackSenderThread
    ? startSenderThread({ ...httpOptions, perHostConcurrency: config.callbackConcurrencyPerHost }, log.child({ part: 'delivery' }))
    : sendWith(callbackHttp);
  const dispatcher = new Dispatcher({
    outbox,
    sender,
    log: log.child({ part: 'delivery' }),
    schedule: config.retrySchedule,
    retryDelayScale: config.retryDelayScale,
    leaseMs: config.callbackTimeoutMs + LEASE_MARGIN_MS,
    perHostConcurrency: config.callbackConcurrencyPerHost,
    onRecorded: (outcomes) => observeDeliveries(metrics, outcomes),
  });
  const events = new EventSink({
    outbox,
    config: cache,
    log: log.child({ part: 'events' }),
    onEnqueued: (urls) => dispatcher.enqueued(urls),
    onStored: (rows) => observeStoredEvents(metrics, rows),
    onStorageError: () => metrics.eventStoreFailures.inc(),
    onDropped: () => metrics.eventsRefused.inc(),
    maxUnstored: config.maxUnstoredEvents,
  });
  const instanceId = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const pushes = new PushSessions({
    config: cache,
    events,
    store,
    instanceId,
    log: log.child({ part: 'media' }),
    askRemoteAuth: async (settings, request) => {
      const decision = await askRemoteAuth(callbackHttp, settings, request);
      metrics.remotePushAuth.inc({ result: decision.result });
      return decision;
    },
  });
  const changes = await watchChanges(
    store,
    {
      config: () => cache.invalidate(),
      delivery: () => dispatcher.wake(),
      push: (payload) => {
        const sessionId = endedSessionOf(payload);
        if (sessionId !== undefined) pushes.endedElsewhere(sessionId);
      },
    },
    log.child({ part: 'changes' }),
  );
  const lease = new InstanceLease({ store, pushes, leaseMs: config.instanceLeaseMs, log: log.child({ part: 'instances' }) });
  await lease.start();
  cache.onChange(() => pushes.revalidate());
  const ingest = config.ingest
    ? new IngestSupervisor({
        host: config.host,
        port: config.rtmpPort,
        sessions: pushes,
        log: log.child({ part: 'rtmp' }),
        logToStdout,
        onRestart: () => metrics.ingestRestarts.inc(),
        hangTimeoutMs: options.ingestHangTimeoutMs,
        limits: {
          maxConnections: config.rtmpMaxConnections,
          maxConnectionsPerIp: config.rtmpMaxConnectionsPerIp,
          handshakeTimeoutMs: config.rtmpHandshakeTimeoutMs,
          setupTimeoutMs: config.rtmpSetupTimeoutMs,
          idleTimeoutMs: config.rtmpIdleTimeoutMs,
        },
      })
    : undefined;
  const filesDir = path.join(config.dataDir, 'files');
  // Capture reads pushes from the embedded ingest: without it there is nothing to capture.
  const ffmpeg = ingest !== undefined && ffmpegAvailable(config.ffmpegPath);
  if (ingest && !ffmpeg) log.warn({ ffmpegPath: config.ffmpegPath }, 'ffmpeg not found (--ffmpeg-path): screenshots, porn detection and recording are unavailable until it is installed (templates and rules are still stored)');
  const captureLog = log.child({ part: 'capture' });
  const capture = ffmpeg
    ? new CaptureManager({
        ffmpegPath: config.ffmpegPath,
        pushes,
        rtmpPort: () => rtmpPort!,
        filesDir,
        get publicUrl() {
          return publicUrl;
        },
        events,
        log: captureLog,
        snapshotSpecFor: ({ context: c }) => cache.snapshotTemplateFor(c.domain, c.appName, c.stream),
        recordSpecFor: ({ context: c }) => cache.recordTemplateFor(c.domain, c.appName, c.stream),
        callbackTemplateFor: ({ context: c }) => cache.callbackTemplate(c.domain, c.appName),
        moderation: moderator,
        onFlagged: keepFlaggedScreenshots(store.db, captureLog),
      })
    : undefined;
  const fileRetention = new FileRetention(filesDir, config.fileRetentionDays * DAY_MS, captureLog, (before) =>
    deleteModerationResultsBefore(store.db, before),
  );
  const retention = new RetentionSweeper(outbox, config.eventRetentionDays * DAY_MS, log.child({ part: 'retention' }), {
    db: store.db,
    retentionMs: config.streamHistoryDays * DAY_MS,
  });

  const http: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Request lines are written by the API route itself (one line per action, with its result code).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
  });
  const api = {
    db: store.db,
    config: cache,
    log,
    metrics,
    delivery: { outbox, http: callbackHttp, wake: () => dispatcher.wake() },
    pushes,
    // Media figures of embedded pushes (DescribeLiveStreamPushInfoList), as the ingest reports them.
    meters: ingest,
    changeStamp: store.changeStamp,
    arrivalStamp: store.arrivalStamp,
    get publicUrl() {
      return publicUrl;
    },
  };
  await registerApiRoute(http, api, { refuseTc3Replays: config.apiReplayGuard });
  await registerConsole(http, api);
  if (config.ingest) await registerHookRoutes(http, { pushes, events, hookToken: boot.hookToken, probe: ffprobe(config.ffprobePath), log: log.child({ part: 'hooks' }) });
  await registerFilesRoute(http, filesDir);
  registerOpsRoutes(http, health, metrics);
  reportStorageFaults(store.faults, metrics, log.child({ part: 'store' }));
  registerHealthChecks(health, {
    store: { store, changes, cache },
    delivery: config.delivery ? { dispatcher, outbox } : undefined,
    ingest: ingest && { status: () => ingest.status(), pushes },
    capture: ingest && { capture, moderator },
  });

  if (config.delivery) {
    dispatcher.start();
    retention.start();
  }
  fileRetention.start();
  const rtmpPort = await ingest?.start();
  const address = await http.listen({ host: config.host, port: config.httpPort }).catch((error: unknown) => {
    throw new ListenError('the HTTP server', config.host, config.httpPort, '--host, --http-port', error);
  });
  const { port } = http.server.address() as { port: number };
  const httpUrl = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
  publicUrl = config.publicUrl ?? httpUrl;
  log.info({ address, rtmpPort, migrations: store.migrations, dataDir: config.dataDir }, 'livehook started');

  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    cache,
    events,
    dispatcher,
    retention,
    pushes,
    rtmpPort,
    ingest,
    http,
    metrics,
    log,
    httpUrl,
    publicUrl,
    bootstrap: boot,
    close: () =>
      (closing ??= (async () => {
        await http.close();
        await ingest?.stop();
        pushes.endAll(EndReason.shutdown);
        await capture?.close();
        await moderator.close();
        fileRetention.stop();
        await retention.stop();
        await events.drain();
        await lease.stop();
        await dispatcher.stop(config.shutdownTimeoutMs / 2);
        await sender.close();
        await callbackHttp.close();
        await changes.close();
        await store.close();
      })()),
  };
}
