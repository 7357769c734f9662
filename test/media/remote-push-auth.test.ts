/**
 * Remote push authentication's call on its own, against a real HTTP server: 200 allows, 403
 * denies, other statuses and timeouts are retried and then follow the domain's onFailure, and the
 * SSRF guard applies (a loopback URL is refused unless private callbacks are allowed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCallbackHttpClient, type CallbackHttpClient } from '../../src/delivery/http-client.js';
import { askRemoteAuth, type RemoteAuthConfig } from '../../src/media/remote-push-auth.js';

const request = { domain: 'push.example.com', app: 'live', stream: 'cam1', clientIp: '203.0.113.9', rawQuery: 'txSecret=abc&txTime=65000000&x=1' };

describe('remote push authentication call', () => {
  let server: http.Server;
  let base: string;
  let client: CallbackHttpClient;
  const seen: { url: string; body: string }[] = [];
  /** Tries per path, so a path can fail first and answer later. */
  const tries = new Map<string, number>();

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        seen.push({ url: req.url!, body });
        const n = (tries.get(url.pathname) ?? 0) + 1;
        tries.set(url.pathname, n);
        if (url.pathname === '/hang') return; // never answers
        if (url.pathname === '/flaky') return res.writeHead(n === 1 ? 502 : 200).end();
        res.writeHead(Number(url.pathname.slice(1)) || 200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = createCallbackHttpClient({ allowPrivate: true });
  });
  after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const config = (path: string, more: Partial<RemoteAuthConfig> = {}): RemoteAuthConfig => ({
    enabled: true,
    url: `${base}${path}?token=t1`,
    timeoutMs: 500,
    retries: 1,
    onFailure: 'allow',
    ...more,
  });

  test('200 allows, with the push details in the query and the body', async () => {
    seen.length = 0;
    const decision = await askRemoteAuth(client, config('/200'), request);
    assert.deepEqual(decision, { ok: true, result: 'allowed', detail: 'HTTP 200', tries: 1 });
    const asked = new URL(seen[0]!.url, 'http://x');
    assert.equal(asked.searchParams.get('token'), 't1', 'the configured URL keeps its own query');
    assert.equal(asked.searchParams.get('txSecret'), 'abc');
    assert.equal(asked.searchParams.get('x'), '1');
    assert.equal(asked.searchParams.get('host'), 'push.example.com');
    assert.equal(asked.searchParams.get('uri'), '/live/cam1?txSecret=abc&txTime=65000000&x=1');
    assert.equal(asked.searchParams.get('client_ip'), '203.0.113.9');
    assert.deepEqual(JSON.parse(seen[0]!.body), { domain: 'push.example.com', app: 'live', stream: 'cam1', client_ip: '203.0.113.9', stream_param: request.rawQuery });
  });

  test('403 denies at once, without retrying', async () => {
    const decision = await askRemoteAuth(client, config('/403', { retries: 3 }), request);
    assert.deepEqual(decision, { ok: false, result: 'denied', detail: 'HTTP 403', tries: 1 });
  });

  test('another status is retried, then follows onFailure', async () => {
    assert.deepEqual(await askRemoteAuth(client, config('/500', { retries: 2 }), request), { ok: true, result: 'failed-allowed', detail: 'HTTP 500', tries: 3 });
    assert.deepEqual(await askRemoteAuth(client, config('/500', { retries: 0, onFailure: 'deny' }), request), { ok: false, result: 'failed-denied', detail: 'HTTP 500', tries: 1 });
    assert.deepEqual(await askRemoteAuth(client, config('/flaky'), request), { ok: true, result: 'allowed', detail: 'HTTP 200', tries: 2 }, 'a retry that answers 200 allows');
  });

  test('a server that does not answer in time is a failure: each try has its own deadline', async () => {
    const started = Date.now();
    const decision = await askRemoteAuth(client, config('/hang', { retries: 1, onFailure: 'deny' }), request);
    const elapsed = Date.now() - started;
    assert.equal(decision.result, 'failed-denied');
    assert.equal(decision.tries, 2);
    assert.match(decision.detail, /timeout/);
    assert.ok(elapsed >= 1000, `two tries of 500 ms each, took ${elapsed} ms`);
  });

  test('the SSRF guard applies: a loopback URL is refused when private callbacks are not allowed', async () => {
    const guarded = createCallbackHttpClient();
    try {
      seen.length = 0;
      const decision = await askRemoteAuth(guarded, config('/200', { retries: 0, onFailure: 'deny' }), request);
      assert.equal(decision.result, 'failed-denied');
      assert.match(decision.detail, /blocked-address/);
      assert.equal(seen.length, 0, 'nothing reached the server');
    } finally {
      await guarded.close();
    }
  });
});
