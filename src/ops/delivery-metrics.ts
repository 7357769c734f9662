/** Delivery metrics, fed by the dispatcher after each recorded batch of attempts. */
import type { AttemptOutcome } from '../delivery/outbox.js';
import type { Metrics } from './metrics.js';

export function observeDeliveries(metrics: Metrics, outcomes: readonly AttemptOutcome[]): void {
  for (const o of outcomes) {
    const kind = o.result.ok ? 'ok' : o.result.kind;
    metrics.deliveryAttempts.inc({ outcome: o.verdict.kind, kind });
    metrics.deliveryLatency.observe({ outcome: o.verdict.kind }, o.result.latencyMs / 1000);
  }
}
