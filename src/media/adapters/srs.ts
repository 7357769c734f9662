/**
 * SRS `http_hooks`: one route, `POST /hooks/srs`, for every hook; the JSON `action` says which.
 * SRS 5/6 send (srs_app_http_hooks.cpp), e.g. for on_publish:
 *   {"server_id":"vid-0xk989d","service_id":"plw6u97x","action":"on_publish","client_id":"341w361a",
 *    "ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live","tcUrl":"rtmp://push.example.com/live",
 *    "stream":"livestream","param":"?txSecret=…&txTime=…","stream_url":"/live/livestream","stream_id":"vid-124q9y3"}
 * and on_dvr adds `cwd` and `file` (relative to `cwd` unless absolute).
 *
 * SRS accepts only HTTP 200/201 with a body that is `0` or an object whose `code` is 0; anything
 * else refuses on_publish (and is logged and ignored for on_unpublish / on_dvr). livehook answers
 * HTTP 200 `{"code":0}` to allow and HTTP 200 `{"code":403,"msg":"…"}` to refuse, so SRS's log
 * shows the reason. Hooks livehook has no use for (on_connect, on_close, on_play, on_stop, on_hls)
 * are answered `{"code":0}`: livehook does not gate playback.
 *
 * Push domain: `vhost`, unless it is `__defaultVhost__` or an IP address; then the tcUrl host;
 * then `domain=` in `param`.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { pushDomainOf } from '../push-sessions.js';
import { field, hostOf, parseJsonObject, recordFileEvent, type AdapterSessions, type HookDeps } from './common.js';
import type { ProbeMedia } from './probe.js';

const DEFAULT_VHOST = '__defaultVhost__';

const reply200 = (reply: FastifyReply, code: number, msg?: string) =>
  reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(msg === undefined ? { code } : { code, msg }));

/** The host SRS reports for the push: a named vhost, else the tcUrl host ('' when neither names one). */
export function srsHost(vhost: string, tcUrl: string): string {
  if (vhost && vhost !== DEFAULT_VHOST && !isIP(vhost)) return vhost;
  return hostOf(tcUrl);
}

export function registerSrsRoutes(scope: FastifyInstance, deps: HookDeps, sessions: AdapterSessions, probe: ProbeMedia): void {
  const { pushes, events, log } = deps;

  scope.post('/hooks/srs', async (request, reply) => {
    const body = parseJsonObject(request.body);
    if (!body) {
      log.info({ route: 'srs', decision: 'bad request' }, 'hook');
      return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify({ code: 400, msg: 'the body must be a JSON object' }));
    }
    const action = field(body.action);
    const route = `srs/${action || '?'}`;
    const app = field(body.app);
    const stream = field(body.stream);
    const rawQuery = field(body.param).replace(/^\?/, '');
    const host = srsHost(field(body.vhost), field(body.tcUrl));
    const domain = pushDomainOf(host, new URLSearchParams(rawQuery));
    const connection = `srs\n${request.ip}\n${field(body.client_id)}`;

    switch (action) {
      case 'on_publish': {
        const refuse = (reason: string) => {
          log.info({ route, domain, app, stream, clientId: body.client_id, decision: 'refused', reason }, 'hook');
          return reply200(reply, 403, reason);
        };
        const admission = await sessions.admit(connection, {
          source: 'srs',
          host,
          app,
          stream,
          rawQuery,
          clientIp: field(body.ip),
          node: request.ip,
        });
        if (!admission.ok) return refuse(admission.reason);
        const { session } = admission.entry;
        await pushes.started(session);
        log.info({ route, domain: session.context.domain, app, stream, clientId: body.client_id, sequence: session.context.sequence, decision: 'accepted' }, 'hook');
        return reply200(reply, 0);
      }
      case 'on_unpublish': {
        const entry = sessions.find(connection, app, stream);
        if (!entry && (await sessions.endedElsewhere('srs', domain, app, stream, field(body.ip)))) {
          log.info({ route, domain, app, stream, clientId: body.client_id, decision: 'ended', reason: 'the push was held by another instance' }, 'hook');
          return reply200(reply, 0);
        }
        if (!entry || !(await sessions.sourceEnded(entry))) {
          log.info({ route, domain, app, stream, clientId: body.client_id, decision: 'ignored', reason: entry ? 'the push had already ended in livehook' : 'no push of this client' }, 'hook');
          return reply200(reply, 0);
        }
        log.info({ route, domain: entry.session.context.domain, app, stream, clientId: body.client_id, sequence: entry.session.context.sequence, decision: 'ended' }, 'hook');
        return reply200(reply, 0);
      }
      case 'on_dvr': {
        const push = sessions.find(connection, app, stream)?.session ?? (await sessions.recordedElsewhere('srs', domain, app, stream, field(body.ip)));
        const file = field(body.file);
        if (!push || !file) {
          log.info({ route, domain, app, stream, clientId: body.client_id, file, decision: 'ignored', reason: push ? 'no file' : 'no push of this client' }, 'hook');
          return reply200(reply, 0);
        }
        const cwd = field(body.cwd);
        const absolute = path.isAbsolute(file) || !cwd ? file : path.resolve(cwd, file);
        const event = await recordFileEvent(push, absolute, field((request.query as Record<string, unknown>).record_base_url), probe);
        await events.emit(event);
        log.info({ route, domain: push.context.domain, app, stream, file: absolute, sequence: push.context.sequence, decision: 'recorded' }, 'hook');
        return reply200(reply, 0);
      }
      default:
        log.info({ route, domain, app, stream, decision: 'allowed (no-op)' }, 'hook');
        return reply200(reply, 0);
    }
  });
}
