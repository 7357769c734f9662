/** The session cookie: read from the Cookie header, written with the attributes that protect it. */
export const SESSION_COOKIE = 'livehook_console';

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * HttpOnly: page scripts never see it. SameSite=Strict: other sites' pages cannot make the browser
 * send it. Path=/console: the Tencent API route never receives it. Secure only over HTTPS, so that
 * a plain-HTTP install on a LAN still works.
 */
export function sessionCookie(value: string, options: { maxAgeSec: number; secure: boolean }): string {
  const attributes = [`${SESSION_COOKIE}=${value}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict', `Max-Age=${options.maxAgeSec}`];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}
