/**
 * The replay record (docs/api-signing.md, "Replays"): the store functions on the test backend,
 * and two livehook instances on one PostgreSQL database refusing each other's replays.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { claimRequestSignature, purgeExpiredRequestSignatures } from '../../src/store/request-signatures.js';
import { TEST_SECRET_ID, TEST_SECRET_KEY, openTestStore, startTestLivehook } from '../helpers/livehook.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { formEncode, nowSeconds, tc3Authorization, v1Params } from '../helpers/tencent-signers.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('a signature is claimed once until it expires, then purged', async () => {
  const { store, close } = await openTestStore();
  cleanups.push(close);
  const now = Date.now();
  assert.equal(await claimRequestSignature(store.db, 'tc3:abc', now + 1000), true);
  assert.equal(await claimRequestSignature(store.db, 'tc3:abc', now + 1000), false);
  assert.equal(await claimRequestSignature(store.db, 'tc3:def', now + 5000), true);
  assert.equal(await purgeExpiredRequestSignatures(store.db, now + 2000), 1);
  assert.equal(await claimRequestSignature(store.db, 'tc3:abc', now + 9000), true);
  assert.equal(await claimRequestSignature(store.db, 'tc3:def', now + 5000), false);
});

interface TcResponse {
  Response: { Error?: { Code: string } };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<string | undefined> {
  const res = await request(`${url}/`, { method: 'POST', headers, body });
  return ((await res.body.json()) as TcResponse).Response.Error?.Code;
}

test('two instances on one PostgreSQL database share the record (TC3 mutation, v1 Nonce)', async () => {
  const db = await createTestDatabase('replay');
  cleanups.push(() => db.drop());
  const [a, b] = await Promise.all([0, 1].map(() => startTestLivehook({ flags: { databaseUrl: db.url, apiReplayGuard: true } })));
  cleanups.push(() => Promise.all([a!.stop(), b!.stop()]));

  // Both listen on 127.0.0.1: a request signed for A's host name is valid on B too.
  const timestamp = nowSeconds();
  const body = JSON.stringify({ TemplateName: 'cluster', StreamEndNotifyUrl: 'http://127.0.0.1:9/e' });
  const headers = {
    'content-type': 'application/json',
    'x-tc-action': 'CreateLiveCallbackTemplate',
    'x-tc-version': '2018-08-01',
    'x-tc-timestamp': String(timestamp),
    authorization: tc3Authorization({
      method: 'POST', host: '127.0.0.1', query: '', contentType: 'application/json', body, timestamp, service: 'live',
      secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY,
    }),
  };
  assert.equal(await post(a!.httpUrl, headers, body), undefined);
  assert.equal(await post(b!.httpUrl, headers, body), 'AuthFailure.SignatureFailure');

  const form = formEncode(
    v1Params({ method: 'POST', host: '127.0.0.1', action: 'DescribeLiveDomains', secretId: TEST_SECRET_ID, secretKey: TEST_SECRET_KEY, nonce: 777 }),
  );
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  assert.equal(await post(b!.httpUrl, formHeaders, form), undefined);
  assert.equal(await post(a!.httpUrl, formHeaders, form), 'AuthFailure.SignatureFailure');
});
