/**
 * The console's only link to livehook: sign-in/out, the session, and Tencent actions run through
 * POST /console/api/action with the session cookie and the CSRF token. Action errors come back in
 * Tencent's envelope and are thrown as ApiError with the API's own code and message, so that
 * every page can show exactly what the API said.
 */

export interface SessionInfo {
  readonly username: string;
  readonly appId: number;
  readonly csrfToken: string;
  readonly idleTimeoutSec: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 200,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken = '';
/** Called when the server says the session is gone, so that the app shows the sign-in page. */
let onSignedOut: () => void = () => {};

export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

async function post(url: string, body: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NetworkError', 'livehook could not be reached. Check that it is running.', 0);
  }
  const json = (await response.json().catch(() => ({}))) as { Error?: { Code: string; Message: string } };
  if (!response.ok) {
    if (response.status === 401 && url !== '/console/api/login') onSignedOut();
    throw new ApiError(json.Error?.Code ?? `HTTP${response.status}`, json.Error?.Message ?? response.statusText, response.status);
  }
  return json;
}

export async function signIn(username: string, password: string): Promise<SessionInfo> {
  const session = (await post('/console/api/login', { username, password })) as SessionInfo;
  csrfToken = session.csrfToken;
  return session;
}

export async function signOut(): Promise<void> {
  await post('/console/api/logout', {});
  csrfToken = '';
}

/** The current session, or undefined when signed out (the cookie is HttpOnly: only the server knows). */
export async function currentSession(): Promise<SessionInfo | undefined> {
  const response = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (!response.ok) return undefined;
  const session = (await response.json()) as SessionInfo;
  csrfToken = session.csrfToken;
  return session;
}

/** Runs a Tencent action; resolves with its Response (RequestId included), throws ApiError on error. */
export async function callAction<T = Record<string, unknown>>(action: string, params: Record<string, unknown> = {}): Promise<T> {
  const { Response } = (await post('/console/api/action', { Action: action, Params: params })) as {
    Response: { Error?: { Code: string; Message: string } };
  };
  if (Response.Error) throw new ApiError(Response.Error.Code, Response.Error.Message);
  return Response as T;
}

export const errorText = (error: unknown): string =>
  error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
