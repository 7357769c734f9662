import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxAttempts, nextDelay, type NextDelayInput } from '../../src/delivery/retry.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const PUSH_START = 1;
const SCREENSHOT = 200;
const HTTP_500: NextDelayInput['failure'] = { kind: 'status', status: 500 };
const HTTP_429: NextDelayInput['failure'] = { kind: 'status', status: 429 };
const TIMEOUT: NextDelayInput['failure'] = { kind: 'timeout' };

/** Jitter factor 1 + 0.2 × (2r − 1): r = 0.5 → ×1.0, r = 0 → ×0.8, r → 1 → ×1.2. */
const NO_JITTER = (): number => 0.5;
const MIN_JITTER = (): number => 0;
const MAX_JITTER = (): number => 1;

test('tencent: 12 retries one minute apart, then dead letter', () => {
  const table: [attempt: number, delay: number | null][] = [
    [1, 1 * MINUTE],
    [2, 1 * MINUTE],
    [3, 1 * MINUTE],
    [4, 1 * MINUTE],
    [5, 1 * MINUTE],
    [6, 1 * MINUTE],
    [7, 1 * MINUTE],
    [8, 1 * MINUTE],
    [9, 1 * MINUTE],
    [10, 1 * MINUTE],
    [11, 1 * MINUTE],
    [12, 1 * MINUTE],
    [13, null], // the 12th retry failed
  ];
  for (const [attempt, delay] of table) {
    assert.equal(nextDelay({ schedule: 'tencent', eventType: PUSH_START, attempt, failure: HTTP_500 }), delay, `attempt ${attempt}`);
  }
  assert.equal(maxAttempts('tencent', PUSH_START), 13);
});

test('tencent: screenshots get 5 retries two minutes apart', () => {
  const table: [attempt: number, delay: number | null][] = [
    [1, 2 * MINUTE],
    [2, 2 * MINUTE],
    [3, 2 * MINUTE],
    [4, 2 * MINUTE],
    [5, 2 * MINUTE],
    [6, null],
  ];
  for (const [attempt, delay] of table) {
    assert.equal(nextDelay({ schedule: 'tencent', eventType: SCREENSHOT, attempt, failure: HTTP_500 }), delay, `attempt ${attempt}`);
  }
  assert.equal(maxAttempts('tencent', SCREENSHOT), 6);
});

test('tencent: every failure kind follows the schedule; the step is already the overload floor', () => {
  for (const failure of [TIMEOUT, HTTP_429, { kind: 'connect' }, { kind: 'dns' }, { kind: 'blocked-address' }] as const) {
    assert.equal(nextDelay({ schedule: 'tencent', eventType: PUSH_START, attempt: 3, failure }), MINUTE);
  }
});

test('extended: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead letter (jitter fixed at zero)', () => {
  const table: [attempt: number, delay: number | null][] = [
    [1, 5 * SECOND],
    [2, 5 * MINUTE],
    [3, 30 * MINUTE],
    [4, 2 * HOUR],
    [5, 5 * HOUR],
    [6, 10 * HOUR],
    [7, 10 * HOUR],
    [8, null],
  ];
  for (const eventType of [PUSH_START, SCREENSHOT]) {
    for (const [attempt, delay] of table) {
      const input = { schedule: 'extended', eventType, attempt, failure: HTTP_500, random: NO_JITTER } as const;
      assert.equal(nextDelay(input), delay, `event ${eventType}, attempt ${attempt}`);
    }
    assert.equal(maxAttempts('extended', eventType), 8);
  }
});

test('extended: jitter stays within ±20 %', () => {
  const base = { schedule: 'extended', eventType: PUSH_START, attempt: 3, failure: HTTP_500 } as const;
  assert.equal(nextDelay({ ...base, random: MIN_JITTER }), 24 * MINUTE);
  assert.equal(nextDelay({ ...base, random: MAX_JITTER }), 36 * MINUTE);
  assert.equal(nextDelay({ ...base, random: () => 0.75 }), 33 * MINUTE);
  for (let i = 0; i < 1000; i++) {
    const delay = nextDelay(base) ?? 0;
    assert.ok(delay >= 24 * MINUTE && delay <= 36 * MINUTE, `${delay}`);
  }
});

test('extended: a timeout or a 429 waits at least a minute; other failures do not', () => {
  const table: [failure: NextDelayInput['failure'], attempt: number, random: () => number, delay: number][] = [
    [TIMEOUT, 1, MAX_JITTER, 1 * MINUTE], // 5 s step raised to the floor
    [HTTP_429, 1, NO_JITTER, 1 * MINUTE],
    [HTTP_429, 2, MIN_JITTER, 4 * MINUTE], // 5 min step: already above the floor, jitter applies
    [HTTP_500, 1, NO_JITTER, 5 * SECOND],
    [{ kind: 'status', status: 503 }, 1, MIN_JITTER, 4 * SECOND],
    [{ kind: 'connect' }, 1, MAX_JITTER, 6 * SECOND],
  ];
  for (const [failure, attempt, random, delay] of table) {
    const input = { schedule: 'extended', eventType: PUSH_START, attempt, failure, random } as const;
    assert.equal(nextDelay(input), delay, `${JSON.stringify(failure)} attempt ${attempt}`);
  }
});

test('Retry-After is honoured within [step, 2 × step], without jitter', () => {
  const table: [input: Omit<NextDelayInput, 'failure' | 'eventType'>, delay: number][] = [
    // extended, attempt 3 (30 min step): asking for less cannot speed retries up.
    [{ schedule: 'extended', attempt: 3, retryAfterSeconds: 900, random: MIN_JITTER }, 30 * MINUTE],
    [{ schedule: 'extended', attempt: 3, retryAfterSeconds: 2700, random: MIN_JITTER }, 45 * MINUTE],
    [{ schedule: 'extended', attempt: 3, retryAfterSeconds: 86_400, random: MAX_JITTER }, 60 * MINUTE],
    // extended, attempt 1: the 429 floor (60 s) is the step, so the bounds are [60 s, 120 s].
    [{ schedule: 'extended', attempt: 1, retryAfterSeconds: 0 }, 60 * SECOND],
    [{ schedule: 'extended', attempt: 1, retryAfterSeconds: 90 }, 90 * SECOND],
    [{ schedule: 'extended', attempt: 1, retryAfterSeconds: 3600 }, 120 * SECOND],
    // tencent (60 s step).
    [{ schedule: 'tencent', attempt: 1, retryAfterSeconds: 7 }, 60 * SECOND],
    [{ schedule: 'tencent', attempt: 5, retryAfterSeconds: 100 }, 100 * SECOND],
    [{ schedule: 'tencent', attempt: 12, retryAfterSeconds: 600 }, 120 * SECOND],
  ];
  for (const [input, delay] of table) {
    assert.equal(nextDelay({ ...input, eventType: PUSH_START, failure: HTTP_429 }), delay, JSON.stringify(input));
  }
});

test('Retry-After does not extend a delivery past its last attempt', () => {
  assert.equal(
    nextDelay({ schedule: 'tencent', eventType: PUSH_START, attempt: 13, failure: HTTP_429, retryAfterSeconds: 30 }),
    null,
  );
  assert.equal(
    nextDelay({ schedule: 'extended', eventType: PUSH_START, attempt: 8, failure: HTTP_429, retryAfterSeconds: 30 }),
    null,
  );
});

test('an attempt number below 1 is a programming error', () => {
  assert.throws(() => nextDelay({ schedule: 'tencent', eventType: PUSH_START, attempt: 0, failure: HTTP_500 }), RangeError);
});
