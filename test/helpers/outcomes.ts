/** Attempt outcomes for tests that drive an outbox directly. */
import type { AttemptOutcome, ClaimedDelivery } from '../../src/delivery/outbox.js';

/** A first attempt answered 200. */
export const delivered = (delivery: ClaimedDelivery): AttemptOutcome => ({
  delivery,
  startedAt: Date.now(),
  result: { ok: true, status: 200, latencyMs: 1, responseExcerpt: '' },
  verdict: { kind: 'delivered' },
});
