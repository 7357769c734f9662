/**
 * Random bytes for ids on the event path, drawn from the CSPRNG 4 KiB at a time: a call into it
 * per id (`randomBytes(10)`) cost ~7 µs, the pooled read ~0.2 µs. Each byte is handed out once.
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let at = pool.length;

/** `n` (≤ 4096) fresh random bytes, valid until the next call. */
function take(n: number): { buffer: Buffer; start: number } {
  if (at + n > pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  at += n;
  return { buffer: pool, start: at - n };
}

export function randomHex(bytes: number): string {
  const { buffer, start } = take(bytes);
  return buffer.toString('hex', start, start + bytes);
}

export function randomUint64(): bigint {
  const { buffer, start } = take(8);
  return buffer.readBigUInt64BE(start);
}
