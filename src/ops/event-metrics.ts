/** Event metrics, fed by the event sink after each batch it stored. */
import type { NewEvent } from '../delivery/outbox.js';
import type { Metrics } from './metrics.js';

export function observeStoredEvents(metrics: Metrics, rows: readonly NewEvent[]): void {
  for (const row of rows) metrics.eventsEmitted.inc({ event_type: row.eventType, status: row.status });
}
