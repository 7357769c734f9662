/**
 * SRS `http_hooks` adapter (`POST /hooks/srs`): request bodies as SRS 5/6 send them
 * (srs_app_http_hooks.cpp: server_id, service_id, action, client_id, ip, vhost, app, tcUrl,
 * stream, param, [cwd, file,] stream_url, stream_id; Content-Type application/json) → the same
 * events as the embedded ingest: 1 and 0 with one sequence, 100 for on_dvr; refusals answered
 * HTTP 200 with a non-zero `code`; 403 without the hook token.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { md5, sleep } from '../helpers/callbacks.js';
import { requireFfmpeg, requireFfprobe } from '../helpers/ffmpeg.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { startTestLivehook, tempDir, TEST_APPID, type LiveClient, type TestLivehook } from '../helpers/livehook.js';

const CALLBACK_KEY = 'srsAdapterKey456';
const SRS_IP = '192.168.1.10';

interface SrsRequest {
  clientId: string;
  vhost?: string;
  tcUrl: string;
  stream: string;
  param: string;
  app?: string;
  cwd?: string;
  file?: string;
}

/** A hook body with SRS 6's fields, in its order. */
function srsBody(action: string, r: SrsRequest): string {
  const vhost = r.vhost ?? '__defaultVhost__';
  const app = r.app ?? 'live';
  return JSON.stringify({
    server_id: 'vid-0xk989d',
    service_id: 'plw6u97x',
    action,
    client_id: r.clientId,
    ip: SRS_IP,
    vhost,
    app,
    tcUrl: r.tcUrl,
    stream: r.stream,
    param: r.param,
    ...(r.file !== undefined ? { cwd: r.cwd ?? '/usr/local/srs', file: r.file } : {}),
    stream_url: `${vhost === '__defaultVhost__' ? '' : vhost}/${app}/${r.stream}`,
    stream_id: 'vid-124q9y3',
  });
}

let seq = 0;

const DOC = path.resolve(import.meta.dirname, '../../docs/media-servers.md');

/** The hook URLs of the SRS sample in docs/media-servers.md, for a livehook at `httpUrl`. */
function documentedSrsUrls(httpUrl: string, token: string): Record<'on_publish' | 'on_unpublish' | 'on_dvr', string> {
  const text = fs.readFileSync(DOC, 'utf8');
  const url = (hook: string) => {
    const match = new RegExp(`^\\s*${hook}\\s+(http\\S+);$`, 'm').exec(text);
    assert.ok(match, `docs/media-servers.md has an SRS ${hook} line`);
    return match[1]!.replaceAll('http://127.0.0.1:8080', httpUrl).replaceAll('HOOK_TOKEN', token);
  };
  return { on_publish: url('on_publish'), on_unpublish: url('on_unpublish'), on_dvr: url('on_dvr') };
}

describe('SRS http_hooks adapter', () => {
  let lh: TestLivehook;
  let c: LiveClient;
  let receiver: Receiver;
  let dir: string;
  let token: string;

  before(async () => {
    // on_dvr needs a real recording (made with ffmpeg), which livehook measures with ffprobe.
    requireFfmpeg();
    requireFfprobe();
    dir = tempDir('livehook-srs-');
    receiver = await Receiver.start();
    lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
    c = lh.client();
    token = lh.bootstrap.hookToken;
  });

  after(async () => {
    await lh?.stop();
    await receiver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A push domain bound to a template whose URLs point at the receiver (path prefix = domain label). */
  async function domainWithCallbacks(label: string): Promise<{ domain: string; masterKey: string; backupKey: string }> {
    const domain = `${label}${++seq}.srs.example.com`;
    await c.AddLiveDomain({ DomainName: domain, DomainType: 0 });
    const template = await c.CreateLiveCallbackTemplate({
      TemplateName: `srs-${seq}`,
      StreamBeginNotifyUrl: receiver.url(`/${domain}/begin`),
      StreamEndNotifyUrl: receiver.url(`/${domain}/end`),
      RecordNotifyUrl: receiver.url(`/${domain}/record`),
      CallbackKey: CALLBACK_KEY,
    });
    await c.CreateLiveCallbackRule({ DomainName: domain, AppName: 'live', TemplateId: template.TemplateId! });
    await c.ModifyLivePushAuthKey({ DomainName: domain, BackupAuthKey: `backup${seq}` });
    const info = (await c.DescribeLivePushAuthKey({ DomainName: domain })).PushAuthKeyInfo!;
    return { domain, masterKey: info.MasterAuthKey!, backupKey: info.BackupAuthKey! };
  }

  const signed = (key: string, stream: string, expiresIn = 3600) => {
    const txTime = (Math.floor(Date.now() / 1000) + expiresIn).toString(16).toUpperCase();
    return `txSecret=${md5(key + stream + txTime)}&txTime=${txTime}`;
  };

  async function hook(body: string, query = `token=${token}`, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    return hookAt(`${lh.httpUrl}/hooks/srs${query ? `?${query}` : ''}`, body, headers);
  }

  /** POSTs as SRS's HTTP client does (Content-Type: application/json). */
  async function hookAt(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed };
  }

  function signedBody(req: ReceivedRequest): Record<string, unknown> {
    const body = req.json as Record<string, unknown>;
    assert.equal(body.sign, md5(CALLBACK_KEY + String(body.t)));
    return body;
  }

  test('documented hook URLs: on_publish → {"code":0} and event 1; on_unpublish → event 0 with the same sequence; on_dvr → event 100', async () => {
    const { domain, masterKey } = await domainWithCallbacks('main');
    const stream = 'livestream';
    const query = signed(masterKey, stream);
    const request: SrsRequest = { clientId: '341w361a', tcUrl: `rtmp://${domain}/live`, stream, param: `?${query}` };
    const urls = documentedSrsUrls(lh.httpUrl, token);

    const published = await hookAt(urls.on_publish, srsBody('on_publish', request));
    assert.deepEqual(published, { status: 200, body: { code: 0 } });
    assert.equal(lh.pushes.size, 1);
    const [begin] = await receiver.waitFor(1, { path: `/${domain}/begin` });
    const start = signedBody(begin!);
    assert.equal(start.event_type, 1);
    assert.equal(start.appid, TEST_APPID);
    assert.equal(start.app, domain);
    assert.equal(start.appname, 'live');
    assert.equal(start.stream_id, stream);
    assert.equal(start.stream_param, query, 'stream_param is SRS param without its "?"');
    assert.equal(start.user_ip, SRS_IP);
    assert.equal(start.node, '127.0.0.1');
    assert.equal(start.errcode, 0);

    await sleep(200);
    const unpublished = await hookAt(urls.on_unpublish, srsBody('on_unpublish', request));
    assert.deepEqual(unpublished, { status: 200, body: { code: 0 } });
    const [end] = await receiver.waitFor(1, { path: `/${domain}/end` });
    const stop = signedBody(end!);
    assert.equal(stop.event_type, 0);
    assert.equal(stop.sequence, start.sequence);
    assert.equal(stop.errcode, 1);
    assert.equal(stop.stream_param, query);
    assert.ok(Number(stop.push_duration) >= 200, `push_duration ${String(stop.push_duration)}`);
    assert.equal(lh.pushes.size, 0);

    // SRS runs on_dvr on its own queue: it may come after on_unpublish. The file is relative to cwd.
    const recordDir = path.join(dir, 'objs', 'nginx', 'html', 'live');
    fs.mkdirSync(recordDir, { recursive: true });
    const fileName = `${stream}.${Date.now()}.flv`;
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'flv', path.join(recordDir, fileName)]);
    const dvr = await hookAt(urls.on_dvr, srsBody('on_dvr', { ...request, cwd: dir, file: `./objs/nginx/html/live/${fileName}` }));
    assert.deepEqual(dvr, { status: 200, body: { code: 0 } });
    const [record] = await receiver.waitFor(1, { path: `/${domain}/record` });
    const rec = signedBody(record!);
    assert.equal(rec.event_type, 100);
    assert.equal(rec.app, domain);
    assert.equal(rec.stream_id, stream);
    assert.equal(rec.stream_param, query);
    assert.equal(rec.file_format, 'flv');
    assert.equal(rec.file_size, fs.statSync(path.join(recordDir, fileName)).size);
    assert.equal(rec.duration, 2);
    assert.equal(rec.video_url, `https://files.example.com/dvr/${fileName}`, 'record_base_url of the documented on_dvr URL + file name');
    assert.equal(JSON.parse(String(rec.callback_ext)).video_codec, 'h264');
    assert.equal(JSON.parse(String(rec.callback_ext)).resolution, '640x360');
    assert.equal((rec.end_time as number) - (rec.start_time as number), 2);
  });

  test('on_dvr for a file livehook cannot read: size and duration 0, video_url = the path', async () => {
    const { domain, masterKey } = await domainWithCallbacks('remote');
    const stream = 'remote_file';
    const request: SrsRequest = { clientId: 'remote01', tcUrl: `rtmp://${domain}/live`, stream, param: `?${signed(masterKey, stream)}` };
    assert.deepEqual((await hook(srsBody('on_publish', request))).body, { code: 0 });
    const file = '/data/srs/objs/nginx/html/live/remote_file.1700000000000.mp4';
    assert.deepEqual((await hook(srsBody('on_dvr', { ...request, file }))).body, { code: 0 });
    const [record] = await receiver.waitFor(1, { path: `/${domain}/record` });
    const rec = signedBody(record!);
    assert.equal(rec.file_size, 0);
    assert.equal(rec.duration, 0);
    assert.equal(rec.video_url, file);
    assert.equal(rec.file_format, 'mp4');
    await hook(srsBody('on_unpublish', request));
    await receiver.waitFor(1, { path: `/${domain}/end` });
  });

  test('the domain comes from a named vhost, else the tcUrl host, else domain= in param', async () => {
    const { domain, masterKey, backupKey } = await domainWithCallbacks('vhost');
    const cases: SrsRequest[] = [
      // a named vhost wins over an IP tcUrl; signed with the backup key
      { clientId: 'c-vhost', vhost: domain, tcUrl: 'rtmp://10.0.0.5:1935/live', stream: 'by_vhost', param: `?${signed(backupKey, 'by_vhost')}` },
      // default vhost, IP tcUrl (with SRS's ?vhost= in it), domain= in param
      { clientId: 'c-param', tcUrl: 'rtmp://10.0.0.5:1935/live?vhost=__defaultVhost__', stream: 'by_param', param: `?domain=${domain}&${signed(masterKey, 'by_param')}` },
      // an IP vhost is not a domain either
      { clientId: 'c-ipvhost', vhost: '10.0.0.5', tcUrl: `rtmp://${domain}/live`, stream: 'by_tcurl', param: `?${signed(masterKey, 'by_tcurl')}` },
    ];
    for (const request of cases) {
      assert.deepEqual(await hook(srsBody('on_publish', request)), { status: 200, body: { code: 0 } }, request.stream);
      assert.deepEqual(await hook(srsBody('on_unpublish', request)), { status: 200, body: { code: 0 } }, request.stream);
    }
    const begins = await receiver.waitFor(3, { path: `/${domain}/begin` });
    const ends = await receiver.waitFor(3, { path: `/${domain}/end` });
    assert.deepEqual(begins.map((r) => (r.json as { stream_id: string }).stream_id).sort(), ['by_param', 'by_tcurl', 'by_vhost']);
    assert.deepEqual(ends.map((r) => (r.json as { stream_id: string }).stream_id).sort(), ['by_param', 'by_tcurl', 'by_vhost']);
  });

  test('refusals: HTTP 200 with a non-zero code and a message; no event', async () => {
    const { domain, masterKey } = await domainWithCallbacks('refuse');
    const txTime = (Math.floor(Date.now() / 1000) + 3600).toString(16);
    const refused: [string, SrsRequest][] = [
      ['wrong txSecret', { clientId: 'r1', tcUrl: `rtmp://${domain}/live`, stream: 's1', param: `?txSecret=${md5('nope' + 's1' + txTime)}&txTime=${txTime}` }],
      ['no txSecret', { clientId: 'r2', tcUrl: `rtmp://${domain}/live`, stream: 's2', param: '' }],
      ['expired', { clientId: 'r3', tcUrl: `rtmp://${domain}/live`, stream: 's3', param: `?${signed(masterKey, 's3', -7200)}` }],
      ['unregistered domain', { clientId: 'r4', tcUrl: 'rtmp://unknown.srs.example.com/live', stream: 's4', param: `?${signed(masterKey, 's4')}` }],
      ['no domain at all', { clientId: 'r5', tcUrl: 'rtmp://10.0.0.5/live', stream: 's5', param: `?${signed(masterKey, 's5')}` }],
    ];
    for (const [why, request] of refused) {
      const res = await hook(srsBody('on_publish', request));
      assert.equal(res.status, 200, why);
      const body = res.body as { code: number; msg: string };
      assert.equal(body.code, 403, why);
      assert.equal(typeof body.msg, 'string', why);
      assert.ok(body.msg.length > 0, why);
    }

    // A second publisher of a live stream is refused too.
    const live: SrsRequest = { clientId: 'first', tcUrl: `rtmp://${domain}/live`, stream: 'dup', param: `?${signed(masterKey, 'dup')}` };
    assert.deepEqual((await hook(srsBody('on_publish', live))).body, { code: 0 });
    const second = await hook(srsBody('on_publish', { ...live, clientId: 'second' }));
    assert.equal((second.body as { code: number }).code, 403);
    // ...and its on_unpublish (SRS would not send one, but if it did) does not end the first push.
    assert.deepEqual((await hook(srsBody('on_unpublish', { ...live, clientId: 'second' }))).body, { code: 0 });
    assert.equal(lh.pushes.size, 1);
    await hook(srsBody('on_unpublish', live));

    await receiver.waitFor(1, { path: `/${domain}/end` });
    await sleep(200);
    assert.deepEqual(
      receiver.received((r) => r.path.startsWith(`/${domain}/`)).map((r) => [(r.json as { event_type: number }).event_type, (r.json as { stream_id: string }).stream_id]),
      [[1, 'dup'], [0, 'dup']],
      'only the accepted push produced events',
    );
  });

  test('hooks livehook has no use for are answered {"code":0}; unknown clients change nothing', async () => {
    const { domain, masterKey } = await domainWithCallbacks('noop');
    const request: SrsRequest = { clientId: 'n1', tcUrl: `rtmp://${domain}/live`, stream: 'noop', param: `?${signed(masterKey, 'noop')}` };
    for (const action of ['on_connect', 'on_close', 'on_play', 'on_stop', 'on_hls', 'on_unpublish']) {
      assert.deepEqual(await hook(srsBody(action, request)), { status: 200, body: { code: 0 } }, action);
    }
    assert.deepEqual(await hook(srsBody('on_dvr', { ...request, file: './x.flv' })), { status: 200, body: { code: 0 } });
    await sleep(200);
    assert.deepEqual(receiver.received((r) => r.path.startsWith(`/${domain}/`)), []);
  });

  test('DropLiveStream ends an SRS push in livehook (event 0, errcode 10); SRS\'s later on_unpublish adds nothing', async () => {
    const { domain, masterKey } = await domainWithCallbacks('drop');
    const request: SrsRequest = { clientId: 'd1', tcUrl: `rtmp://${domain}/live`, stream: 'dropped', param: `?${signed(masterKey, 'dropped')}` };
    assert.deepEqual((await hook(srsBody('on_publish', request))).body, { code: 0 });
    await c.DropLiveStream({ DomainName: domain, AppName: 'live', StreamName: 'dropped' });
    const [end] = await receiver.waitFor(1, { path: `/${domain}/end` });
    assert.equal((end!.json as { errcode: number }).errcode, 10);
    assert.deepEqual((await hook(srsBody('on_unpublish', request))).body, { code: 0 });
    await sleep(300);
    assert.equal(receiver.received((r) => r.path === `/${domain}/end`).length, 1);
  });

  test('without the hook token, or with a wrong one: 403, nothing created; the header form works', async () => {
    const { domain, masterKey } = await domainWithCallbacks('token');
    const request: SrsRequest = { clientId: 't1', tcUrl: `rtmp://${domain}/live`, stream: 'tok', param: `?${signed(masterKey, 'tok')}` };
    for (const query of ['', 'token=', 'token=wrong-token-000000000000', `token=${token}x`]) {
      const res = await hook(srsBody('on_publish', request), query);
      assert.equal(res.status, 403, `query ${JSON.stringify(query)}`);
    }
    assert.equal((await hook('not json', '')).status, 403, 'the token is checked before the body is read');
    assert.equal(lh.pushes.size, 0);
    await sleep(200);
    assert.deepEqual(receiver.received((r) => r.path.startsWith(`/${domain}/`)), []);

    const viaHeader = await hook(srsBody('on_publish', request), '', { 'x-livehook-hook-token': token });
    assert.deepEqual(viaHeader, { status: 200, body: { code: 0 } });
    await hook(srsBody('on_unpublish', request), '', { 'x-livehook-hook-token': token });
    await receiver.waitFor(1, { path: `/${domain}/end` });
  });

  test('a body that is not a JSON object → 400', async () => {
    for (const body of ['not json', '[1,2]', '']) {
      const res = await hook(body);
      assert.equal(res.status, 400, JSON.stringify(body));
    }
  });
});
