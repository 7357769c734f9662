import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createCallbackHttpClient,
  isAllowedAddress,
  parseRetryAfter,
  RESPONSE_EXCERPT_BYTES,
  type CallbackHttpClientOptions,
} from '../../src/delivery/http-client.js';

interface TestServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  requests: { headers: IncomingMessage['headers']; body: string }[];
}

/** A receiver on 127.0.0.1 that records what it got; closed when the test ends. */
async function startServer(
  t: TestContext,
  respond: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port, requests };
}

function startClient(t: TestContext, options: CallbackHttpClientOptions) {
  const client = createCallbackHttpClient(options);
  t.after(() => client.close());
  return client;
}

/** Most tests talk to 127.0.0.1, which the SSRF guard refuses by default. */
const LOCAL: CallbackHttpClientOptions = { allowPrivate: true };
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

test('2xx is ok; the response excerpt stops at 2048 bytes of a large body', async (t) => {
  const server = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('x'.repeat(1024 * 1024));
  });
  const client = startClient(t, LOCAL);
  const result = await client.post(`${server.origin}/cb?x=1`, '{"event_type":1}', JSON_HEADERS);
  assert.ok(result.ok);
  assert.equal(result.status, 200);
  assert.equal(Buffer.byteLength(result.responseExcerpt), RESPONSE_EXCERPT_BYTES);
  assert.ok(result.latencyMs >= 0);
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]?.body, '{"event_type":1}');
  assert.equal(server.requests[0]?.headers['content-type'], 'application/json; charset=utf-8');
});

test('any 2xx counts as success', async (t) => {
  const server = await startServer(t, (_req, res) => res.writeHead(204).end());
  const client = startClient(t, LOCAL);
  const result = await client.post(server.origin, '{}', JSON_HEADERS);
  assert.ok(result.ok);
  assert.equal(result.status, 204);
  assert.equal(result.responseExcerpt, '');
});

test('500 is a status failure with the response excerpt', async (t) => {
  const server = await startServer(t, (_req, res) => res.writeHead(500).end('boom'));
  const client = startClient(t, LOCAL);
  const result = await client.post(server.origin, '{}', JSON_HEADERS);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.kind, 'status');
  assert.equal(result.status, 500);
  assert.equal(result.responseExcerpt, 'boom');
  assert.equal(result.retryAfterSeconds, undefined);
});

test('302 is a failure and the redirect is not followed', async (t) => {
  const target = await startServer(t, (_req, res) => res.end('ok'));
  const redirector = await startServer(t, (_req, res) => res.writeHead(302, { location: `${target.origin}/` }).end());
  const client = startClient(t, LOCAL);
  const result = await client.post(redirector.origin, '{}', JSON_HEADERS);
  assert.ok(!result.ok);
  assert.equal(result.kind, 'status');
  assert.equal(result.status, 302);
  assert.equal(redirector.requests.length, 1);
  assert.equal(target.requests.length, 0);
});

test('a receiver that never answers times out', async (t) => {
  const server = await startServer(t, () => {});
  const client = startClient(t, { ...LOCAL, timeoutMs: 300 });
  const result = await client.post(server.origin, '{}', JSON_HEADERS);
  assert.ok(!result.ok);
  assert.equal(result.kind, 'timeout');
  assert.ok(result.latencyMs >= 250 && result.latencyMs < 5_000, `${result.latencyMs}`);
});

test('a closed port is a connect failure', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const client = startClient(t, LOCAL);
  const result = await client.post(`http://127.0.0.1:${port}/`, '{}', JSON_HEADERS);
  assert.ok(!result.ok);
  assert.equal(result.kind, 'connect');
  assert.match(result.message, /ECONNREFUSED/);
});

test('429 reports Retry-After in seconds', async (t) => {
  const server = await startServer(t, (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());
  const client = startClient(t, LOCAL);
  const result = await client.post(server.origin, '{}', JSON_HEADERS);
  assert.ok(!result.ok);
  assert.equal(result.kind, 'status');
  assert.equal(result.status, 429);
  assert.equal(result.retryAfterSeconds, 7);
});

test('parseRetryAfter reads delta-seconds and HTTP dates', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const table: [value: string | undefined, seconds: number | undefined][] = [
    ['7', 7],
    [' 120 ', 120],
    ['Wed, 01 May 2024 12:01:30 GMT', 90], // IMF-fixdate
    ['Wednesday, 01-May-24 12:00:10 GMT', 10], // obsolete RFC 850 form
    ['Wed, 01 May 2024 11:00:00 GMT', 0], // in the past
    ['1.5', undefined],
    ['-3', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [value, seconds] of table) assert.equal(parseRetryAfter(value, now), seconds, String(value));
});

test('an IP-literal private target is refused before connecting', async (t) => {
  const server = await startServer(t, (_req, res) => res.end('ok'));
  const client = startClient(t, { allowPrivate: false });
  const result = await client.post(server.origin, '{}', JSON_HEADERS);
  assert.ok(!result.ok);
  assert.equal(result.kind, 'blocked-address');
  assert.equal(server.requests.length, 0);
  // Bracketed IPv6 literals too (nothing listens there; the check comes first).
  const v6 = await client.post(`http://[::1]:${server.port}/`, '{}', JSON_HEADERS);
  assert.ok(!v6.ok);
  assert.equal(v6.kind, 'blocked-address');
});

test('allowCidrs lets a refused range through', async (t) => {
  const server = await startServer(t, (_req, res) => res.end('ok'));
  const client = startClient(t, { allowCidrs: ['127.0.0.0/8'] });
  const result = await client.post(server.origin, '{}', JSON_HEADERS);
  assert.equal(result.ok, true);
  assert.equal(server.requests.length, 1);
});

test('a host name is resolved and its addresses checked at connect time', async (t) => {
  const server = await startServer(t, (_req, res) => res.end('ok'));
  const url = `http://localhost:${server.port}/`;

  const guarded = startClient(t, {});
  const blocked = await guarded.post(url, '{}', JSON_HEADERS);
  assert.ok(!blocked.ok);
  assert.equal(blocked.kind, 'blocked-address');
  // The message lists what DNS returned, so the decision was made on addresses, not on the name.
  assert.match(blocked.message, /127\.0\.0\.1|::1/);
  assert.equal(server.requests.length, 0);

  // Allowing the loopback range (not the name) lets the same URL through.
  const allowed = startClient(t, { allowCidrs: ['127.0.0.0/8'] });
  const result = await allowed.post(url, '{}', JSON_HEADERS);
  assert.equal(result.ok, true);
  assert.equal(server.requests.length, 1);
});

test('malformed or non-HTTP URLs are invalid-url', async (t) => {
  const client = startClient(t, LOCAL);
  for (const url of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd']) {
    const result = await client.post(url, '{}', JSON_HEADERS);
    assert.ok(!result.ok);
    assert.equal(result.kind, 'invalid-url', url);
  }
});

test("aborting the caller's signal rejects instead of reporting a failure", async (t) => {
  const server = await startServer(t, () => {});
  const client = startClient(t, LOCAL);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('shutting down')), 50);
  await assert.rejects(client.post(server.origin, '{}', JSON_HEADERS, controller.signal), /shutting down/);
});

test("one abort of the caller's signal rejects every request in flight on it, and only those", async (t) => {
  const server = await startServer(t, (request, response) => {
    if (request.url === '/ok') response.end('{"code":0}');
  });
  const client = startClient(t, LOCAL);
  const controller = new AbortController();
  // Finished before the abort: it must not be touched by it.
  assert.ok((await client.post(`${server.origin}/ok`, '{}', JSON_HEADERS, controller.signal)).ok);
  const hanging = [1, 2, 3].map((i) => client.post(`${server.origin}/hang${i}`, '{}', JSON_HEADERS, controller.signal));
  setTimeout(() => controller.abort(new Error('shutting down')), 50);
  for (const request of hanging) await assert.rejects(request, /shutting down/);
  await assert.rejects(client.post(`${server.origin}/ok`, '{}', JSON_HEADERS, controller.signal), /shutting down/, 'a later request on an aborted signal');
});

test('a request still waiting for a connection rejects at once when aborted, and is never sent', async (t) => {
  const server = await startServer(t, (request, response) => {
    setTimeout(() => response.end('{"code":0}'), request.url === '/first' ? 300 : 0);
  });
  // One connection per host: the second request waits for the first to be answered.
  const client = startClient(t, { ...LOCAL, maxConnectionsPerHost: 1 });
  const first = client.post(`${server.origin}/first`, '{}', JSON_HEADERS);
  const controller = new AbortController();
  const queued = client.post(`${server.origin}/second`, '{}', JSON_HEADERS, controller.signal);
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const abortedAt = Date.now();
  controller.abort(new Error('shutting down'));
  await assert.rejects(queued, /shutting down/);
  assert.ok(Date.now() - abortedAt < 200, 'rejected without waiting for the connection');
  assert.ok((await first).ok);
  // The connection is free now: an aborted request must not go out on it.
  assert.ok((await client.post(`${server.origin}/third`, '{}', JSON_HEADERS)).ok);
  assert.equal(server.requests.length, 2, 'the aborted request never reached the server');
});

test('a malformed allow-list entry is rejected when the client is created', () => {
  for (const cidr of ['10.0.0.0/33', 'example.com/8', '10.0.0.0/', '::1/129']) {
    assert.throws(() => createCallbackHttpClient({ allowCidrs: [cidr] }), /invalid CIDR/, cidr);
  }
});

test('isAllowedAddress: refused ranges, embedded IPv4, and public addresses', () => {
  const table: [ip: string, allowed: boolean][] = [
    // IPv4
    ['0.0.0.0', false], // 0.0.0.0/8 "this network"
    ['10.0.0.1', false], // 10.0.0.0/8 RFC 1918
    ['100.64.0.1', false], // 100.64.0.0/10 CGNAT
    ['100.127.255.254', false], // 100.64.0.0/10 CGNAT, top
    ['127.0.0.1', false], // 127.0.0.0/8 loopback
    ['169.254.169.254', false], // 169.254.0.0/16 link-local / cloud metadata
    ['172.16.0.1', false], // 172.16.0.0/12 RFC 1918
    ['172.31.255.255', false], // 172.16.0.0/12 RFC 1918, top
    ['192.0.0.8', false], // 192.0.0.0/24 IETF protocol assignments
    ['192.0.2.1', false], // 192.0.2.0/24 TEST-NET-1
    ['192.88.99.1', false], // 192.88.99.0/24 6to4 relay anycast
    ['192.168.1.1', false], // 192.168.0.0/16 RFC 1918
    ['198.18.0.1', false], // 198.18.0.0/15 benchmarking
    ['198.19.255.255', false], // 198.18.0.0/15 benchmarking, top
    ['198.51.100.1', false], // 198.51.100.0/24 TEST-NET-2
    ['203.0.113.1', false], // 203.0.113.0/24 TEST-NET-3
    ['224.0.0.1', false], // 224.0.0.0/4 multicast
    ['239.255.255.250', false], // 224.0.0.0/4 multicast (SSDP)
    ['240.0.0.1', false], // 240.0.0.0/4 reserved
    ['255.255.255.255', false], // limited broadcast
    ['8.8.8.8', true], // public
    ['1.1.1.1', true], // public
    ['100.63.255.255', true], // just below CGNAT
    ['100.128.0.0', true], // just above CGNAT
    ['172.15.255.255', true], // just below 172.16/12
    ['172.32.0.0', true], // just above 172.16/12
    ['198.20.0.0', true], // just above 198.18/15
    // IPv6
    ['::', false], // ::/128 unspecified
    ['::1', false], // ::1/128 loopback
    ['::ffff:127.0.0.1', false], // ::ffff:0:0/96 IPv4-mapped loopback
    ['::ffff:7f00:1', false], // ::ffff:0:0/96 IPv4-mapped loopback, hex form
    ['::ffff:169.254.169.254', false], // ::ffff:0:0/96 IPv4-mapped metadata
    ['64:ff9b::a00:1', false], // 64:ff9b::/96 NAT64 of 10.0.0.1
    ['64:ff9b::127.0.0.1', false], // 64:ff9b::/96 NAT64 of loopback, dotted form
    ['2002:a00:1::', false], // 2002::/16 6to4 of 10.0.0.1
    ['2002:c0a8:101::1', false], // 2002::/16 6to4 of 192.168.1.1
    ['fc00::1', false], // fc00::/7 unique local
    ['fd00::1', false], // fc00::/7 unique local
    ['fe80::1', false], // fe80::/10 link-local
    ['fe80::1%eth0', false], // fe80::/10 link-local with zone id
    ['febf:ffff::1', false], // fe80::/10 link-local, top
    ['ff02::1', false], // ff00::/8 multicast
    ['100::1', false], // 100::/64 discard-only
    ['2001:db8::1', false], // 2001:db8::/32 documentation
    ['2606:4700::1111', true], // public
    ['2001:4860:4860::8888', true], // public
    ['::ffff:8.8.8.8', true], // IPv4-mapped public
    ['64:ff9b::808:808', true], // NAT64 of public 8.8.8.8
    ['2002:808:808::1', true], // 6to4 of public 8.8.8.8
    ['fec0::1', true], // deprecated site-local, not in the refused list
    // Not an address at all
    ['localhost', false],
    ['', false],
  ];
  for (const [ip, allowed] of table) {
    assert.equal(isAllowedAddress(ip, {}), allowed, ip);
  }
});

test('isAllowedAddress: allowCidrs and allowPrivate override the refused ranges', () => {
  const table: [ip: string, allowCidrs: string[], allowed: boolean][] = [
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['::ffff:10.1.2.3', ['10.0.0.0/8'], true], // mapped form of an allowed IPv4
    ['64:ff9b::a01:203', ['10.0.0.0/8'], true], // NAT64 form of an allowed IPv4
    ['192.168.0.1', ['10.0.0.0/8'], false],
    ['10.0.0.7', ['10.0.0.7'], true], // a bare address is a /32
    ['10.0.0.8', ['10.0.0.7'], false],
    ['fd00::1', ['fd00::/8'], true],
    ['fc00::1', ['fd00::/8'], false],
  ];
  for (const [ip, allowCidrs, allowed] of table) {
    assert.equal(isAllowedAddress(ip, { allowCidrs }), allowed, `${ip} with ${allowCidrs.join(',')}`);
  }
  for (const ip of ['127.0.0.1', '::1', '169.254.169.254', 'fe80::1']) {
    assert.equal(isAllowedAddress(ip, { allowPrivate: true }), true, ip);
  }
});
