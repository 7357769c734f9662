/** Session expiry and login throttling, on a fake clock (no browser needed). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../src/console/login-throttle.js';
import { SessionStore } from '../../src/console/sessions.js';

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

describe('console sessions', () => {
  test('a session ends after the idle timeout; each request restarts the idle clock', () => {
    const c = clock();
    const sessions = new SessionStore({ idleMs: 1000, maxAgeMs: 10_000, now: c.now });
    const s = sessions.create({ username: 'admin', appId: 1 });
    assert.notEqual(s.id, s.csrfToken);
    c.advance(900);
    assert.equal(sessions.touch(s.id)?.username, 'admin');
    c.advance(900);
    assert.ok(sessions.touch(s.id), 'still alive: touched 900 ms ago');
    c.advance(1001);
    assert.equal(sessions.touch(s.id), undefined, 'idle for longer than idleMs');
    assert.equal(sessions.size, 0);
  });

  test('a session ends at its maximum age even when used', () => {
    const c = clock();
    const sessions = new SessionStore({ idleMs: 1000, maxAgeMs: 3000, now: c.now });
    const s = sessions.create({ username: 'admin', appId: 1 });
    for (let i = 0; i < 3; i++) {
      c.advance(900);
      assert.ok(sessions.touch(s.id));
    }
    c.advance(400);
    assert.equal(sessions.touch(s.id), undefined);
  });

  test('unknown ids and deleted sessions are not sessions; expired ones are swept on sign-in', () => {
    const c = clock();
    const sessions = new SessionStore({ idleMs: 1000, now: c.now });
    assert.equal(sessions.touch(undefined), undefined);
    assert.equal(sessions.touch('nope'), undefined);
    const a = sessions.create({ username: 'admin', appId: 1 });
    sessions.delete(a.id);
    assert.equal(sessions.touch(a.id), undefined);
    sessions.create({ username: 'admin', appId: 1 });
    c.advance(2000);
    sessions.create({ username: 'admin', appId: 1 });
    assert.equal(sessions.size, 1);
  });
});

describe('login throttle', () => {
  test('after maxFailures within the window, attempts wait until the window has passed', () => {
    const c = clock();
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: c.now });
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.retryAfterMs('ip|admin'), 0);
      throttle.failed('ip|admin');
    }
    assert.equal(throttle.retryAfterMs('ip|admin'), 60_000);
    assert.equal(throttle.retryAfterMs('other-ip|admin'), 0, 'another address is not locked out');
    c.advance(59_000);
    assert.equal(throttle.retryAfterMs('ip|admin'), 1000);
    c.advance(1000);
    assert.equal(throttle.retryAfterMs('ip|admin'), 0);
  });

  test('a successful sign-in clears the failures', () => {
    const throttle = new LoginThrottle({ maxFailures: 2 });
    throttle.failed('k');
    throttle.succeeded('k');
    throttle.failed('k');
    assert.equal(throttle.retryAfterMs('k'), 0);
  });
});

