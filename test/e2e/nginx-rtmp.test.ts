/**
 * A real nginx with nginx-rtmp-module (Debian's libnginx-mod-rtmp), started by the test on free
 * ports, with `on_publish` / `on_publish_done` / `on_record_done` pointed at livehook's adapter
 * routes; ffmpeg pushes testsrc to nginx. The receiver must get events 1 → 0 (and 100 for the
 * recording) with the right fields and a valid sign; a push that fails push authentication must
 * be refused by nginx itself, with no event, and so must one that the domain's remote push
 * authentication server answers 403; a hook call without the token gets 403.
 *
 * nginx, ffmpeg and ffprobe are requirements of this test (scripts/setup.sh installs them): when
 * one is missing the test fails and names it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { md5, sleep } from '../helpers/callbacks.js';
import { describeResult, requireFfmpeg, requireFfprobe, startPush, type Push, type PushOptions, type PushResult } from '../helpers/ffmpeg.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { startTestLivehook, tempDir, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

const NGINX = '/usr/sbin/nginx';
const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const CALLBACK_KEY = 'nginxAdapterKey123';
const DOMAIN = 'push.nginx-adapter.example.com';
const RECORD_BASE_URL = 'https://files.example.com/rec';
const DOC = path.resolve(import.meta.dirname, '../../docs/media-servers.md');


/** nginx with the RTMP module, ffmpeg (the pushes) and ffprobe (livehook probes nginx's recordings). */
function requireBinaries(): void {
  if (!fs.existsSync(NGINX)) assert.fail(`nginx is missing: ${NGINX} not found (install nginx and libnginx-mod-rtmp; scripts/setup.sh does)`);
  if (!fs.existsSync(RTMP_MODULE)) assert.fail(`nginx-rtmp is missing: ${RTMP_MODULE} not found (install libnginx-mod-rtmp)`);
  requireFfmpeg();
  requireFfprobe();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}


function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(3_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

interface Nginx {
  readonly child: ChildProcess;
  readonly rtmpPort: number;
  readonly recordDir: string;
}

/**
 * The `rtmp { … }` sample of docs/media-servers.md, made to run here: livehook's URL and token,
 * a free port on loopback, a record directory in the test's temporary directory.
 */
function documentedRtmpBlock(httpUrl: string, token: string, rtmpPort: number, recordDir: string): string {
  const text = fs.readFileSync(DOC, 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(block, 'docs/media-servers.md has an nginx sample');
  for (const expected of ['listen 1935;', 'http://127.0.0.1:8080', 'HOOK_TOKEN', '/var/lib/livehook-rec', RECORD_BASE_URL]) {
    assert.ok(block.includes(expected), `the nginx sample contains ${expected}`);
  }
  return block
    .replace('listen 1935;', `listen 127.0.0.1:${rtmpPort};`)
    .replaceAll('http://127.0.0.1:8080', httpUrl)
    .replaceAll('HOOK_TOKEN', token)
    .replaceAll('/var/lib/livehook-rec', recordDir);
}

async function startNginx(dir: string, httpUrl: string, token: string): Promise<Nginx> {
  const rtmpPort = await freePort();
  const recordDir = path.join(dir, 'rec');
  fs.mkdirSync(recordDir);
  const conf = `
load_module ${RTMP_MODULE};
# One process: no worker running as another user, nothing left behind when the test stops it.
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
${documentedRtmpBlock(httpUrl, token, rtmpPort, recordDir)}`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
      assert.fail(`nginx exited at start (${child.exitCode ?? child.signalCode}):\n${stderr}\n${log}`);
    }
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect(rtmpPort, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (listening) return { child, rtmpPort, recordDir };
    if (Date.now() > deadline) {
      await stopProcess(child);
      assert.fail(`nginx did not listen on ${rtmpPort} within 10 s:\n${stderr}`);
    }
    await sleep(50);
  }
}

const running = new Set<Push>();

/** An ffmpeg push (testsrc 320x240, H.264 in FLV, in real time) to its end; killed by `after` if a test leaves it running. */
async function push(options: PushOptions): Promise<PushResult> {
  const pushing = startPush(options);
  running.add(pushing);
  try {
    return await pushing.done;
  } finally {
    running.delete(pushing);
  }
}

function assertSigned(req: ReceivedRequest): Record<string, unknown> {
  const body = req.json as Record<string, unknown>;
  assert.equal(typeof body.t, 'number');
  const now = Math.floor(Date.now() / 1000);
  assert.ok((body.t as number) >= now + 500 && (body.t as number) <= now + 660, `t = ${String(body.t)} is not about now + 600 s`);
  assert.equal(body.sign, md5(CALLBACK_KEY + String(body.t)), 'sign = md5(CallbackKey + t)');
  return body;
}

describe('nginx-rtmp adapter with a real nginx', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  let receiver: Receiver;
  let nginx: Nginx;
  let dir: string;
  let masterKey: string;

  before(async () => {
    requireBinaries();
    dir = tempDir('livehook-nginx-');
    receiver = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    c = lh.client();
    await c.AddLiveDomain({ DomainName: DOMAIN, DomainType: 0 });
    const template = await c.CreateLiveCallbackTemplate({
      TemplateName: 'nginx-adapter',
      StreamBeginNotifyUrl: receiver.url('/begin'),
      StreamEndNotifyUrl: receiver.url('/end'),
      RecordNotifyUrl: receiver.url('/record'),
      CallbackKey: CALLBACK_KEY,
    });
    await c.CreateLiveCallbackRule({ DomainName: DOMAIN, AppName: 'live', TemplateId: template.TemplateId! });
    masterKey = (await c.DescribeLivePushAuthKey({ DomainName: DOMAIN })).PushAuthKeyInfo!.MasterAuthKey!;
    nginx = await startNginx(dir, lh.httpUrl, lh.bootstrap.hookToken);
  });

  after(async () => {
    await Promise.all([...running].map((pushing) => pushing.kill()));
    await stopProcess(nginx?.child);
    await lh?.stop();
    await receiver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const signedQuery = (stream: string, key = masterKey) => {
    const txTime = (Math.floor(Date.now() / 1000) + 3600).toString(16).toUpperCase();
    return `txSecret=${md5(key + stream + txTime)}&txTime=${txTime}`;
  };

  test('a push through nginx → event 1 then event 0 (same sequence) and event 100 for the recording', async (t) => {
    const stream = 'nginx_stream_1';
    const query = signedQuery(stream);
    const result = await push({ url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}?${query}`, seconds: 3, tcUrl: `rtmp://${DOMAIN}/live` });
    assert.equal(result.code, 0, describeResult(result));
    const wallMs = result.elapsedMs;

    const [begin] = await receiver.waitFor(1, { path: '/begin' });
    const [end] = await receiver.waitFor(1, { path: '/end' });
    assert.ok(begin!.order < end!.order, 'push start arrives before push end');
    const start = assertSigned(begin!);
    const stop = assertSigned(end!);

    for (const [body, type] of [[start, 1], [stop, 0]] as const) {
      assert.equal(body.event_type, type);
      assert.equal(body.appid, TEST_APPID);
      assert.equal(body.app, DOMAIN);
      assert.equal(body.appname, 'live');
      assert.equal(body.stream_id, stream);
      assert.equal(body.channel_id, stream);
      assert.equal(body.stream_param, query, 'stream_param is the push URL query, unchanged');
      assert.equal(body.user_ip, '127.0.0.1');
      assert.equal(body.node, '127.0.0.1');
      assert.equal(typeof body.event_time, 'number');
      assert.equal(body.set_id, 2);
    }
    assert.match(String(start.sequence), /^\d+$/);
    assert.equal(stop.sequence, start.sequence, 'events 1 and 0 share the sequence');
    assert.equal(start.errcode, 0);
    assert.equal(start.errmsg, 'ok');
    assert.equal(stop.errcode, 1, 'the push client stopped the stream');
    const pushDuration = Number(stop.push_duration);
    t.diagnostic(`ffmpeg ran ${wallMs} ms; push_duration ${pushDuration} ms`);
    assert.ok(pushDuration > 0 && pushDuration <= wallMs, `push_duration ${pushDuration} ms is within ffmpeg's ${wallMs} ms`);
    assert.ok(Math.abs(pushDuration - 3000) <= 300 + 0.1 * 3000, `push_duration ${pushDuration} ms is within 10 % (+ start-up) of the 3 s pushed`);

    const [record] = await receiver.waitFor(1, { path: '/record', timeoutMs: 15_000 });
    const rec = assertSigned(record!);
    const files = fs.readdirSync(nginx.recordDir).filter((f) => f.startsWith(stream));
    assert.equal(files.length, 1, `one recording in ${nginx.recordDir}: ${files.join(', ')}`);
    const file = files[0]!;
    assert.equal(rec.event_type, 100);
    assert.equal(rec.appid, TEST_APPID);
    assert.equal(rec.app, DOMAIN);
    assert.equal(rec.appname, 'live');
    assert.equal(rec.stream_id, stream);
    assert.equal(rec.stream_param, query);
    assert.equal(rec.file_format, 'flv');
    assert.equal(rec.file_size, fs.statSync(path.join(nginx.recordDir, file)).size);
    assert.ok((rec.file_size as number) > 0);
    assert.equal(rec.video_url, `${RECORD_BASE_URL}/${file}`);
    assert.ok(Math.abs((rec.duration as number) - 3) <= 1, `duration ${String(rec.duration)} s ≈ 3 s (ffprobe)`);
    assert.ok((rec.start_time as number) <= (rec.end_time as number));
    assert.ok(Math.abs((rec.end_time as number) - result.exitedAt / 1000) <= 5, 'end_time is about when the push ended');
    assert.match(String(rec.record_file_id), /^\d+$/);
    assert.equal(JSON.parse(String(rec.callback_ext)).resolution, '320x240');

    await sleep(300);
    assert.equal(receiver.requests.length, 3, 'exactly one event of each type');
    assert.equal(lh.pushes.size, 0, 'nothing is live any more');
  });

  test('an IP push URL with domain= is matched to the domain', async () => {
    receiver.clear();
    const stream = 'nginx_stream_2';
    const query = `domain=${DOMAIN}&${signedQuery(stream)}`;
    const result = await push({ url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}?${query}`, seconds: 1 });
    assert.equal(result.code, 0, describeResult(result));
    const [begin] = await receiver.waitFor(1, { path: '/begin' });
    const [end] = await receiver.waitFor(1, { path: '/end' });
    for (const req of [begin!, end!]) {
      const body = assertSigned(req);
      assert.equal(body.app, DOMAIN);
      assert.equal(body.stream_id, stream);
      assert.equal(body.stream_param, query);
    }
    await receiver.waitFor(1, { path: '/record', timeoutMs: 15_000 });
  });

  test('a push with a wrong txSecret is refused by nginx (ffmpeg fails) and no event is sent', async () => {
    receiver.clear();
    const stream = 'nginx_refused';
    const txTime = (Math.floor(Date.now() / 1000) + 3600).toString(16).toUpperCase();
    const result = await push({
      url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}?txSecret=${md5('wrong' + stream + txTime)}&txTime=${txTime}`,
      seconds: 3,
      tcUrl: `rtmp://${DOMAIN}/live`,
    });
    assert.notEqual(result.code, 0, `ffmpeg must fail: nginx closed the refused publisher\n${describeResult(result)}`);
    assert.ok(result.elapsedMs < 2_500, `refused at once, not after the whole push (${result.elapsedMs} ms)\n${describeResult(result)}`);
    await sleep(1_000);
    assert.deepEqual(receiver.requests.map((r) => r.path), [], 'no callback for a refused push');
    assert.equal(lh.pushes.size, 0);
    assert.deepEqual(fs.readdirSync(nginx.recordDir).filter((f) => f.startsWith(stream)), [], 'nginx recorded nothing');
  });

  test('a validly signed push whose name the embedded ingest refuses is refused by nginx too, with no event', async () => {
    receiver.clear();
    // docs/media-servers.md "Names": nothing but A-Z a-z 0-9 _ - (ffmpeg sends `%00` as it is).
    for (const stream of ['nginx.dotted', 'nginx%00nul']) {
      const result = await push({ url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live/${stream}?${signedQuery(stream)}`, seconds: 3, tcUrl: `rtmp://${DOMAIN}/live` });
      assert.notEqual(result.code, 0, `${stream}: ffmpeg must fail: nginx closed the refused publisher\n${describeResult(result)}`);
      assert.ok(result.elapsedMs < 2_500, `${stream}: refused at once (${result.elapsedMs} ms)\n${describeResult(result)}`);
    }
    await sleep(1_000);
    assert.deepEqual(receiver.requests.map((r) => r.path), [], 'no callback for a refused push');
    assert.equal(lh.pushes.size, 0);
    assert.deepEqual(fs.readdirSync(nginx.recordDir).filter((f) => f.startsWith('nginx.') || f.startsWith('nginx%')), [], 'nginx recorded nothing');
  });

  test('remote push authentication decides nginx pushes: 200 lets one in, 403 keeps another out', async () => {
    receiver.clear();
    const auth = await Receiver.start({
      respond: (req) => (new URL(req.url, 'http://x').searchParams.get('uri')?.startsWith('/live/nginx_remote_no') ? 403 : 200),
    });
    try {
      await c.request('ModifyLiveRemotePushAuth', { DomainName: DOMAIN, Enable: 1, Url: auth.url('/check'), TimeoutMs: 1000, Retries: 0 });
      const denied = await push({ url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live/nginx_remote_no?${signedQuery('nginx_remote_no')}`, seconds: 3, tcUrl: `rtmp://${DOMAIN}/live` });
      assert.notEqual(denied.code, 0, `the denied push fails in ffmpeg\n${describeResult(denied)}`);
      const allowed = await push({ url: `rtmp://127.0.0.1:${nginx.rtmpPort}/live/nginx_remote_ok?${signedQuery('nginx_remote_ok')}`, seconds: 1, tcUrl: `rtmp://${DOMAIN}/live` });
      assert.equal(allowed.code, 0, describeResult(allowed));
      const [begin] = await receiver.waitFor(1, { path: '/begin' });
      await receiver.waitFor(1, { path: '/end' });
      // nginx records every push: its recording's callback comes last, so the next test starts clean.
      await receiver.waitFor(1, { path: '/record', timeoutMs: 15_000 });
      assert.equal((begin!.json as { stream_id: string }).stream_id, 'nginx_remote_ok', 'only the allowed push called back');
      const asked = auth.onPath('/check').map((r) => new URL(r.url, 'http://x').searchParams);
      assert.deepEqual(asked.map((q) => q.get('uri')?.split('?')[0]), ['/live/nginx_remote_no', '/live/nginx_remote_ok']);
      for (const q of asked) {
        assert.equal(q.get('host'), DOMAIN);
        assert.equal(q.get('client_ip'), '127.0.0.1');
        assert.ok(q.get('txSecret'), 'the push URL query is passed on');
      }
    } finally {
      await c.request('ModifyLiveRemotePushAuth', { DomainName: DOMAIN, Enable: 0 });
      await auth.close();
    }
  });

  test('a hook call without the token, or with a wrong one, gets 403 and changes nothing', async () => {
    receiver.clear();
    const body = `app=live&flashver=FMLE/3.0&swfurl=&tcurl=rtmp://${DOMAIN}/live&pageurl=&addr=127.0.0.1&clientid=99&call=publish&name=tokenless&type=live&${signedQuery('tokenless')}`;
    for (const suffix of ['', '?token=wrong-token-0000000000']) {
      for (const route of ['on_publish', 'on_publish_done', 'on_record_done']) {
        const res = await fetch(`${lh.httpUrl}/hooks/nginx-rtmp/${route}${suffix}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        assert.equal(res.status, 403, `${route}${suffix}`);
      }
    }
    await sleep(300);
    assert.equal(lh.pushes.size, 0);
    assert.deepEqual(receiver.requests, []);
  });
});
