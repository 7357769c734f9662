import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  signatureExpiry,
  signedHeaders,
  standardWebhookSignature,
  tencentSign,
} from '../../src/delivery/signing.js';

/** standardwebhooks takes a base64 secret; livehook's HMAC key is the key's UTF-8 bytes. */
function verifierFor(callbackKey: string): Webhook {
  return new Webhook(Buffer.from(callbackKey, 'utf8').toString('base64'));
}

test('tencentSign matches a known vector', () => {
  // Computed once with `echo -n abc1231545030873 | md5sum`.
  assert.equal(tencentSign('abc123', 1545030873), '4c062d8d97305474ed7a88cd2c0f4cdc');
});

test('tencentSign is lowercase hex md5 of key followed by t', () => {
  const key = 'Ключ-with-UTF8';
  const t = 1700000600;
  const expected = createHash('md5').update(`${key}${t}`, 'utf8').digest('hex');
  assert.equal(tencentSign(key, t), expected);
  assert.match(tencentSign(key, t), /^[0-9a-f]{32}$/);
});

test('signatureExpiry is now (whole seconds) plus 600 by default', () => {
  assert.equal(signatureExpiry(1_545_030_273_999), 1_545_030_873);
  assert.equal(signatureExpiry(1_545_030_273_000, 60), 1_545_030_333);
});

test('standardWebhookSignature matches a known vector and the reference signer', () => {
  const msgId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const timestampSec = 1674087231;
  const body = '{"test":2432232314}';
  // Computed once with node:crypto HMAC-SHA256(key = utf8 "abc123", msgId.ts.body).
  const expected = 'v1,LXGZ2YD7OlRznHOiw1Em6+NW8ylL0IU+UW7NGqZrsDg=';
  assert.equal(standardWebhookSignature('abc123', msgId, timestampSec, body), expected);
  assert.equal(verifierFor('abc123').sign(msgId, new Date(timestampSec * 1000), body), expected);
});

test('signedHeaders output verifies with the standardwebhooks package', () => {
  const callbackKey = 'my-callback-key';
  const body = JSON.stringify({ event_type: 1, stream_id: 'abc', sign: 'x', t: 1 });
  const headers = signedHeaders({
    callbackKey,
    webhookId: 'evt_01HZX',
    timestampSec: Math.floor(Date.now() / 1000),
    body,
  });
  assert.equal(headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(headers['webhook-id'], 'evt_01HZX');
  assert.deepEqual(verifierFor(callbackKey).verify(body, headers), JSON.parse(body));
  // A different key, or a changed body, must not verify.
  assert.throws(() => verifierFor('other-key').verify(body, headers));
  assert.throws(() => verifierFor(callbackKey).verify(`${body} `, headers));
});

test('several keys give space-separated signatures, each of which verifies', () => {
  const body = '{"event_type":0}';
  const timestampSec = Math.floor(Date.now() / 1000);
  const signature = standardWebhookSignature(['old-key', 'new-key'], 'msg_1', timestampSec, body);
  assert.equal(signature.split(' ').length, 2);
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestampSec), 'webhook-signature': signature };
  for (const key of ['old-key', 'new-key']) {
    assert.doesNotThrow(() => verifierFor(key).verify(body, headers));
  }
});

test('signedHeaders omits the signature when there is no key', () => {
  for (const callbackKey of [undefined, '']) {
    const headers = signedHeaders({ callbackKey, webhookId: 'msg_2', timestampSec: 1700000000, body: '{}' });
    assert.deepEqual(headers, {
      'content-type': 'application/json; charset=utf-8',
      'webhook-id': 'msg_2',
      'webhook-timestamp': '1700000000',
    });
  }
});
