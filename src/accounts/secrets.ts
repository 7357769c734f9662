/** Random credentials in Tencent's shapes: SecretId `AKID` + 32, SecretKey 32 alphanumerics. */
import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export const generateSecretId = (): string => 'AKID' + randomAlphanumeric(32);
export const generateSecretKey = (): string => randomAlphanumeric(32);
export const generatePassword = (): string => randomAlphanumeric(20);
/** Hex keys like the ones Tencent generates for push authentication. */
export const generateHexKey = (): string => randomBytes(16).toString('hex');
