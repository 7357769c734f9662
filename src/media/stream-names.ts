/**
 * Which push names livehook accepts, from the embedded ingest and every media-server adapter
 * alike (docs/media-servers.md, "Names"): app and stream names of `A-Z a-z 0-9 _ -` only (what
 * the embedded RTMP library can carry; it also keeps names safe as file names, URL segments and
 * log fields), at most 64 and 256 characters (Tencent's AppName and StreamName limits), and a
 * push domain that is a DNS name of at most 253 characters (as `AddLiveDomain` takes it); and
 * where the push domain comes from.
 */
import { isIP } from 'node:net';

export const MAX_APP_NAME_LENGTH = 64;
export const MAX_STREAM_NAME_LENGTH = 256;
export const MAX_DOMAIN_NAME_LENGTH = 253;

const NAME = /^[A-Za-z0-9_-]+$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A lower-case DNS name of two labels or more whose last label (the TLD) is letters only. */
export function isDomainName(name: string): boolean {
  if (name.length > MAX_DOMAIN_NAME_LENGTH) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && /^[a-z]{2,63}$/.test(labels[labels.length - 1]!);
}

/** What is wrong with one app or stream name; the name itself is never echoed (it may be hostile). */
function nameProblemOf(what: 'app' | 'stream', name: string, maxLength: number): string | undefined {
  if (name.length === 0) return `the ${what} name is empty`;
  if (name.length > maxLength) return `the ${what} name is ${name.length} characters long; at most ${maxLength} are allowed`;
  if (!NAME.test(name)) return `the ${what} name may only use A-Z a-z 0-9 _ -`;
  return undefined;
}

/**
 * Why a push with these names must be refused, or undefined when they are acceptable. `domain`
 * is the push domain as livehook derived it (undefined when there is none: that is refused
 * elsewhere, with its own reason).
 */
export function nameProblem(names: { readonly domain?: string | undefined; readonly app: string; readonly stream: string }): string | undefined {
  if (names.domain !== undefined && !isDomainName(names.domain)) {
    return names.domain.length > MAX_DOMAIN_NAME_LENGTH
      ? `the push domain is ${names.domain.length} characters long; at most ${MAX_DOMAIN_NAME_LENGTH} are allowed`
      : `the push domain ${JSON.stringify(names.domain)} is not a valid domain name`;
  }
  return nameProblemOf('app', names.app, MAX_APP_NAME_LENGTH) ?? nameProblemOf('stream', names.stream, MAX_STREAM_NAME_LENGTH);
}

/** The push domain: the connected host, or the `domain=` query parameter when that host is an IP. */
export function pushDomainOf(host: string, query: URLSearchParams): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  const named = bare && !isIP(bare) && bare !== 'localhost' ? bare : query.get('domain') ?? '';
  return named ? named.toLowerCase() : undefined;
}
