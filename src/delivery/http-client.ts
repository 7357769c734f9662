/**
 * The only way livehook sends HTTP to customer URLs (callbacks, SendTestCallback, resends).
 *
 * Rules it enforces, so that no caller can forget them (docs/delivery.md):
 * - SSRF: a receiver may not be loopback, private, link-local, CGNAT, multicast or reserved. The
 *   check runs where the socket is opened — IP-literal hosts before connecting, host names inside
 *   the connector's DNS lookup — so a name that resolves differently later (DNS rebinding) is
 *   still caught. `allowPrivate` (`--allow-private-callbacks`) and `allowCidrs` relax it.
 * - No redirects: a 3xx is a failed attempt, never followed (it could point anywhere).
 * - Bounded: one deadline covers connect, headers and body; at most 2 KiB of a response is kept.
 * - Typed outcome: network failures come back as a `CallbackResult`, never as a thrown error, and
 *   are told apart by `kind`, not by message text.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { PostExchange } from './post-exchange.js';
import { memoizeByUrl } from './url-memo.js';

/** Whole-attempt deadline (Tencent waits 20 s for a callback response). */
export const DEFAULT_TIMEOUT_MS = 20_000;
/** TCP/TLS connect deadline; a dead host should not hold a slot for the full timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How much of a response body is kept for the attempt log; the rest is never read. */
export const RESPONSE_EXCERPT_BYTES = 2048;

export type CallbackFailureKind = 'blocked-address' | 'dns' | 'timeout' | 'connect' | 'status' | 'invalid-url';

export interface CallbackSuccess {
  ok: true;
  status: number;
  latencyMs: number;
  responseExcerpt: string;
}

export interface CallbackFailure {
  ok: false;
  kind: CallbackFailureKind;
  /** Set when kind is `status`. */
  status?: number;
  /** From `Retry-After` (seconds or HTTP date) on a non-2xx response. */
  retryAfterSeconds?: number;
  latencyMs: number;
  responseExcerpt?: string;
  message: string;
}

export type CallbackResult = CallbackSuccess | CallbackFailure;

export interface AddressPolicy {
  /** `--allow-private-callbacks`: refuse no address at all. Default false. */
  allowPrivate?: boolean;
  /** CIDRs (or single addresses) allowed even inside a refused range, e.g. an internal receiver. */
  allowCidrs?: readonly string[];
}

export interface CallbackHttpClientOptions extends AddressPolicy {
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Connection cap per origin; unset means no cap here. When set, keep it at or above the
   * dispatcher's per-host concurrency, or requests queue here and the wait counts against timeoutMs.
   */
  maxConnectionsPerHost?: number;
}

export interface CallbackHttpClient {
  /**
   * POSTs `body` to `url`. Resolves with the outcome; rejects only if `signal` is aborted (an
   * aborted attempt, e.g. at shutdown, is not a failed delivery and must not be counted as one).
   */
  post(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<CallbackResult>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Address policy

interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

/** IPv4 ranges that are not globally reachable (IANA special-purpose registry). */
const REFUSED_IPV4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // RFC 1918 private
  '100.64.0.0/10', // CGNAT shared address space
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, incl. cloud metadata 169.254.169.254
  '172.16.0.0/12', // RFC 1918 private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1 documentation
  '192.88.99.0/24', // deprecated 6to4 relay anycast
  '192.168.0.0/16', // RFC 1918 private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // TEST-NET-2 documentation
  '203.0.113.0/24', // TEST-NET-3 documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved (includes broadcast 255.255.255.255)
  '255.255.255.255/32', // limited broadcast
].map(parseCidr);

/** IPv6 ranges that are not globally reachable. */
const REFUSED_IPV6 = [
  '::/128', // unspecified
  '::1/128', // loopback
  '100::/64', // discard-only
  '2001:db8::/32', // documentation
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'ff00::/8', // multicast
].map(parseCidr);

/**
 * IPv6 ranges that carry an IPv4 address, which would otherwise smuggle a refused IPv4 target
 * past the IPv6 table. The embedded address is judged by the IPv4 rules.
 */
const EMBEDDING_IPV6: readonly { range: Cidr; ipv4Offset: number }[] = [
  { range: parseCidr('::ffff:0:0/96'), ipv4Offset: 12 }, // IPv4-mapped
  { range: parseCidr('64:ff9b::/96'), ipv4Offset: 12 }, // NAT64 well-known prefix
  { range: parseCidr('2002::/16'), ipv4Offset: 2 }, // 6to4
];

function parseIPv4(text: string): Uint8Array | null {
  return isIPv4(text) ? Uint8Array.from(text.split('.'), Number) : null;
}

function parseIPv6(text: string): Uint8Array | null {
  const address = text.split('%', 1)[0] ?? ''; // drop a zone id ("fe80::1%eth0")
  if (!isIPv6(address)) return null;
  // A dotted IPv4 tail ("::ffff:10.0.0.1") becomes the two hex groups it stands for.
  let hex = address;
  const lastColon = address.lastIndexOf(':');
  const v4Tail = parseIPv4(address.slice(lastColon + 1));
  if (v4Tail) {
    const [a = 0, b = 0, c = 0, d = 0] = v4Tail;
    hex = `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = new Uint8Array(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

function parseIp(text: string): Uint8Array | null {
  return parseIPv4(text) ?? parseIPv6(text);
}

function parseCidr(text: string): Cidr {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  const bytes = match?.[1] === undefined ? null : parseIp(match[1]);
  const maxPrefix = (bytes?.length ?? 0) * 8;
  const prefix = match?.[2] === undefined ? maxPrefix : Number(match[2]);
  if (!bytes || prefix > maxPrefix) throw new Error(`invalid CIDR: ${JSON.stringify(text)}`);
  return { bytes, prefix };
}

function inCidr(address: Uint8Array, cidr: Cidr): boolean {
  if (address.length !== cidr.bytes.length) return false;
  for (let i = 0, bits = cidr.prefix; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((address[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The address itself, plus the IPv4 address it embeds if it is mapped, NAT64 or 6to4. */
function addressForms(address: Uint8Array): Uint8Array[] {
  const embedding = EMBEDDING_IPV6.find(({ range }) => inCidr(address, range));
  if (!embedding) return [address];
  return [address, address.subarray(embedding.ipv4Offset, embedding.ipv4Offset + 4)];
}

function isRefused(address: Uint8Array): boolean {
  const table = address.length === 4 ? REFUSED_IPV4 : REFUSED_IPV6;
  return table.some((cidr) => inCidr(address, cidr));
}

/** Builds the address check once; throws on a malformed allow-list entry (a config error). */
function compileAddressPolicy(policy: AddressPolicy): (ip: string) => boolean {
  if (policy.allowPrivate) return () => true;
  const allowed = (policy.allowCidrs ?? []).map(parseCidr);
  return (ip) => {
    const address = parseIp(ip);
    if (!address) return false;
    const forms = addressForms(address);
    if (forms.some((form) => allowed.some((cidr) => inCidr(form, cidr)))) return true;
    return !forms.some(isRefused);
  };
}

/** Whether livehook may connect to `ip` under `policy` (allow-list first, then refused ranges). */
export function isAllowedAddress(ip: string, policy: AddressPolicy): boolean {
  return compileAddressPolicy(policy)(ip);
}

// ---------------------------------------------------------------------------------------------
// Connect-time DNS filter

class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

/** A DNS lookup for the undici connector that drops refused addresses from every answer. */
function filteringLookup(isAllowed: (ip: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      const usable = addresses.filter(({ address }) => isAllowed(address));
      const first = usable[0];
      if (!first) {
        const seen = addresses.map(({ address }) => address).join(', ');
        return callback(new BlockedAddressError(`${hostname} resolves only to refused addresses (${seen})`), []);
      }
      if (options.all) return callback(null, usable);
      callback(null, first.address, first.family);
    });
  };
}

// ---------------------------------------------------------------------------------------------
// Outcome classification

const DNS_ERROR_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA']);
const TIMEOUT_ERROR_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Errors may arrive wrapped by undici; the first one in the cause chain that we recognise wins. */
function failureKindOf(error: unknown): CallbackFailureKind {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof BlockedAddressError) return 'blocked-address';
    const { code, syscall } = current as NodeJS.ErrnoException;
    if (syscall === 'getaddrinfo' || (code && DNS_ERROR_CODES.has(code))) return 'dns';
    if (code && TIMEOUT_ERROR_CODES.has(code)) return 'timeout';
  }
  return 'connect';
}

/** An abort reason as an Error, which undici's controller takes. */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/** `Retry-After` as whole seconds from now: delta-seconds or an HTTP date; undefined if unusable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  // HTTP dates start with a day name; this keeps Date.parse from accepting things like "1.5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** `URL.hostname` keeps IPv6 brackets; returns the bare address, or null for a host name. */
function ipLiteralOf(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

/** Where a POST to `url` goes, or why it cannot go anywhere (kept per URL: url-memo.ts). */
type Destination = { readonly origin: string; readonly path: string; readonly literal: string | null } | { readonly refused: string };

const destinationOf = memoizeByUrl((url: string): Destination => {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { refused: `not a URL: ${url}` };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return { refused: `unsupported scheme ${target.protocol}` };
  return { origin: target.origin, path: `${target.pathname}${target.search}`, literal: ipLiteralOf(target.hostname) };
});

// ---------------------------------------------------------------------------------------------
// Client

export function createCallbackHttpClient(options: CallbackHttpClientOptions = {}): CallbackHttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const isAllowed = compileAddressPolicy(options);
  const agent = new Agent({
    connect: {
      timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(options.allowPrivate ? {} : { lookup: filteringLookup(isAllowed) }),
    },
    // The deadline below governs; undici's own phase timers must not fire first.
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(options.maxConnectionsPerHost === undefined ? {} : { connections: options.maxConnectionsPerHost }),
  });

  // The caller's signal (one shutdown signal for every attempt) gets one 'abort' listener per
  // client, which aborts the requests in flight: an EventTarget walks all its listeners on every
  // add and remove, and thousands of requests may be in flight.
  const inFlight = new WeakMap<AbortSignal, Set<PostExchange>>();
  function follow(signal: AbortSignal, request: PostExchange): () => void {
    let requests = inFlight.get(signal);
    if (!requests) {
      const created = new Set<PostExchange>();
      signal.addEventListener('abort', () => { for (const r of created) r.abort(reasonOf(signal)); }, { once: true });
      inFlight.set(signal, (requests = created));
    }
    requests.add(request);
    return () => requests.delete(request);
  }

  async function post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CallbackResult> {
    signal?.throwIfAborted();
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);

    const destination = destinationOf(url);
    if ('refused' in destination) return { ok: false, kind: 'invalid-url', latencyMs: 0, message: destination.refused };
    if (destination.literal !== null && !isAllowed(destination.literal)) {
      return { ok: false, kind: 'blocked-address', latencyMs: 0, message: `${destination.literal} is a refused address` };
    }

    const request = new PostExchange(RESPONSE_EXCERPT_BYTES);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.abort(new Error(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    const unfollow = signal ? follow(signal, request) : undefined;

    try {
      const { status, retryAfter, excerpt: responseExcerpt } = await request.send(agent, {
        origin: destination.origin,
        path: destination.path,
        method: 'POST',
        headers,
        body,
      });
      if (status >= 200 && status < 300) return { ok: true, status, latencyMs: elapsed(), responseExcerpt };
      const retryAfterSeconds = parseRetryAfter(retryAfter, Date.now());
      return {
        ok: false,
        kind: 'status',
        status,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        latencyMs: elapsed(),
        responseExcerpt,
        message: `HTTP ${status}`,
      };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) {
        return { ok: false, kind: 'timeout', latencyMs: elapsed(), message: `no complete response within ${timeoutMs} ms` };
      }
      return { ok: false, kind: failureKindOf(error), latencyMs: elapsed(), message: messageOf(error) };
    } finally {
      clearTimeout(timer);
      unfollow?.();
    }
  }

  return { post, close: () => agent.close() };
}
