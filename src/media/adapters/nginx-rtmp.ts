/**
 * nginx-rtmp-module `on_publish`, `on_publish_done`, `on_record_done` (with `notify_method post`).
 *
 * nginx sends application/x-www-form-urlencoded fields in a fixed order — the connection's
 * (`app`, `flashver`, `swfurl`, `tcurl`, `pageurl`, `addr`, `clientid`), then `call` and the
 * call's own (`name`, `type` for publish; `name` for publish_done; `recorder`, `name`, `path` for
 * record_done) — and then the push URL's query arguments exactly as the client sent them, as
 * extra top-level fields. Those extra fields, in their order and unchanged, are `stream_param`.
 * Observed with nginx 1.22 / libnginx-mod-rtmp (Debian 12):
 *   app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://push.example.com/live
 *   &pageurl=&addr=127.0.0.1&clientid=1&call=publish&name=s1&type=live&txSecret=ab%2Fc&txTime=5C2A
 *
 * Replies: 2xx lets the publisher in, 403 refuses (nginx closes the connection). nginx follows 3xx
 * as a redirect, so livehook never answers one.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pushDomainOf } from '../stream-names.js';
import { field, hostOf } from './common.js';
import type { HookCall, HookFlow } from './hook-flow.js';

const CONNECTION_FIELDS = ['app', 'flashver', 'swfurl', 'tcurl', 'pageurl', 'addr', 'clientid', 'call'];
const CALL_FIELDS: Record<string, readonly string[]> = {
  publish: ['name', 'type'],
  play: ['name', 'start', 'duration', 'reset'],
  publish_done: ['name'],
  play_done: ['name'],
  done: ['name'],
  record_done: ['recorder', 'name', 'path'],
  update: ['time', 'timestamp', 'name'],
};
const ANY_CALL_FIELDS = ['name', 'type', 'recorder', 'path'];

export interface NginxNotify {
  /** nginx's own fields, decoded. */
  readonly fields: Readonly<Record<string, string>>;
  /** The client's query arguments, raw and in order (`txSecret=…&txTime=…`). */
  readonly extra: string;
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Splits an nginx-rtmp notify body into nginx's fields and the client's arguments: nginx's
 * fields come first, each once; the first field that is not one of them (or repeats one) starts
 * the client's arguments.
 */
export function parseNginxNotify(body: string): NginxNotify {
  const pairs = body ? body.split('&') : [];
  const nameOf = (pair: string) => decode(pair.split('=', 1)[0] ?? '');
  const callPair = pairs.find((p) => nameOf(p) === 'call');
  const call = callPair ? decode(callPair.slice(callPair.indexOf('=') + 1)) : '';
  const own = new Set([...CONNECTION_FIELDS, ...(CALL_FIELDS[call] ?? ANY_CALL_FIELDS)]);
  const fields = Object.create(null) as Record<string, string>;
  let i = 0;
  for (; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const name = nameOf(pair);
    if (!own.has(name) || name in fields) break;
    const eq = pair.indexOf('=');
    fields[name] = eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return { fields, extra: pairs.slice(i).filter((p) => p !== '').join('&') };
}

export function registerNginxRtmpRoutes(scope: FastifyInstance, flow: HookFlow): void {
  /** What every nginx notify says about its connection and stream. */
  const callOf = (request: FastifyRequest, route: string) => {
    const { fields: f, extra } = parseNginxNotify(typeof request.body === 'string' ? request.body : '');
    const host = hostOf(f.tcurl);
    const call: HookCall = {
      route: `nginx-rtmp/${route}`,
      source: 'nginx-rtmp',
      connection: `nginx-rtmp\n${request.ip}\n${f.clientid ?? ''}`,
      domain: pushDomainOf(host, new URLSearchParams(extra)),
      app: f.app ?? '',
      stream: f.name ?? '',
      clientIp: f.addr ?? '',
      clientId: f.clientid,
    };
    return { call, f, extra, host };
  };
  const answer = (reply: FastifyReply, status: number, text: string) => reply.code(status).type('text/plain; charset=utf-8').send(text);

  scope.post('/hooks/nginx-rtmp/on_publish', async (request, reply) => {
    const { call, extra, host } = callOf(request, 'on_publish');
    const outcome = await flow.publish({ ...call, host, rawQuery: extra, node: request.ip });
    return outcome.ok ? answer(reply, 200, 'ok') : answer(reply, 403, outcome.reason);
  });

  scope.post('/hooks/nginx-rtmp/on_publish_done', async (request, reply) => {
    await flow.publishDone(callOf(request, 'on_publish_done').call);
    return answer(reply, 200, 'ok');
  });

  scope.post('/hooks/nginx-rtmp/on_record_done', async (request, reply) => {
    const { call, f } = callOf(request, 'on_record_done');
    await flow.recordDone({ ...call, file: f.path ?? '', recordBaseUrl: field((request.query as Record<string, unknown>).record_base_url) });
    return answer(reply, 200, 'ok');
  });
}
