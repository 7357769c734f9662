import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** rawBody: the exact bytes received; key: the template's CallbackKey. */
export function verifyLivehookCallback(rawBody: string, headers: Record<string, string>, key: string): boolean {
  const body = JSON.parse(rawBody) as { t: number; sign?: string };
  const now = Math.floor(Date.now() / 1000);
  // Tencent's check: t not past, sign = md5(key + t).
  const tencentOk = body.t >= now && createHash('md5').update(key + String(body.t)).digest('hex') === body.sign;
  // Standard Webhooks check: HMAC over id.timestamp.body, timestamp within 5 minutes.
  const id = headers['webhook-id'], ts = headers['webhook-timestamp'];
  const expected = createHmac('sha256', Buffer.from(key, 'utf8')).update(`${id}.${ts}.${rawBody}`).digest();
  const fresh = Math.abs(now - Number(ts)) <= 300;
  const whOk = fresh && (headers['webhook-signature'] ?? '').split(' ').some((entry) => {
    const given = Buffer.from(entry.replace(/^v1,/, ''), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return tencentOk && whOk;
}
