/**
 * Push authentication (pure): `txSecret = md5(key + StreamName + txTime)`, `txTime` the expiry as
 * hex Unix seconds in either case, valid `AuthDelta` seconds more, master or backup key
 * (docs/tencent-compat.md), checked against Tencent's own example.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTxTime, pushSecret, verifyPushAuth, type PushAuthConfig } from '../../src/media/push-auth.js';
import { md5 } from '../helpers/callbacks.js';

// Tencent's documented example.
const KEY = 'e12c46f2612d5106e2034781ab261ca3';
const STREAM = 'test';
const TX_TIME = '5C271099';
const TX_SECRET = 'f85a2ab363fe4deaffef9754d79da6fe';
const EXPIRY = 0x5c271099; // 1546064025 = 2018-12-29T06:13:45Z

const q = (params: Record<string, string>): URLSearchParams => new URLSearchParams(params);
const auth = (overrides: Partial<PushAuthConfig> = {}): PushAuthConfig => ({
  enabled: true,
  masterKey: KEY,
  backupKey: '',
  deltaSeconds: 1800,
  ...overrides,
});
const example = () => q({ txSecret: TX_SECRET, txTime: TX_TIME });

function refused(result: ReturnType<typeof verifyPushAuth>, reason: RegExp): void {
  assert.equal(result.ok, false, 'expected the push to be refused');
  if (!result.ok) assert.match(result.reason, reason);
}

describe('push authentication (pure)', () => {
  test("Tencent's example: the secret and the expiry", () => {
    assert.equal(pushSecret(KEY, STREAM, TX_TIME), TX_SECRET);
    assert.equal(md5(KEY + STREAM + TX_TIME), TX_SECRET);
    assert.equal(EXPIRY, 1546064025);
    assert.equal(parseTxTime(TX_TIME), EXPIRY);
    assert.equal(parseTxTime('5c271099'), EXPIRY);
    assert.equal(parseTxTime('not-hex'), undefined);
    assert.equal(parseTxTime(''), undefined);
  });

  test("Tencent's example is accepted before expiry", () => {
    assert.deepEqual(verifyPushAuth(auth(), STREAM, example(), EXPIRY - 3600), { ok: true });
    assert.deepEqual(verifyPushAuth(auth(), STREAM, example(), EXPIRY), { ok: true });
  });

  test('expiry + AuthDelta is the last valid second', () => {
    assert.deepEqual(verifyPushAuth(auth(), STREAM, example(), EXPIRY + 1800), { ok: true });
    refused(verifyPushAuth(auth(), STREAM, example(), EXPIRY + 1801), /expired/);
    // Another AuthDelta moves the boundary with it.
    assert.deepEqual(verifyPushAuth(auth({ deltaSeconds: 60 }), STREAM, example(), EXPIRY + 60), { ok: true });
    refused(verifyPushAuth(auth({ deltaSeconds: 60 }), STREAM, example(), EXPIRY + 61), /expired/);
    refused(verifyPushAuth(auth({ deltaSeconds: 0 }), STREAM, example(), EXPIRY + 1), /expired/);
  });

  test('an expired txTime is refused even with the right secret, a valid one with the wrong secret', () => {
    refused(verifyPushAuth(auth(), STREAM, example(), EXPIRY + 10 * 86400), /expired/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: md5('nope'), txTime: TX_TIME }), EXPIRY), /does not match/);
  });

  test('wrong secret: another key, another stream, another txTime, truncated, garbage', () => {
    const now = EXPIRY - 60;
    refused(verifyPushAuth(auth({ masterKey: 'someotherkey' }), STREAM, example(), now), /does not match/);
    refused(verifyPushAuth(auth(), 'test2', example(), now), /does not match/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET, txTime: '5C27109A' }), now), /does not match/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET.slice(0, 31), txTime: TX_TIME }), now), /does not match/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: 'x'.repeat(32), txTime: TX_TIME }), now), /does not match/);
  });

  test('the secret is hex and compared case-insensitively', () => {
    assert.deepEqual(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET.toUpperCase(), txTime: TX_TIME }), EXPIRY - 60), { ok: true });
  });

  test('missing parameters are refused', () => {
    const now = EXPIRY - 60;
    refused(verifyPushAuth(auth(), STREAM, q({}), now), /missing/);
    refused(verifyPushAuth(auth(), STREAM, q({ txTime: TX_TIME }), now), /missing/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET }), now), /missing/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: '', txTime: TX_TIME }), now), /missing/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET, txTime: '' }), now), /missing/);
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET, txTime: 'zzzz' }), now), /hex/);
  });

  test('the backup key signs too, with or without a master key', () => {
    const now = EXPIRY - 60;
    assert.deepEqual(verifyPushAuth(auth({ masterKey: 'someotherkey', backupKey: KEY }), STREAM, example(), now), { ok: true });
    assert.deepEqual(verifyPushAuth(auth({ masterKey: '', backupKey: KEY }), STREAM, example(), now), { ok: true });
    // The master key still works when a backup key is set.
    assert.deepEqual(verifyPushAuth(auth({ backupKey: 'backupkey1' }), STREAM, example(), now), { ok: true });
    // An empty key never signs: md5('' + stream + txTime) is not a valid secret.
    refused(verifyPushAuth(auth({ masterKey: '', backupKey: '' }), STREAM, q({ txSecret: md5(STREAM + TX_TIME), txTime: TX_TIME }), now), /does not match/);
  });

  test('auth disabled: everything passes, parameters or not', () => {
    const off = auth({ enabled: false });
    assert.deepEqual(verifyPushAuth(off, STREAM, q({}), EXPIRY), { ok: true });
    assert.deepEqual(verifyPushAuth(off, STREAM, q({ txSecret: 'wrong', txTime: '1' }), EXPIRY + 10 * 86400), { ok: true });
  });

  test('lowercase txTime: same expiry; the secret signs the txTime string as sent', () => {
    const lower = TX_TIME.toLowerCase();
    const secret = md5(KEY + STREAM + lower);
    assert.notEqual(secret, TX_SECRET);
    assert.deepEqual(verifyPushAuth(auth(), STREAM, q({ txSecret: secret, txTime: lower }), EXPIRY + 1800), { ok: true });
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: secret, txTime: lower }), EXPIRY + 1801), /expired/);
    // The uppercase example's secret does not sign the lowercase spelling.
    refused(verifyPushAuth(auth(), STREAM, q({ txSecret: TX_SECRET, txTime: lower }), EXPIRY), /does not match/);
  });

  test('the secret is read from the push URL query as a whole', () => {
    const query = new URLSearchParams(`a=1&txSecret=${TX_SECRET}&txTime=${TX_TIME}&b=2`);
    assert.deepEqual(verifyPushAuth(auth(), STREAM, query, EXPIRY), { ok: true });
  });
});
