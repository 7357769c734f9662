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
import { pushDomainOf } from '../push-sessions.js';
import { field, hostOf, recordFileEvent, type AdapterSessions, type HookDeps } from './common.js';
import type { ProbeMedia } from './probe.js';

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

export function registerNginxRtmpRoutes(
  scope: FastifyInstance,
  deps: HookDeps,
  sessions: AdapterSessions,
  probe: ProbeMedia,
): void {
  const { pushes, events, log } = deps;
  const connectionOf = (request: FastifyRequest, f: Readonly<Record<string, string>>) =>
    `nginx-rtmp\n${request.ip}\n${f.clientid ?? ''}`;
  const read = (request: FastifyRequest) => parseNginxNotify(typeof request.body === 'string' ? request.body : '');
  const answer = (reply: FastifyReply, status: number, text: string) => reply.code(status).type('text/plain; charset=utf-8').send(text);

  scope.post('/hooks/nginx-rtmp/on_publish', async (request, reply) => {
    const route = 'nginx-rtmp/on_publish';
    const { fields: f, extra } = read(request);
    const app = f.app ?? '';
    const stream = f.name ?? '';
    const host = hostOf(f.tcurl);
    const domain = pushDomainOf(host, new URLSearchParams(extra));
    const refuse = (reason: string) => {
      log.info({ route, domain, app, stream, clientid: f.clientid, decision: 'refused', reason }, 'hook');
      return answer(reply, 403, reason);
    };
    const admission = await sessions.admit(connectionOf(request, f), {
      source: 'nginx-rtmp',
      host,
      app,
      stream,
      rawQuery: extra,
      clientIp: f.addr ?? '',
      node: request.ip,
    });
    if (!admission.ok) return refuse(admission.reason);
    const { session } = admission.entry;
    await pushes.started(session);
    log.info({ route, domain: session.context.domain, app, stream, clientid: f.clientid, sequence: session.context.sequence, decision: 'accepted' }, 'hook');
    return answer(reply, 200, 'ok');
  });

  scope.post('/hooks/nginx-rtmp/on_publish_done', async (request, reply) => {
    const route = 'nginx-rtmp/on_publish_done';
    const { fields: f, extra } = read(request);
    const app = f.app ?? '';
    const stream = f.name ?? '';
    const domain = pushDomainOf(hostOf(f.tcurl), new URLSearchParams(extra));
    const entry = sessions.find(connectionOf(request, f), app, stream);
    if (!entry && (await sessions.endedElsewhere('nginx-rtmp', domain, app, stream, f.addr ?? ''))) {
      log.info({ route, domain, app, stream, clientid: f.clientid, decision: 'ended', reason: 'the push was held by another instance' }, 'hook');
      return answer(reply, 200, 'ok');
    }
    if (!entry || !(await sessions.sourceEnded(entry))) {
      log.info({ route, domain, app, stream, clientid: f.clientid, decision: 'ignored', reason: entry ? 'the push had already ended in livehook' : 'no push of this connection' }, 'hook');
      return answer(reply, 200, 'ok');
    }
    log.info({ route, domain: entry.session.context.domain, app, stream, clientid: f.clientid, sequence: entry.session.context.sequence, decision: 'ended' }, 'hook');
    return answer(reply, 200, 'ok');
  });

  scope.post('/hooks/nginx-rtmp/on_record_done', async (request, reply) => {
    const route = 'nginx-rtmp/on_record_done';
    const { fields: f, extra } = read(request);
    const app = f.app ?? '';
    const stream = f.name ?? '';
    const file = f.path ?? '';
    const domain = pushDomainOf(hostOf(f.tcurl), new URLSearchParams(extra));
    const push = sessions.find(connectionOf(request, f), app, stream)?.session ?? (await sessions.recordedElsewhere('nginx-rtmp', domain, app, stream, f.addr ?? ''));
    if (!push || !file) {
      log.info({ route, domain, app, stream, clientid: f.clientid, file, decision: 'ignored', reason: push ? 'no path' : 'no push of this connection' }, 'hook');
      return answer(reply, 200, 'ok');
    }
    const event = await recordFileEvent(push, file, field((request.query as Record<string, unknown>).record_base_url), probe);
    await events.emit(event);
    log.info({ route, domain: push.context.domain, app, stream, file, sequence: push.context.sequence, decision: 'recorded' }, 'hook');
    return answer(reply, 200, 'ok');
  });
}
