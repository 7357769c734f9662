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
import { pushDomainOf } from '../stream-names.js';
import type { Logger } from 'pino';
import { field, hostOf, parseJsonObject } from './common.js';
import type { HookCall, HookFlow } from './hook-flow.js';

const DEFAULT_VHOST = '__defaultVhost__';

const reply200 = (reply: FastifyReply, code: number, msg?: string) =>
  reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(msg === undefined ? { code } : { code, msg }));

/** The host SRS reports for the push: a named vhost, else the tcUrl host ('' when neither names one). */
export function srsHost(vhost: string, tcUrl: string): string {
  if (vhost && vhost !== DEFAULT_VHOST && !isIP(vhost)) return vhost;
  return hostOf(tcUrl);
}

export function registerSrsRoutes(scope: FastifyInstance, flow: HookFlow, log: Logger): void {
  scope.post('/hooks/srs', async (request, reply) => {
    const body = parseJsonObject(request.body);
    if (!body) {
      log.info({ route: 'srs', decision: 'bad request' }, 'hook');
      return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify({ code: 400, msg: 'the body must be a JSON object' }));
    }
    const action = field(body.action);
    const rawQuery = field(body.param).replace(/^\?/, '');
    const host = srsHost(field(body.vhost), field(body.tcUrl));
    const call: HookCall = {
      route: `srs/${action || '?'}`,
      source: 'srs',
      connection: `srs\n${request.ip}\n${field(body.client_id)}`,
      domain: pushDomainOf(host, new URLSearchParams(rawQuery)),
      app: field(body.app),
      stream: field(body.stream),
      clientIp: field(body.ip),
      clientId: body.client_id,
    };

    switch (action) {
      case 'on_publish': {
        const outcome = await flow.publish({ ...call, host, rawQuery, node: request.ip });
        return outcome.ok ? reply200(reply, 0) : reply200(reply, 403, outcome.reason);
      }
      case 'on_unpublish':
        await flow.publishDone(call);
        return reply200(reply, 0);
      case 'on_dvr': {
        const file = field(body.file);
        const cwd = field(body.cwd);
        const absolute = !file || path.isAbsolute(file) || !cwd ? file : path.resolve(cwd, file);
        await flow.recordDone({ ...call, file: absolute, recordBaseUrl: field((request.query as Record<string, unknown>).record_base_url) });
        return reply200(reply, 0);
      }
      default:
        log.info({ route: call.route, domain: call.domain, app: call.app, stream: call.stream, decision: 'allowed (no-op)' }, 'hook');
        return reply200(reply, 0);
    }
  });
}
