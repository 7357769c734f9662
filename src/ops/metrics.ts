/** Prometheus metrics: one registry per livehook instance so tests can run several in a process. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly apiRequests: Counter<'action' | 'code'>;
  readonly apiLatency: Histogram<'action'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'livehook_' });
  return {
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
  };
}
