/**
 * Console sign-in behind a reverse proxy (`--trust-proxy`): the throttle keys on the real client,
 * taken from X-Forwarded-For only when the request comes from a trusted proxy. Five wrong
 * passwords from one client lock out that client only; the admin still signs in from another.
 * Without --trust-proxy the header is ignored (every request is the proxy's). Plain HTTP to the
 * login route; the test itself plays the proxy on 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { ADMIN_PASSWORD } from './browser.js';

const CLIENT_A = '203.0.113.10';
const CLIENT_B = '198.51.100.20';

/** POST /console/api/login as `admin`, forwarded for `forwardedFor` when given. */
async function login(livehook: TestLivehook, password: string, forwardedFor?: string): Promise<number> {
  const res = await fetch(`${livehook.httpUrl}/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
    body: JSON.stringify({ username: 'admin', password }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function failFiveTimes(livehook: TestLivehook, forwardedFor: string): Promise<void> {
  for (let i = 0; i < 5; i++) assert.equal(await login(livehook, 'wrong-guess', forwardedFor), 401, `wrong password ${i + 1}`);
}

describe('console sign-in behind a proxy (--trust-proxy)', () => {
  describe('with --trust-proxy 127.0.0.1', () => {
    let livehook: TestLivehook;
    before(async () => {
      livehook = await startTestLivehook({ flags: { trustProxy: '127.0.0.1' } });
    });
    after(() => livehook?.stop());

    test('five wrong passwords forwarded for A lock out A only; B still signs in as the same user', async () => {
      await failFiveTimes(livehook, CLIENT_A);
      assert.equal(await login(livehook, ADMIN_PASSWORD, CLIENT_A), 429, 'A is locked out, even with the right password');
      // A client cannot step out of its lock by adding its own X-Forwarded-For entry: the proxy
      // appends the address it saw, and only entries added by trusted proxies are believed.
      assert.equal(await login(livehook, ADMIN_PASSWORD, `${CLIENT_B}, ${CLIENT_A}`), 429, 'A claiming to be B is still A');
      assert.equal(await login(livehook, ADMIN_PASSWORD, CLIENT_B), 200, 'B signs in');
      assert.equal(await login(livehook, ADMIN_PASSWORD), 200, 'the proxy itself (no header) is not locked out either');
    });
  });

  describe('without --trust-proxy', () => {
    let livehook: TestLivehook;
    before(async () => {
      livehook = await startTestLivehook();
    });
    after(() => livehook?.stop());

    test('X-Forwarded-For is ignored: every request is the peer address', async () => {
      await failFiveTimes(livehook, CLIENT_A);
      assert.equal(await login(livehook, ADMIN_PASSWORD, CLIENT_B), 429, 'B is the same peer (127.0.0.1) as A');
      assert.equal(await login(livehook, ADMIN_PASSWORD), 429);
    });
  });

  test('--trust-proxy takes addresses and CIDRs (IPv4 and IPv6) and refuses anything else in one line', () => {
    assert.deepEqual(loadConfig({ trustProxy: ' 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8' }, {}).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.deepEqual(loadConfig({}, {}).trustProxy, [], 'default: trust no proxy');
    assert.deepEqual(loadConfig({}, { LIVEHOOK_TRUST_PROXY: '192.168.0.0/16' }).trustProxy, ['192.168.0.0/16']);
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '0.0.0.0/0', '::/0', '127.0.0.1/', 'loopback']) {
      assert.throws(() => loadConfig({ trustProxy: bad }, {}), (e: unknown) => e instanceof ConfigError && /^invalid --trust-proxy \(LIVEHOOK_TRUST_PROXY\): /.test(e.message) && !e.message.includes('\n'), bad);
    }
  });
});
