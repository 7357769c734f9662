/**
 * Remote push authentication: per push domain, the customer's server decides whether a publish
 * may start (docs/remote-push-auth.md). livehook POSTs the push's details to the domain's URL
 * after its own checks (domain, forbidden stream, txSecret) pass; HTTP 200 allows, 403 denies,
 * and anything else — another status, a timeout, a refused or blocked address — is retried up
 * to `retries` times and then follows the domain's `onFailure` (allow by default, as Tencent).
 *
 * The call goes through the callback HTTP client, so the SSRF guard and the no-redirect rule
 * apply to it exactly as to callbacks.
 */
import type { DomainConfig } from '../bindings/config-cache.js';
import type { CallbackHttpClient } from '../delivery/http-client.js';

export const REMOTE_AUTH_TIMEOUT_RANGE_MS = [500, 3000] as const;
export const REMOTE_AUTH_RETRY_RANGE = [0, 3] as const;

export type RemoteAuthConfig = DomainConfig['remoteAuth'];

export interface RemoteAuthRequest {
  readonly domain: string;
  readonly app: string;
  readonly stream: string;
  readonly clientIp: string;
  /** The push URL's query string, unchanged. */
  readonly rawQuery: string;
}

/** allowed/denied: the server answered 200/403; failed-*: it did not, and onFailure decided. */
export type RemoteAuthResult = 'allowed' | 'denied' | 'failed-allowed' | 'failed-denied';

export interface RemoteAuthDecision {
  readonly ok: boolean;
  readonly result: RemoteAuthResult;
  /** Why, for the log line: the status or failure of the last try. */
  readonly detail: string;
  readonly tries: number;
}

type Poster = Pick<CallbackHttpClient, 'post'>;

/**
 * The URL asked: the configured one with the push URL's own query parameters and Tencent's
 * `host`, `uri` and `client_ip` parameters added.
 */
export function remoteAuthUrl(config: RemoteAuthConfig, request: RemoteAuthRequest): string {
  const url = new URL(config.url);
  for (const [name, value] of new URLSearchParams(request.rawQuery)) url.searchParams.append(name, value);
  const uri = `/${request.app}/${request.stream}${request.rawQuery ? `?${request.rawQuery}` : ''}`;
  url.searchParams.set('host', request.domain);
  url.searchParams.set('uri', uri);
  url.searchParams.set('client_ip', request.clientIp);
  return url.toString();
}

export async function askRemoteAuth(http: Poster, config: RemoteAuthConfig, request: RemoteAuthRequest): Promise<RemoteAuthDecision> {
  const url = remoteAuthUrl(config, request);
  const body = JSON.stringify({
    domain: request.domain,
    app: request.app,
    stream: request.stream,
    client_ip: request.clientIp,
    stream_param: request.rawQuery,
  });
  let detail = '';
  let tries = 0;
  while (tries <= config.retries) {
    tries++;
    try {
      const outcome = await http.post(url, body, { 'content-type': 'application/json' }, AbortSignal.timeout(config.timeoutMs));
      const status = outcome.status;
      if (status === 200) return { ok: true, result: 'allowed', detail: 'HTTP 200', tries };
      if (status === 403) return { ok: false, result: 'denied', detail: 'HTTP 403', tries };
      detail = outcome.ok || outcome.kind === 'status' ? `HTTP ${outcome.status}` : `${outcome.kind}: ${outcome.message}`;
    } catch {
      // The client rejects only when the signal aborts: this try's deadline passed.
      detail = `timeout: no answer within ${config.timeoutMs} ms`;
    }
  }
  const ok = config.onFailure === 'allow';
  return { ok, result: ok ? 'failed-allowed' : 'failed-denied', detail, tries };
}
