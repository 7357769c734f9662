/**
 * MediaMTX: `authMethod: http` calls `POST /hooks/mediamtx/auth` for every action with
 *   {"ip":"…","user":"…","password":"…","token":"…","action":"publish","path":"live/stream",
 *    "protocol":"rtmp","id":"<uuid>"|null,"query":"txSecret=…&txTime=…&domain=…"}
 * and any 2xx allows. MediaMTX has no HTTP hooks for stream state, so `runOnReady` /
 * `runOnNotReady` run curl against `POST /hooks/mediamtx/ready` and `/not-ready` with `path`,
 * `query`, `source_type` and `source_id` as query parameters (a form body is accepted too).
 *
 * - action `publish`: push admission (push auth, registered domain, forbidden stream, one
 *   publisher per stream). MediaMTX does not report the host the client connected to, so the push
 *   domain comes from `domain=` in the publisher's query. The path is `<app>/<stream>` (split at
 *   the last `/`); a path without `/` is refused. Nothing is sent yet: event 1 waits for ready.
 * - `read`, `playback`: allowed — livehook gates pushes, not playback (as MediaMTX's default
 *   config lets anyone read).
 * - `api`, `metrics`, `pprof`: allowed from loopback only (as MediaMTX's default admin user);
 *   better still, keep them in `authHTTPExclude`.
 * - ready → event 1 of the admitted push; not-ready → event 0. An admission that is not ready
 *   within `readyTimeoutMs` (MediaMTX refused it after authorising, or the client gave up) is
 *   forgotten without any event.
 *
 * Sessions are found by (MediaMTX address, path): a path has at most one publisher at a time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from '../loopback.js';
import { pushDomainOf } from '../stream-names.js';
import { field, parseJsonObject, type AdapterSessions, type HookDeps } from './common.js';
import type { HookFlow } from './hook-flow.js';

/** `live/stream` → app `live`, stream `stream`; `a/b/c` → app `a/b`, stream `c`. */
export function splitMediamtxPath(pathName: string): { app: string; stream: string } | undefined {
  const slash = pathName.lastIndexOf('/');
  if (slash <= 0 || slash === pathName.length - 1) return undefined;
  return { app: pathName.slice(0, slash), stream: pathName.slice(slash + 1) };
}

const json = (reply: FastifyReply, status: number, body: Record<string, unknown>) =>
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));

/** ready/not-ready parameters: the URL's query, overridden by a form body if one was sent. */
function readyParams(request: FastifyRequest): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) params[name] = field(value);
  if (typeof request.body === 'string' && request.body && /^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')) {
    for (const [name, value] of new URLSearchParams(request.body)) params[name] = value;
  }
  return params;
}

export function registerMediamtxRoutes(scope: FastifyInstance, deps: HookDeps, sessions: AdapterSessions, flow: HookFlow): void {
  const { pushes, log } = deps;
  const readyTimeoutMs = deps.readyTimeoutMs ?? 30_000;
  const connectionOf = (request: FastifyRequest, pathName: string) => `mediamtx\n${request.ip}\n${pathName}`;

  scope.post('/hooks/mediamtx/auth', async (request, reply) => {
    const body = parseJsonObject(request.body);
    if (!body) {
      log.info({ route: 'mediamtx/auth', decision: 'bad request' }, 'hook');
      return json(reply, 400, { error: 'the body must be a JSON object' });
    }
    const action = field(body.action);
    const route = `mediamtx/auth:${action || '?'}`;
    const pathName = field(body.path);
    const clientIp = field(body.ip);
    const rawQuery = field(body.query).replace(/^\?/, '');
    const domain = pushDomainOf('', new URLSearchParams(rawQuery));

    if (action === 'read' || action === 'playback') {
      log.info({ route, domain, path: pathName, clientIp, decision: 'allowed' }, 'hook');
      return json(reply, 200, { code: 0 });
    }
    if (action === 'api' || action === 'metrics' || action === 'pprof') {
      const allowed = isLoopback(clientIp);
      log.info({ route, clientIp, decision: allowed ? 'allowed' : 'refused', reason: allowed ? undefined : `${action} is allowed from loopback only` }, 'hook');
      return allowed ? json(reply, 200, { code: 0 }) : json(reply, 403, { error: `${action} is allowed from loopback only` });
    }
    if (action !== 'publish') {
      log.info({ route, clientIp, decision: 'refused', reason: 'unknown action' }, 'hook');
      return json(reply, 403, { error: `unknown action ${JSON.stringify(action)}` });
    }

    const names = splitMediamtxPath(pathName);
    const refuse = (reason: string) => {
      log.info({ route, domain, app: names?.app, stream: names?.stream, path: pathName, clientIp, decision: 'refused', reason }, 'hook');
      return json(reply, 403, { error: reason });
    };
    if (!names) return refuse('the path must be <app>/<stream>');
    const connection = connectionOf(request, pathName);
    // A publish that was authorised but never became ready is replaced by the new attempt.
    const previous = sessions.find(connection, names.app, names.stream);
    if (previous && previous.session.state === 'admitted') {
      pushes.forget(previous.session);
      sessions.delete(previous);
    }
    // MediaMTX starts the push when it reports the stream ready (below), not at authorisation.
    const call = { route, source: 'mediamtx' as const, connection, domain, app: names.app, stream: names.stream, clientIp, clientId: undefined };
    const admission = await flow.publish({ ...call, host: '', rawQuery, node: request.ip }, { startLater: true });
    if (!admission.ok) return json(reply, 403, { error: admission.reason });
    const { entry } = admission;
    const { session } = entry;
    entry.readyTimer = setTimeout(() => {
      entry.readyTimer = undefined;
      if (pushes.forget(session)) {
        sessions.delete(entry);
        log.info({ route: 'mediamtx/auth', domain: session.context.domain, app: session.app, stream: session.stream, decision: 'forgotten', reason: `not ready within ${readyTimeoutMs} ms` }, 'hook');
      }
    }, readyTimeoutMs);
    entry.readyTimer.unref();
    return json(reply, 200, { code: 0 });
  });

  const readyRoute = (name: 'ready' | 'not-ready') =>
    scope.post(`/hooks/mediamtx/${name}`, async (request, reply) => {
      const route = `mediamtx/${name}`;
      const params = readyParams(request);
      const pathName = params.path ?? '';
      const names = splitMediamtxPath(pathName);
      const entry = names && sessions.find(connectionOf(request, pathName), names.app, names.stream);
      const about = { route, app: names?.app, stream: names?.stream, path: pathName, sourceType: params.source_type, sourceId: params.source_id };
      if (!entry && name === 'not-ready' && names) {
        const domain = pushDomainOf('', new URLSearchParams(params.query ?? ''));
        if (await sessions.endedElsewhere('mediamtx', domain, names.app, names.stream, '')) {
          log.info({ ...about, domain, decision: 'ended', reason: 'the push was held by another instance' }, 'hook');
          return json(reply, 200, { code: 0 });
        }
      }
      if (!entry) {
        log.info({ ...about, decision: 'ignored', reason: 'no push of this path was authorised (only publishers that passed /hooks/mediamtx/auth are reported)' }, 'hook');
        return json(reply, 404, { error: 'no authorised push for this path' });
      }
      const { session } = entry;
      const context = { ...about, domain: session.context.domain, sequence: session.context.sequence };
      if (name === 'ready') {
        if (session.state !== 'admitted') {
          log.info({ ...context, decision: 'ignored', reason: `the push is already ${session.state}` }, 'hook');
          return json(reply, 200, { code: 0 });
        }
        sessions.clearReadyTimer(entry);
        await pushes.started(session);
        log.info({ ...context, decision: 'started' }, 'hook');
        return json(reply, 200, { code: 0 });
      }
      if (session.state === 'admitted') {
        pushes.forget(session);
        sessions.delete(entry);
        log.info({ ...context, decision: 'forgotten', reason: 'not ready before it ended' }, 'hook');
        return json(reply, 200, { code: 0 });
      }
      if (!(await sessions.sourceEnded(entry))) {
        log.info({ ...context, decision: 'ignored', reason: 'the push had already ended in livehook' }, 'hook');
        return json(reply, 200, { code: 0 });
      }
      log.info({ ...context, decision: 'ended' }, 'hook');
      return json(reply, 200, { code: 0 });
    });
  readyRoute('ready');
  readyRoute('not-ready');
}
