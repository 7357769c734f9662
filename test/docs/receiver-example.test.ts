/** The receiver-verification example in README (examples/verify-callback.ts) verifies real callbacks. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { verifyLivehookCallback } from '../../examples/verify-callback.js';
import { pushStarted } from '../../src/events/builders.js';
import { TEST_APPID, startTestLivehook, type TestLivehook } from '../helpers/livehook.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const KEY = 'exampleKey123';
const received: Array<{ body: string; headers: Record<string, string> }> = [];
let server: http.Server;
let lh: TestLivehook;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ body, headers: req.headers as Record<string, string> });
      res.end('{"code":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  lh = await startTestLivehook({ flags: { allowPrivateCallbacks: true } });
  const live = lh.client();
  await live.AddLiveDomain({ DomainName: 'example.push.test', DomainType: 0 });
  const { TemplateId } = await live.CreateLiveCallbackTemplate({
    TemplateName: 'example', CallbackKey: KEY, StreamBeginNotifyUrl: `http://127.0.0.1:${port}/begin`,
  });
  await live.CreateLiveCallbackRule({ DomainName: 'example.push.test', AppName: '', TemplateId: TemplateId! });
});

after(async () => {
  await lh.stop();
  server.close();
});

test('README shows examples/verify-callback.ts verbatim', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const example = fs.readFileSync(path.join(repoRoot, 'examples/verify-callback.ts'), 'utf8');
  assert.ok(readme.includes(example), 'README and examples/verify-callback.ts differ');
});

test('the example accepts a real callback and rejects a tampered one or a wrong key', async () => {
  const ctx = { appId: TEST_APPID, domain: 'example.push.test', appName: 'live', stream: 's1', streamParam: 'a=b', sequence: '42' };
  await lh.events.emit(pushStarted(ctx, { node: '127.0.0.1', userIp: '127.0.0.1', width: 0, height: 0, at: Date.now() }));
  for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const callback = received[0];
  assert.ok(callback, 'no callback arrived');
  assert.equal(verifyLivehookCallback(callback.body, callback.headers, KEY), true);
  assert.equal(verifyLivehookCallback(callback.body, callback.headers, 'otherKey'), false);
  assert.equal(verifyLivehookCallback(callback.body.replace('"s1"', '"s2"'), callback.headers, KEY), false);
});
