/**
 * Push authentication, as Tencent does it: `txSecret = md5(key + StreamName + txTime)` with
 * `txTime` the expiry as hex Unix seconds (either case), valid for `AuthDelta` seconds more; the master or the backup key may sign. Pure: no clock, no I/O.
 */
import { hash, timingSafeEqual } from 'node:crypto';

export interface PushAuthConfig {
  readonly enabled: boolean;
  readonly masterKey: string;
  readonly backupKey: string;
  readonly deltaSeconds: number;
}

export type PushAuthResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export const pushSecret = (key: string, stream: string, txTime: string): string =>
  hash('md5', key + stream + txTime, 'hex');

/** `txTime` → Unix seconds; it is hex, as Tencent documents (`5C271099`, `5c2acacc`). */
export function parseTxTime(txTime: string): number | undefined {
  if (/^[0-9A-Fa-f]{1,12}$/.test(txTime)) return parseInt(txTime, 16);
  return undefined;
}

export function verifyPushAuth(
  auth: PushAuthConfig,
  stream: string,
  query: URLSearchParams,
  nowSeconds: number,
): PushAuthResult {
  if (!auth.enabled) return { ok: true };
  const txSecret = query.get('txSecret');
  const txTime = query.get('txTime');
  if (!txSecret || !txTime) return { ok: false, reason: 'push authentication is on and txSecret/txTime are missing' };
  const expiry = parseTxTime(txTime);
  if (expiry === undefined) return { ok: false, reason: `txTime ${JSON.stringify(txTime)} is not a hex Unix time` };
  if (nowSeconds > expiry + auth.deltaSeconds) return { ok: false, reason: 'txTime has expired' };
  const given = Buffer.from(txSecret.toLowerCase());
  for (const key of [auth.masterKey, auth.backupKey]) {
    if (!key) continue;
    const expected = Buffer.from(pushSecret(key, stream, txTime));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return { ok: true };
  }
  return { ok: false, reason: 'txSecret does not match the master or backup key' };
}
