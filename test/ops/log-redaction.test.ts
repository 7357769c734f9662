/**
 * Secrets never reach the log (src/ops/log.ts): keys, callback keys, push auth keys, passwords
 * and signatures one level down in a log object, and credential headers of a request, are written
 * as "[redacted]"; everything else is written as given, and the caller's objects are not changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CENSOR, createLogger, SECRET_FIELDS } from '../../src/ops/log.js';

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, any>);
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

test('every secret field one level down is censored, and the caller keeps its values', async () => {
  const { log, lines } = capture();
  const template = Object.fromEntries([...SECRET_FIELDS].map((field) => [field, `value-of-${field}`]));
  const given = { template: { ...template, TemplateName: 'kept' }, stream: 'live1' };
  log.info(given, 'template');
  await flushed();
  for (const field of SECRET_FIELDS) assert.equal(lines[0]!.template[field], CENSOR, field);
  assert.equal(lines[0]!.template.TemplateName, 'kept');
  assert.equal(lines[0]!.stream, 'live1');
  assert.equal((given.template as Record<string, string>).callbackKey, 'value-of-callbackKey', 'the caller object is unchanged');
  assert.ok(!JSON.stringify(lines).includes('value-of-'));
});

test('request credentials are censored: req.headers and headers', async () => {
  const { log, lines } = capture();
  log.info({ req: { method: 'POST', headers: { authorization: 'TC3-HMAC-SHA256 Credential=AKID…', cookie: 'sid=1', host: 'h' } } }, 'request');
  log.info({ headers: { authorization: 'Bearer x', 'content-type': 'text/plain' } }, 'headers');
  await flushed();
  assert.deepEqual(lines[0]!.req.headers, { authorization: CENSOR, cookie: CENSOR, host: 'h' });
  assert.equal(lines[0]!.req.method, 'POST');
  assert.deepEqual(lines[1]!.headers, { authorization: CENSOR, 'content-type': 'text/plain' });
});

test('an error keeps its message and stack when a secret field on it is censored', async () => {
  const { log, lines } = capture();
  const err = Object.assign(new Error('callback failed'), { callbackKey: 'k3y' });
  log.error({ err }, 'failed');
  await flushed();
  assert.equal(lines[0]!.err.message, 'callback failed');
  assert.match(lines[0]!.err.stack, /callback failed/);
  assert.equal(lines[0]!.err.callbackKey, CENSOR);
  assert.equal(err.callbackKey, 'k3y');
});

test('a line without secrets is written as given', async () => {
  const { log, lines } = capture();
  log.info({ domain: 'push.example.com', sizes: [1, 2], nested: { a: 1 } }, 'plain');
  await flushed();
  assert.deepEqual({ domain: lines[0]!.domain, sizes: lines[0]!.sizes, nested: lines[0]!.nested }, { domain: 'push.example.com', sizes: [1, 2], nested: { a: 1 } });
});
