/**
 * url-memo (src/delivery/url-memo.ts): what is derived from a URL is derived once per URL text, and
 * a stream of distinct URLs never grows the memo past its size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoizeByUrl } from '../../src/delivery/url-memo.js';

test('each URL is parsed once while the memo holds it; a full memo starts again', () => {
  const parsed: string[] = [];
  const hostOf = memoizeByUrl((url) => (parsed.push(url), new URL(url).host), 3);
  assert.equal(hostOf('http://a.example/x'), 'a.example');
  assert.equal(hostOf('http://a.example/x'), 'a.example');
  assert.deepEqual(parsed, ['http://a.example/x']);
  for (const host of ['b', 'c', 'd']) hostOf(`http://${host}.example/`);
  // The fourth distinct URL found the memo full: it was emptied, so `a` is parsed again.
  assert.equal(hostOf('http://a.example/x'), 'a.example');
  assert.deepEqual(parsed, ['http://a.example/x', 'http://b.example/', 'http://c.example/', 'http://d.example/', 'http://a.example/x']);
});

test('an undefined answer is remembered too', () => {
  let calls = 0;
  const nothing = memoizeByUrl(() => (calls++, undefined));
  nothing('x');
  nothing('x');
  assert.equal(calls, 1);
});
