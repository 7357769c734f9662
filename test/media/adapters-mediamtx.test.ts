/**
 * MediaMTX adapter: `authHTTPAddress` requests with the JSON body MediaMTX sends
 * (internal/auth: ip, user, password, token, action, path, protocol, id, query), and the
 * `runOnReady` / `runOnNotReady` curl lines exactly as docs/media-servers.md gives them, run the
 * way MediaMTX runs a command (split like a shell, no shell, then `$MTX_…` substituted in each
 * argument) with a real curl → events 1 and 0 with one sequence; refusals; 403 without token.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { ffprobe } from '../../src/capture/ffprobe.js';
import { registerHookRoutes } from '../../src/media/adapters/hooks.js';
import { md5, sleep } from '../helpers/callbacks.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { startTestLivehook, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

const CALLBACK_KEY = 'mediamtxKey789';
const PUBLISHER_IP = '203.0.113.7';
const DOC = path.resolve(import.meta.dirname, '../../docs/media-servers.md');

/** The documented MediaMTX settings, for a livehook at `httpUrl` with `token`. */
function documentedConfig(httpUrl: string, token: string): { authAddress: string; runOnReady: string; runOnNotReady: string } {
  const text = fs.readFileSync(DOC, 'utf8');
  const setting = (name: string) => {
    const match = new RegExp(`^\\s*${name}: (.+)$`, 'm').exec(text);
    assert.ok(match, `docs/media-servers.md has a ${name} line`);
    return match[1]!.replaceAll('http://127.0.0.1:8080', httpUrl).replaceAll('HOOK_TOKEN', token);
  };
  return { authAddress: setting('authHTTPAddress'), runOnReady: setting('runOnReady'), runOnNotReady: setting('runOnNotReady') };
}

/** go-shellquote's Split, as MediaMTX uses it: quotes and backslashes, no expansion. */
function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, 'unterminated single quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      word ??= '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && '\\"$`\n'.includes(line[i + 1] ?? '')) i++;
        word += line[i];
      }
      assert.ok(i < line.length, 'unterminated double quote');
    } else if (ch === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Runs a runOn… command as MediaMTX does: split, then `$VAR` / `${VAR}` replaced in each argument, no shell. */
function runLikeMediamtx(command: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const parts = shellSplit(command).map((part) => part.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => env[a ?? b ?? ''] ?? ''));
  return new Promise((resolve) => {
    execFile(parts[0]!, parts.slice(1), { timeout: 10_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

describe('MediaMTX adapter', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  let receiver: Receiver;
  let token: string;
  let config: ReturnType<typeof documentedConfig>;
  let seq = 0;

  before(async () => {
    const curl = spawnSync('curl', ['--version'], { stdio: 'ignore' });
    if (curl.error || curl.status !== 0) assert.fail('curl is missing: `curl --version` failed (the documented runOnReady/runOnNotReady lines use curl)');
    receiver = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    c = lh.client();
    token = lh.bootstrap.hookToken;
    config = documentedConfig(lh.httpUrl, token);
  });

  after(async () => {
    await lh?.stop();
    await receiver?.close();
  });

  async function domainWithCallbacks(label: string): Promise<{ domain: string; masterKey: string }> {
    const domain = `${label}${++seq}.mediamtx.example.com`;
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const template = await c.CreateLiveCallbackTemplate({
      TemplateName: `mediamtx-${seq}`,
      StreamBeginNotifyUrl: receiver.url(`/${domain}/begin`),
      StreamEndNotifyUrl: receiver.url(`/${domain}/end`),
      CallbackKey: CALLBACK_KEY,
    });
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: template.TemplateId! });
    const masterKey = (await c.DescribeLivePushAuthKey({ DomainName: domain })).PushAuthKeyInfo!.MasterAuthKey!;
    return { domain, masterKey };
  }

  const signed = (key: string, stream: string) => {
    const txTime = (Math.floor(Date.now() / 1000) + 3600).toString(16).toUpperCase();
    return `txSecret=${md5(key + stream + txTime)}&txTime=${txTime}`;
  };

  /** The body MediaMTX's auth manager marshals, in its field order. */
  const authBody = (action: string, pathName: string, query: string, o: { ip?: string; id?: string | null; protocol?: string } = {}) =>
    JSON.stringify({
      ip: o.ip ?? PUBLISHER_IP,
      user: '',
      password: '',
      token: '',
      action,
      path: pathName,
      protocol: o.protocol ?? 'rtmp',
      id: o.id === undefined ? '3f7c1e2a-9b4d-4c1e-8f00-5a6b7c8d9e0f' : o.id,
      query,
    });

  async function auth(body: string, url = config.authAddress): Promise<{ status: number; text: string }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, text: await res.text() };
  }

  const mtxEnv = (pathName: string, query: string) => ({
    MTX_PATH: pathName,
    MTX_QUERY: query,
    MTX_SOURCE_TYPE: 'rtmpConn',
    MTX_SOURCE_ID: '3f7c1e2a-9b4d-4c1e-8f00-5a6b7c8d9e0f',
  });

  function signedBody(req: ReceivedRequest): Record<string, unknown> {
    const body = req.json as Record<string, unknown>;
    assert.equal(body.sign, md5(CALLBACK_KEY + String(body.t)));
    return body;
  }

  test('auth publish → 200 and nothing yet; runOnReady → event 1; runOnNotReady → event 0 (same sequence)', async () => {
    const { domain, masterKey } = await domainWithCallbacks('main');
    const query = `domain=${domain}&${signed(masterKey, 'cam1')}`;
    const admitted = await auth(authBody('publish', 'live/cam1', query));
    assert.equal(admitted.status, 200, admitted.text);
    assert.equal(lh.pushes.size, 1);
    await sleep(200);
    assert.deepEqual(receiver.received((r) => r.path.startsWith(`/${domain}/`)), [], 'no push start before MediaMTX says ready');

    const ready = await runLikeMediamtx(config.runOnReady, mtxEnv('live/cam1', query));
    assert.equal(ready.code, 0, `runOnReady curl failed: ${ready.stderr}`);
    const [begin] = await receiver.waitFor(1, { path: `/${domain}/begin` });
    const start = signedBody(begin!);
    assert.equal(start.event_type, 1);
    assert.equal(start.appid, TEST_APPID);
    assert.equal(start.app, domain);
    assert.equal(start.appname, 'live');
    assert.equal(start.stream_id, 'cam1');
    assert.equal(start.stream_param, query);
    assert.equal(start.user_ip, PUBLISHER_IP);
    assert.equal(start.node, '127.0.0.1');

    // A second ready (MediaMTX restarts a command only if asked to) changes nothing.
    assert.equal((await runLikeMediamtx(config.runOnReady, mtxEnv('live/cam1', query))).code, 0);

    await sleep(150);
    const notReady = await runLikeMediamtx(config.runOnNotReady, mtxEnv('live/cam1', query));
    assert.equal(notReady.code, 0, `runOnNotReady curl failed: ${notReady.stderr}`);
    const [end] = await receiver.waitFor(1, { path: `/${domain}/end` });
    const stop = signedBody(end!);
    assert.equal(stop.event_type, 0);
    assert.equal(stop.sequence, start.sequence);
    assert.equal(stop.errcode, 1);
    assert.ok(Number(stop.push_duration) >= 150);
    assert.equal(lh.pushes.size, 0);
    await sleep(200);
    assert.equal(receiver.received((r) => r.path.startsWith(`/${domain}/`)).length, 2);
  });

  test('publish refusals → 403 with the reason, and no event', async () => {
    const { domain, masterKey } = await domainWithCallbacks('refuse');
    const txTime = (Math.floor(Date.now() / 1000) + 3600).toString(16);
    const cases: [string, string, string][] = [
      ['wrong txSecret', 'live/a', `domain=${domain}&txSecret=${md5('x' + 'a' + txTime)}&txTime=${txTime}`],
      ['no domain=', 'live/b', signed(masterKey, 'b')],
      ['no txSecret', 'live/c', `domain=${domain}`],
      ['path without app', 'd', `domain=${domain}&${signed(masterKey, 'd')}`],
      ['empty stream', 'live/', `domain=${domain}&${signed(masterKey, '')}`],
    ];
    for (const [why, pathName, query] of cases) {
      const res = await auth(authBody('publish', pathName, query));
      assert.equal(res.status, 403, why);
      assert.ok(JSON.parse(res.text).error, why);
    }
    // one publisher per stream
    const query = `domain=${domain}&${signed(masterKey, 'live1')}`;
    assert.equal((await auth(authBody('publish', 'live/live1', query))).status, 200);
    assert.equal((await runLikeMediamtx(config.runOnReady, mtxEnv('live/live1', query))).code, 0);
    const second = await auth(authBody('publish', 'live/live1', query, { ip: '198.51.100.9', id: null }));
    assert.equal(second.status, 403);
    assert.match(second.text, /already/);
    assert.equal((await runLikeMediamtx(config.runOnNotReady, mtxEnv('live/live1', query))).code, 0);
    await receiver.waitFor(1, { path: `/${domain}/end` });
    await sleep(200);
    assert.deepEqual(
      receiver.received((r) => r.path.startsWith(`/${domain}/`)).map((r) => (r.json as { event_type: number }).event_type),
      [1, 0],
    );
  });

  test('read/playback are allowed; api/metrics/pprof from loopback only; unknown actions refused', async () => {
    for (const action of ['read', 'playback']) {
      assert.equal((await auth(authBody(action, 'live/any', '', { protocol: 'hls' }))).status, 200, action);
    }
    for (const action of ['api', 'metrics', 'pprof']) {
      assert.equal((await auth(authBody(action, '', '', { ip: '127.0.0.1', id: null }))).status, 200, `${action} from 127.0.0.1`);
      assert.equal((await auth(authBody(action, '', '', { ip: '::1', id: null }))).status, 200, `${action} from ::1`);
      assert.equal((await auth(authBody(action, '', '', { ip: PUBLISHER_IP, id: null }))).status, 403, `${action} from elsewhere`);
    }
    assert.equal((await auth(authBody('delete-everything', 'live/x', ''))).status, 403);
    assert.equal((await auth('not json')).status, 400);
    assert.equal(lh.pushes.size, 0);
  });

  test('ready for a path livehook did not admit → 404 and nothing sent', async () => {
    const { domain } = await domainWithCallbacks('unknown');
    const result = await runLikeMediamtx(config.runOnReady, mtxEnv('live/never', `domain=${domain}`));
    assert.notEqual(result.code, 0, 'curl -f fails on the 404');
    const res = await fetch(`${lh.httpUrl}/hooks/mediamtx/ready?token=${token}&path=live/never`, { method: 'POST' });
    assert.equal(res.status, 404);
    await sleep(200);
    assert.deepEqual(receiver.received((r) => r.path.startsWith(`/${domain}/`)), []);
  });

  test('a form body works as well as the query string', async () => {
    const { domain, masterKey } = await domainWithCallbacks('form');
    const query = `domain=${domain}&${signed(masterKey, 'formcam')}`;
    assert.equal((await auth(authBody('publish', 'live/formcam', query))).status, 200);
    for (const route of ['ready', 'not-ready']) {
      const res = await fetch(`${lh.httpUrl}/hooks/mediamtx/${route}?token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ path: 'live/formcam', query, source_type: 'rtspSession', source_id: 'x' }).toString(),
      });
      assert.equal(res.status, 200, route);
    }
    await receiver.waitFor(1, { path: `/${domain}/end` });
  });

  test('DropLiveStream ends a MediaMTX push in livehook (errcode 10); the later runOnNotReady adds nothing', async () => {
    const { domain, masterKey } = await domainWithCallbacks('drop');
    const query = `domain=${domain}&${signed(masterKey, 'dropcam')}`;
    assert.equal((await auth(authBody('publish', 'live/dropcam', query))).status, 200);
    assert.equal((await runLikeMediamtx(config.runOnReady, mtxEnv('live/dropcam', query))).code, 0);
    await c.DropLiveStream({ DomainName: domain, AppName: 'live', StreamName: 'dropcam' });
    const [end] = await receiver.waitFor(1, { path: `/${domain}/end` });
    assert.equal((end!.json as { errcode: number }).errcode, 10);
    assert.equal((await runLikeMediamtx(config.runOnNotReady, mtxEnv('live/dropcam', query))).code, 0);
    await sleep(300);
    assert.equal(receiver.received((r) => r.path === `/${domain}/end`).length, 1);
  });

  test('without the hook token, or with a wrong one: 403 on every route, nothing created', async () => {
    const { domain, masterKey } = await domainWithCallbacks('token');
    const query = `domain=${domain}&${signed(masterKey, 'tokcam')}`;
    const bare = `${lh.httpUrl}/hooks/mediamtx`;
    for (const suffix of ['', '?token=wrong-token-000000000000']) {
      assert.equal((await auth(authBody('publish', 'live/tokcam', query), `${bare}/auth${suffix}`)).status, 403);
      assert.equal((await auth(authBody('read', 'live/tokcam', ''), `${bare}/auth${suffix}`)).status, 403, 'even reads need the token');
      for (const route of ['ready', 'not-ready']) {
        const sep = suffix ? '&' : '?';
        const res = await fetch(`${bare}/${route}${suffix}${sep}path=live/tokcam&query=${encodeURIComponent(query)}`, { method: 'POST' });
        assert.equal(res.status, 403, route);
      }
    }
    assert.equal(lh.pushes.size, 0);
    await sleep(200);
    assert.deepEqual(receiver.received((r) => r.path.startsWith(`/${domain}/`)), []);
  });

  describe('an admission that never becomes ready', () => {
    let hooks: FastifyInstance;
    let base: string;
    before(async () => {
      // Same livehook parts, with a ready timeout short enough for a test (30 s in production).
      hooks = Fastify();
      await registerHookRoutes(hooks, { pushes: lh.pushes, events: lh.events, log: lh.log, hookToken: token, probe: ffprobe(lh.config.ffprobePath), readyTimeoutMs: 300 });
      await hooks.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(hooks.server.address() as { port: number }).port}/hooks/mediamtx`;
    });
    after(() => hooks?.close());

    test('is forgotten after the ready timeout, with no event; the stream can then be published again', async () => {
      const { domain, masterKey } = await domainWithCallbacks('timeout');
      const query = `domain=${domain}&${signed(masterKey, 'slowcam')}`;
      assert.equal((await auth(authBody('publish', 'live/slowcam', query), `${base}/auth?token=${token}`)).status, 200);
      assert.ok(lh.pushes.find(domain, 'live', 'slowcam'));
      await sleep(600);
      assert.equal(lh.pushes.find(domain, 'live', 'slowcam'), undefined, 'forgotten');
      const late = await fetch(`${base}/ready?token=${token}&path=live/slowcam`, { method: 'POST' });
      assert.equal(late.status, 404, 'a ready after the timeout finds nothing');

      assert.equal((await auth(authBody('publish', 'live/slowcam', query), `${base}/auth?token=${token}`)).status, 200, 'published again');
      const ready = await fetch(`${base}/ready?token=${token}&path=live/slowcam`, { method: 'POST' });
      assert.equal(ready.status, 200);
      const notReady = await fetch(`${base}/not-ready?token=${token}&path=live/slowcam`, { method: 'POST' });
      assert.equal(notReady.status, 200);
      await receiver.waitFor(1, { path: `/${domain}/end` });
      await sleep(200);
      assert.deepEqual(
        receiver.received((r) => r.path.startsWith(`/${domain}/`)).map((r) => (r.json as { event_type: number }).event_type),
        [1, 0],
        'only the publish that became ready produced events',
      );
    });

    test('a new publish for a path whose admission is not ready yet replaces it', async () => {
      const { domain, masterKey } = await domainWithCallbacks('replace');
      const query = `domain=${domain}&${signed(masterKey, 'retrycam')}`;
      for (let i = 0; i < 2; i++) {
        assert.equal((await auth(authBody('publish', 'live/retrycam', query), `${base}/auth?token=${token}`)).status, 200, `attempt ${i + 1}`);
      }
      assert.equal((await fetch(`${base}/ready?token=${token}&path=live/retrycam`, { method: 'POST' })).status, 200);
      assert.equal((await fetch(`${base}/not-ready?token=${token}&path=live/retrycam`, { method: 'POST' })).status, 200);
      await receiver.waitFor(1, { path: `/${domain}/end` });
      await sleep(500);
      assert.deepEqual(
        receiver.received((r) => r.path.startsWith(`/${domain}/`)).map((r) => (r.json as { event_type: number }).event_type),
        [1, 0],
      );
    });
  });
});
