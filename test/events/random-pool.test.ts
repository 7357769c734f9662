/** The pooled random bytes behind event ids (src/events/random-pool.ts): never handed out twice, across refills. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomHex, randomUint64 } from '../../src/events/random-pool.js';

test('ids drawn across several refills of the pool are all distinct and all of the asked length', () => {
  // 4,096 bytes per refill: 3,000 × 10 + 3,000 × 8 bytes crosses it about 13 times, at uneven offsets.
  const hex = new Set<string>();
  const ints = new Set<bigint>();
  for (let i = 0; i < 3000; i++) {
    const h = randomHex(10);
    assert.match(h, /^[0-9a-f]{20}$/);
    hex.add(h);
    ints.add(randomUint64());
  }
  assert.equal(hex.size, 3000);
  assert.equal(ints.size, 3000);
});
