/**
 * The bytes of one attempt: the stored payload plus a fresh `t` (signature expiry, now + 600 s)
 * and `sign` = md5(CallbackKey + t). The stored payload is a JSON object without those two
 * fields, so they are appended as text rather than by parsing and re-serialising it.
 */
import { signatureExpiry, tencentSign } from './signing.js';

export function callbackBody(payload: string, callbackKey: string, nowMs: number): string {
  const t = signatureExpiry(nowMs);
  const tail = callbackKey ? `"t":${t},"sign":"${tencentSign(callbackKey, t)}"}` : `"t":${t}}`;
  const open = payload.trimEnd().slice(0, -1).trimEnd();
  return open === '{' ? open + tail : `${open},${tail}`;
}
