/**
 * When to try a failed callback again, as a pure function of the attempt and its failure (docs/delivery.md).
 *
 * Delays count from the failure of the previous attempt. Two schedules:
 * - `tencent` copies Tencent Cloud CSS: a fixed step per event type (its descriptor in
 *   events/registry.ts), so receivers see the timing they expect;
 * - `extended` is the Standard Webhooks / Svix curve, spread over about 27 h, with jitter so
 *   deliveries that failed together (a receiver outage) do not all come back together.
 * Every failure kind is retried, as Tencent does; after the last retry the caller dead-letters.
 */
import { retryPolicy } from '../events/registry.js';
import type { CallbackFailure } from './http-client.js';

export type RetrySchedule = 'tencent' | 'extended';

/** `extended`: the wait before each retry, in order (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
export const EXTENDED_STEPS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** `extended`: each step is scaled by a uniform factor in [1 - JITTER, 1 + JITTER] (Svix: ±20 %). */
export const EXTENDED_JITTER = 0.2;

/**
 * `extended`: a receiver that timed out or answered 429 is overloaded; wait at least this long
 * (Svix) so that early short steps do not hammer it. `tencent` keeps its own step as the floor.
 */
export const EXTENDED_OVERLOAD_FLOOR_MS = 60_000;

/**
 * `Retry-After` is honoured only inside [step, RETRY_AFTER_MAX_FACTOR × step], where step is the
 * scheduled wait after any floor (Svix). It can slow retries down but never speed them up, and a
 * receiver cannot park a delivery for days with a huge value.
 */
export const RETRY_AFTER_MAX_FACTOR = 2;

export interface NextDelayInput {
  schedule: RetrySchedule;
  /** Tencent `event_type` of the event being delivered. */
  eventType: number;
  /** 1-based number of the attempt that just failed (the first send is attempt 1). */
  attempt: number;
  failure: Pick<CallbackFailure, 'kind' | 'status'>;
  retryAfterSeconds?: number | undefined;
  /** Uniform in [0, 1), like Math.random (the default); fixed in tests. */
  random?: () => number;
}

/** Total attempts allowed: the first send plus every retry. */
export function maxAttempts(schedule: RetrySchedule, eventType: number): number {
  const retries = schedule === 'tencent' ? retryPolicy(eventType).retries : EXTENDED_STEPS_MS.length;
  return 1 + retries;
}

function isOverload(failure: NextDelayInput['failure']): boolean {
  return failure.kind === 'timeout' || (failure.kind === 'status' && failure.status === 429);
}

/** The scheduled wait, and the step that bounds `Retry-After` (the wait before jitter). */
interface PlannedDelay {
  stepMs: number;
  scheduledMs: number;
}

function tencentDelay(eventType: number): PlannedDelay {
  const { stepMs } = retryPolicy(eventType);
  return { stepMs, scheduledMs: stepMs };
}

function extendedDelay(attempt: number, failure: NextDelayInput['failure'], random: () => number): PlannedDelay {
  const baseMs = EXTENDED_STEPS_MS[attempt - 1] ?? 0;
  const floorMs = isOverload(failure) ? EXTENDED_OVERLOAD_FLOOR_MS : 0;
  const jitter = 1 + EXTENDED_JITTER * (2 * random() - 1);
  return { stepMs: Math.max(baseMs, floorMs), scheduledMs: Math.max(floorMs, Math.round(baseMs * jitter)) };
}

/** Milliseconds to wait before the next attempt, or null when retries are exhausted (dead letter). */
export function nextDelay(input: NextDelayInput): number | null {
  const { schedule, eventType, attempt, failure, retryAfterSeconds, random = Math.random } = input;
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be 1 or more, got ${attempt}`);
  if (attempt >= maxAttempts(schedule, eventType)) return null;

  const { stepMs, scheduledMs } =
    schedule === 'tencent' ? tencentDelay(eventType) : extendedDelay(attempt, failure, random);

  if (retryAfterSeconds === undefined || !Number.isFinite(retryAfterSeconds)) return scheduledMs;
  // The receiver named a time: use it as given (no jitter), within the bounds above.
  const askedMs = Math.max(0, retryAfterSeconds) * 1000;
  return Math.min(Math.max(askedMs, stepMs), RETRY_AFTER_MAX_FACTOR * stepMs);
}
