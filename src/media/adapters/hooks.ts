/**
 * The media-server hook routes (docs/media-servers.md), in one encapsulated Fastify scope of their own so that
 * their body parsing never touches the API route (which signs raw bytes in its own scope):
 *   POST /hooks/nginx-rtmp/on_publish | on_publish_done | on_record_done   (form-encoded)
 *   POST /hooks/srs                                                        (JSON, `action`)
 *   POST /hooks/mediamtx/auth | ready | not-ready                          (JSON / query)
 *
 * Every call must carry the hook token (`?token=` or `X-Livehook-Hook-Token`); the check runs
 * before the body is read, and a missing or wrong token gets 403 and changes nothing. Each hook
 * answers only after the events it causes are durably stored (docs/delivery.md, "Nothing lost"), and
 * writes one log line (route, domain/app/stream, decision): at debug when the hook was accepted or
 * ended a push, which push-sessions.ts logs at info already.
 */
import type { FastifyInstance } from 'fastify';
import { AdapterSessions, HOOK_TOKEN_HEADER, field, tokenMatches, type HookDeps } from './common.js';
import { HookFlow } from './hook-flow.js';
import { registerMediamtxRoutes } from './mediamtx.js';
import { registerNginxRtmpRoutes } from './nginx-rtmp.js';
import { registerSrsRoutes } from './srs.js';

/** Hook bodies are small (nginx sends a few hundred bytes); anything larger is refused. */
export const MAX_HOOK_BODY_BYTES = 64 * 1024;
const RETAIN_ENDED_MS = 10 * 60_000;

export async function registerHookRoutes(app: FastifyInstance, deps: HookDeps): Promise<void> {
  await app.register(async (scope) => {
    const sessions = new AdapterSessions(deps.pushes, deps.retainEndedMs ?? RETAIN_ENDED_MS);
    const flow = new HookFlow(deps, sessions);
    scope.addHook('onClose', async () => sessions.close());

    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_HOOK_BODY_BYTES }, (_request, body, done) => done(null, body));

    scope.addHook('onRequest', async (request, reply) => {
      const header = request.headers[HOOK_TOKEN_HEADER];
      const given = field((request.query as Record<string, unknown>).token) || field(header);
      if (tokenMatches(given, deps.hookToken)) return;
      deps.log.info({ route: request.routeOptions.url ?? request.url.split('?', 1)[0], clientIp: request.ip, decision: 'refused', reason: given ? 'wrong hook token' : 'no hook token' }, 'hook');
      return reply.code(403).type('application/json; charset=utf-8').send(JSON.stringify({ code: 403, msg: 'missing or wrong hook token' }));
    });

    scope.setErrorHandler((rawError, request, reply) => {
      const { statusCode: status, message } = rawError as { statusCode?: number; message?: string };
      const clientError = status !== undefined && status >= 400 && status < 500;
      if (clientError) deps.log.info({ route: request.routeOptions.url, decision: 'bad request', reason: message }, 'hook');
      else deps.log.error({ route: request.routeOptions.url, err: rawError }, 'hook failed');
      return reply
        .code(clientError ? status : 500)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ code: clientError ? status : 500, msg: clientError ? 'the request could not be read' : 'internal error' }));
    });

    registerNginxRtmpRoutes(scope, flow);
    registerSrsRoutes(scope, flow, deps.log);
    registerMediamtxRoutes(scope, deps, sessions, flow);
  });
}
