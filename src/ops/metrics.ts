/** Prometheus metrics: one registry per livehook instance so tests can run several in a process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly apiRequests: Counter<'action' | 'code'>;
  readonly apiLatency: Histogram<'action'>;
  readonly eventsEmitted: Counter<'event_type' | 'status'>;
  readonly deliveryAttempts: Counter<'outcome' | 'kind'>;
  readonly deliveryLatency: Histogram<'outcome'>;
  readonly storageErrors: Counter<'operation'>;
  readonly storageFault: Gauge;
  readonly eventStoreFailures: Counter;
  readonly eventsRefused: Counter;
  readonly remotePushAuth: Counter<'result'>;
  readonly ingestRestarts: Counter;
}

const MODERATION_OUTCOMES = ['classified', 'dropped', 'failed', 'pending'] as const;
/** Frame counts of porn detection (the classifier's stats; other fields are not exported). */
export type ModerationCounts = Readonly<Record<(typeof MODERATION_OUTCOMES)[number], number>>;

export interface MetricSources {
  /** Read at each scrape, so /metrics is current without anyone polling /healthz; null while the classifier has not started. */
  readonly moderation?: () => ModerationCounts | null;
  /** Events held in memory while the store refuses writes. */
  readonly unstoredEvents?: () => number;
  /** Deliveries waiting, and the age of the oldest (one query at each scrape). */
  readonly deliveryBacklog?: () => Promise<{ queued: number; oldestAgeMs: number }>;
}

export function createMetrics(sources: MetricSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'livehook_' });
  const metrics: Metrics = {
    registry,
    apiRequests: new Counter({
      name: 'livehook_api_requests_total',
      help: 'API 3.0 requests by action and result code (Success or the Tencent error code)',
      labelNames: ['action', 'code'],
      registers: [registry],
    }),
    apiLatency: new Histogram({
      name: 'livehook_api_request_duration_seconds',
      help: 'API 3.0 request latency',
      labelNames: ['action'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    eventsEmitted: new Counter({
      name: 'livehook_events_emitted_total',
      help: 'Events stored, by event_type and initial status (pending, no_callback, no_url)',
      labelNames: ['event_type', 'status'],
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'livehook_delivery_attempts_total',
      help: 'Callback attempts by outcome (delivered, retry, failed) and failure kind',
      labelNames: ['outcome', 'kind'],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'livehook_delivery_attempt_duration_seconds',
      help: 'Time from sending a callback to the receiver’s answer',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 20],
      registers: [registry],
    }),
    storageErrors: new Counter({
      name: 'livehook_storage_errors_total',
      help: 'Storage failures (disk full, I/O error, database unreachable) by operation (connect, read, write, commit, or the caller’s)',
      labelNames: ['operation'],
      registers: [registry],
    }),
    storageFault: new Gauge({
      name: 'livehook_storage_fault',
      help: '1 while a storage fault is current (/healthz answers 503), else 0',
      registers: [registry],
    }),
    eventStoreFailures: new Counter({
      name: 'livehook_event_store_failures_total',
      help: 'Failed attempts to write a batch of events to the store (each is retried)',
      registers: [registry],
    }),
    eventsRefused: new Counter({
      name: 'livehook_events_refused_total',
      help: 'Events refused because the store refused writes and --max-unstored-events were already held',
      registers: [registry],
    }),
    remotePushAuth: new Counter({
      name: 'livehook_remote_push_auth_total',
      help: 'Remote push authentication calls by result: allowed, denied, failed-allowed, failed-denied',
      labelNames: ['result'],
      registers: [registry],
    }),
    ingestRestarts: new Counter({
      name: 'livehook_ingest_restarts_total',
      help: 'Embedded RTMP ingest worker threads started again after one died (its pushes were ended, errcode 11)',
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'livehook_events_unstored',
    help: 'Events held in memory, waiting for the store to accept writes again',
    registers: [registry],
    collect() {
      if (sources.unstoredEvents) this.set(sources.unstoredEvents());
    },
  });
  // The gauges below are filled at each scrape from their sources; nothing sets them directly.
  new Gauge({
    name: 'livehook_delivery_backlog',
    help: 'Deliveries waiting (measure=queued) and the age of the oldest in seconds (measure=oldest_age_seconds)',
    labelNames: ['measure'],
    registers: [registry],
    async collect() {
      if (!sources.deliveryBacklog) return;
      const backlog = await sources.deliveryBacklog();
      this.set({ measure: 'queued' }, backlog.queued);
      this.set({ measure: 'oldest_age_seconds' }, backlog.oldestAgeMs / 1000);
    },
  });
  new Gauge({
    name: 'livehook_moderation_frames',
    help: 'Porn detection: frames classified, dropped (classifier behind) and failed since start; pending now',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const counts = sources.moderation?.();
      if (!counts) return;
      for (const outcome of MODERATION_OUTCOMES) this.set({ outcome }, counts[outcome]);
    },
  });
  return metrics;
}
