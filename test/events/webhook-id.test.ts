/**
 * Webhook ids (src/events/emit.ts): the format DescribeCallbackEvents returns and ResendCallbackEvent
 * accepts, unique, and in creation order, so that the events table's unique index grows at its end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newWebhookId } from '../../src/events/emit.js';

test('msg_ and 32 hex digits, unique over 100,000', () => {
  const ids = Array.from({ length: 100_000 }, newWebhookId);
  for (const id of ids.slice(0, 100)) assert.match(id, /^msg_[0-9a-f]{32}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('an id made a millisecond later sorts after', async () => {
  const first = newWebhookId();
  await new Promise((resolve) => setTimeout(resolve, 2));
  const later = newWebhookId();
  assert.ok(first < later, `${first} < ${later}`);
  assert.ok(parseInt(later.slice(4, 16), 16) - parseInt(first.slice(4, 16), 16) >= 1, 'the first 12 digits are the time in ms');
});
