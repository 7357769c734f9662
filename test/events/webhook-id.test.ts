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

test('the first 12 hex digits are the creation time in ms, so ids made later sort after', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const before = Date.now();
    const id = newWebhookId();
    const time = parseInt(id.slice(4, 16), 16);
    assert.ok(time >= before && time <= Date.now(), `${id}: ${time} not within [${before}, now]`);
    ids.push(id);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.deepEqual([...ids].sort(), ids);
});
