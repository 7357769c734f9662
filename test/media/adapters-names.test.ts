/**
 * Input parity of the media-server adapters with the embedded ingest (docs/media-servers.md,
 * "Names"): an app, stream or push-domain name the embedded ingest would refuse — a path
 * (`../../etc/passwd`), a NUL, 60,000 characters, one character over the length limit — is
 * refused by nginx-rtmp (non-2xx), SRS (HTTP 200, non-zero `code`) and MediaMTX (403), each with
 * a reason that does not echo the name and a log line, and no event; names at the limits are
 * still accepted. The other hook paths only look names up: hostile names there change nothing.
 *
 * The hook routes run on a server of their own with a capturing logger (so the refusal log lines
 * can be read), on the same push sessions and event sink as a real livehook.
 */
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { ffprobe } from '../../src/capture/ffprobe.js';
import { registerHookRoutes } from '../../src/media/adapters/hooks.js';
import { allUrls, bindDomain, md5, sleep } from '../helpers/callbacks.js';
import { Receiver } from '../helpers/receiver.js';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';

const DOMAIN = 'push.names.example.com';

interface Names {
  readonly app: string;
  readonly stream: string;
  /** A push domain given with `domain=` (the host is then an IP); default: DOMAIN as the host. */
  readonly domain?: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

interface Adapter {
  readonly name: 'nginx-rtmp' | 'srs' | 'mediamtx';
  /** Publishes; for MediaMTX also reports the stream ready (so that event 1 goes out). */
  publish(names: Names, id: string): Promise<Answer>;
  /** The refusal in this media server's own form; its reason. */
  refusalReason(answer: Answer): string | undefined;
  /** Every other hook of this adapter with these names; each must answer as a no-op. */
  lookups(names: Names, id: string): Promise<void>;
  /** Ends an accepted push. */
  end(names: Names, id: string): Promise<void>;
}

const HOSTILE = ['../../etc/passwd', 'a\u0000b', 'x'.repeat(60_000)];

/** Names that must be refused, each with the rule it breaks. */
const REFUSED: [string, Names][] = [
  ...HOSTILE.map((name): [string, Names] => [`stream ${JSON.stringify(name.slice(0, 20))}`, { app: 'live', stream: name }]),
  ...HOSTILE.map((name): [string, Names] => [`app ${JSON.stringify(name.slice(0, 20))}`, { app: name, stream: 'cam' }]),
  ...HOSTILE.map((name): [string, Names] => [`domain ${JSON.stringify(name.slice(0, 20))}`, { app: 'live', stream: 'cam', domain: name }]),
  ['stream of 257 characters', { app: 'live', stream: 's'.repeat(257) }],
  ['app of 65 characters', { app: 'a'.repeat(65), stream: 'cam' }],
  ['a dot in the stream name', { app: 'live', stream: 'cam.1' }],
];

/** Names that must still be accepted. */
const ACCEPTED: Names[] = [
  { app: 'live', stream: 'Cam_1-ok' },
  { app: 'a'.repeat(64), stream: 's'.repeat(256) },
];

describe('adapters refuse the names the embedded ingest refuses', () => {
  let lh: TestLivehook;
  let receiver: Receiver;
  let hooks: FastifyInstance;
  let base: string;
  let token: string;
  let masterKey: string;
  const logLines: Record<string, unknown>[] = [];

  before(async () => {
    receiver = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    const c = lh.client();
    await bindDomain(c, DOMAIN, allUrls((p) => receiver.url(p)));
    masterKey = (await c.DescribeLivePushAuthKey({ DomainName: DOMAIN })).PushAuthKeyInfo!.MasterAuthKey!;
    token = lh.bootstrap.hookToken;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    hooks = Fastify();
    await registerHookRoutes(hooks, { pushes: lh.pushes, events: lh.events, log: pino({ level: 'info' }, sink), hookToken: token, probe: ffprobe(lh.config.ffprobePath) });
    await hooks.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(hooks.server.address() as { port: number }).port}/hooks`;
  });

  after(async () => {
    await hooks?.close();
    await lh?.stop();
    await receiver?.close();
  });

  /** txSecret/txTime for the stream, with `domain=` first when the names carry one. */
  const query = (names: Names) => {
    const txTime = (Math.floor(Date.now() / 1000) + 3600).toString(16).toUpperCase();
    const auth = `txSecret=${md5(masterKey + names.stream + txTime)}&txTime=${txTime}`;
    return names.domain === undefined ? auth : `domain=${encodeURIComponent(names.domain)}&${auth}`;
  };
  const hostOf = (names: Names) => (names.domain === undefined ? DOMAIN : '127.0.0.1');

  async function post(path: string, body: string, contentType: string): Promise<Answer> {
    const res = await fetch(`${base}/${path}${path.includes('?') ? '&' : '?'}token=${token}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, text: await res.text() };
  }

  const nginx: Adapter = (() => {
    /** A notify body with nginx's own fields in nginx's order, then the client's query. */
    const body = (call: string, names: Names, id: string, own: Record<string, string> = {}) => {
      const fields: Record<string, string> = { app: names.app, flashver: 'FMLE/3.0', swfurl: '', tcurl: `rtmp://${hostOf(names)}/live`, pageurl: '', addr: '127.0.0.1', clientid: id, call, ...own };
      return `${new URLSearchParams(fields).toString()}&${query(names)}`;
    };
    const form = 'application/x-www-form-urlencoded';
    const ok = (answer: Answer, what: string) => assert.deepEqual(answer, { status: 200, text: 'ok' }, what);
    return {
      name: 'nginx-rtmp',
      publish: (names, id) => post('nginx-rtmp/on_publish', body('publish', names, id, { name: names.stream, type: 'live' }), form),
      refusalReason: (answer) => (answer.status >= 300 ? answer.text : undefined),
      lookups: async (names, id) => {
        ok(await post('nginx-rtmp/on_record_done', body('record_done', names, id, { recorder: '', name: names.stream, path: '/tmp/rec.flv' }), form), 'on_record_done');
        ok(await post('nginx-rtmp/on_publish_done', body('publish_done', names, id, { name: names.stream }), form), 'on_publish_done');
      },
      end: async (names, id) => ok(await post('nginx-rtmp/on_publish_done', body('publish_done', names, id, { name: names.stream }), form), 'on_publish_done'),
    };
  })();

  const srs: Adapter = (() => {
    const body = (action: string, names: Names, id: string, extra: Record<string, string> = {}) =>
      JSON.stringify({ action, client_id: id, ip: '192.0.2.1', vhost: '__defaultVhost__', app: names.app, tcUrl: `rtmp://${hostOf(names)}/live`, stream: names.stream, param: `?${query(names)}`, ...extra });
    const noop = (answer: Answer, what: string) => assert.deepEqual({ status: answer.status, body: JSON.parse(answer.text) as unknown }, { status: 200, body: { code: 0 } }, what);
    return {
      name: 'srs',
      publish: (names, id) => post('srs', body('on_publish', names, id), 'application/json'),
      refusalReason: (answer) => {
        const parsed = JSON.parse(answer.text) as { code: number; msg?: string };
        return answer.status !== 200 || parsed.code !== 0 ? (parsed.msg ?? '') : undefined;
      },
      lookups: async (names, id) => {
        noop(await post('srs', body('on_dvr', names, id, { cwd: '/tmp', file: './rec.flv' }), 'application/json'), 'on_dvr');
        noop(await post('srs', body('on_unpublish', names, id), 'application/json'), 'on_unpublish');
      },
      end: async (names, id) => noop(await post('srs', body('on_unpublish', names, id), 'application/json'), 'on_unpublish'),
    };
  })();

  const mediamtx: Adapter = (() => {
    const pathOf = (names: Names) => `${names.app}/${names.stream}`;
    // MediaMTX does not report the host: the domain always comes with domain=.
    const mtxQuery = (names: Names) => query({ ...names, domain: names.domain ?? DOMAIN });
    const report = (route: 'ready' | 'not-ready', names: Names) =>
      post(`mediamtx/${route}`, new URLSearchParams({ path: pathOf(names), query: mtxQuery(names), source_type: 'rtmpConn', source_id: 'x' }).toString(), 'application/x-www-form-urlencoded');
    return {
      name: 'mediamtx',
      publish: async (names, id) => {
        const auth = await post('mediamtx/auth', JSON.stringify({ ip: '192.0.2.1', user: '', password: '', token: '', action: 'publish', path: pathOf(names), protocol: 'rtmp', id, query: mtxQuery(names) }), 'application/json');
        if (auth.status !== 200) return auth;
        const ready = await report('ready', names);
        assert.equal(ready.status, 200, 'ready');
        return auth;
      },
      refusalReason: (answer) => (answer.status === 401 || answer.status === 403 ? (JSON.parse(answer.text) as { error: string }).error : undefined),
      lookups: async (names) => {
        for (const route of ['ready', 'not-ready'] as const) assert.equal((await report(route, names)).status, 404, `${route}: no authorised push for this path`);
      },
      end: async (names) => assert.equal((await report('not-ready', names)).status, 200, 'not-ready'),
    };
  })();

  let clientId = 0;

  for (const adapter of [nginx, srs, mediamtx]) {
    test(`${adapter.name}: hostile and over-long names are refused in its own form, logged, and send nothing`, async () => {
      for (const [why, names] of REFUSED) {
        const id = `c${++clientId}`;
        const loggedBefore = logLines.length;
        const answer = await adapter.publish(names, id);
        const reason = adapter.refusalReason(answer);
        assert.ok(reason, `${why}: refused (got ${answer.status} ${answer.text.slice(0, 200)})`);
        assert.match(reason, /name|domain/, `${why}: the reason names the rule`);
        assert.ok(reason.length < 200, `${why}: the reason does not echo the name`);
        const logged = logLines.slice(loggedBefore).find((l) => l.decision === 'refused' && l.reason === reason);
        assert.ok(logged, `${why}: a log line says why`);
        assert.match(String(logged.route), new RegExp(`^${adapter.name}`));
        await adapter.lookups(names, id);
      }
      assert.equal(lh.pushes.size, 0, 'nothing was admitted');
    });

    test(`${adapter.name}: names at the limits are still accepted (event 1, then 0)`, async () => {
      for (const names of ACCEPTED) {
        const id = `c${++clientId}`;
        const answer = await adapter.publish(names, id);
        assert.equal(adapter.refusalReason(answer), undefined, `${names.app.slice(0, 10)}/${names.stream.slice(0, 10)} accepted: ${answer.text}`);
        assert.equal(lh.pushes.size, 1);
        await adapter.end(names, id);
        assert.equal(lh.pushes.size, 0);
      }
    });
  }

  test('every callback that went out is of an accepted push; livehook is still healthy', async () => {
    await receiver.waitFor(3 * ACCEPTED.length, { path: '/end' });
    await sleep(300);
    const streams = receiver.requests.map((r) => (r.json as { stream_id: string }).stream_id);
    const accepted = new Set(ACCEPTED.map((n) => n.stream));
    assert.deepEqual(streams.filter((s) => !accepted.has(s)), [], 'no event for a refused name');
    assert.equal(streams.length, 2 * 3 * ACCEPTED.length, 'events 1 and 0 for each accepted push of each adapter');
    assert.equal((await fetch(`${lh.httpUrl}/healthz`)).status, 200);
  });

  test('srs: a field nested deeper than the stack is read as empty and refused, not a 500', async () => {
    const depth = 30_000;
    const body = `{"action":"on_publish","client_id":"deep","vhost":"__defaultVhost__","tcUrl":"rtmp://${DOMAIN}/live","stream":"cam","param":"","app":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const answer = await post('srs', body, 'application/json');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(JSON.parse(answer.text), { code: 403, msg: 'the app name is empty' });
  });
});
