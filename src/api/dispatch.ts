/**
 * Running one action and answering with Tencent's envelope content, whoever the caller is: the
 * TC3-signed API route and the console's session route both come through here, so both get the
 * same parameter checks, error codes, metrics and request log line.
 */
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { ConfigCache } from '../bindings/config-cache.js';
import type { PushSessions } from '../media/push-sessions.js';
import type { MeterReadings } from '../media/stream-meter.js';
import type { Metrics } from '../ops/metrics.js';
import type { Db } from '../store/database.js';
import { ReadCache } from '../store/read-cache.js';
import type { DeliveryAccess } from './action.js';
import { ApiError, apiError } from './errors.js';
import { parseParams } from './params.js';
import { findAction } from './router.js';

export interface ApiDeps {
  readonly db: Db;
  readonly config: ConfigCache;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly delivery: DeliveryAccess;
  readonly publicUrl: string;
  readonly pushes: PushSessions;
  readonly meters?: MeterReadings | undefined;
  /** The store's change stamp, for reads answered from memory until it moves (store/read-cache.ts). */
  readonly changeStamp?: (() => string) | undefined;
  /** The same for a request that has just arrived (store/database.ts, `arrivalStamp`). */
  readonly arrivalStamp?: (() => string) | undefined;
}

/** What a caller proved before the handler runs: whose account, and the raw parameters. */
interface PreparedCall {
  readonly appId: number;
  readonly params: unknown;
}

/**
 * Answers served from memory are serialized once: a response made from one (by answerAction) maps
 * to that JSON, and its envelope is that text with the RequestId appended, the same bytes
 * JSON.stringify would give.
 */
const resultJson = new WeakMap<Record<string, unknown>, string>();
const responseResult = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

function envelopeOf(response: Record<string, unknown>): string {
  const result = responseResult.get(response);
  if (!result) return JSON.stringify({ Response: response });
  let json = resultJson.get(result);
  if (json === undefined) resultJson.set(result, (json = JSON.stringify(result)));
  return `{"Response":${json.slice(0, -1)}${json.length > 2 ? ',' : ''}"RequestId":${JSON.stringify(response.RequestId)}}}`;
}

export function sendEnvelope(reply: FastifyReply, response: Record<string, unknown>): FastifyReply {
  return reply.code(200).type('application/json; charset=utf-8').send(envelopeOf(response));
}

export const errorResponse = (error: ApiError, requestId: string) => ({
  Error: { Code: error.code, Message: error.message },
  RequestId: requestId,
});

/** Answers of actions that read the store only, per livehook, until the store changes. */
const answerCaches = new WeakMap<ApiDeps, ReadCache<Record<string, unknown>>>();

function answersOf(deps: ApiDeps): ReadCache<Record<string, unknown>> {
  let cache = answerCaches.get(deps);
  if (!cache) answerCaches.set(deps, (cache = new ReadCache(deps.changeStamp)));
  return cache;
}

/**
 * The `Response` object for one call. `prepare` runs the caller's own checks (version, signature,
 * session) once the action is known to exist; anything it throws is answered like a handler error.
 */
export async function answerAction(
  deps: ApiDeps,
  /** `stamp`: the store's change stamp when the request began, for answers read from memory. */
  call: { action: string; requestId: string; stamp?: string | undefined; prepare: () => Promise<PreparedCall> },
): Promise<Record<string, unknown>> {
  const { action, requestId } = call;
  const started = performance.now();
  let appId: number | undefined;
  let response: Record<string, unknown>;
  let code = 'Success';
  const definition = findAction(action);
  try {
    if (!action) throw apiError('MissingParameter', 'The request is missing a required parameter `Action`.');
    if (!definition) throw apiError('InvalidAction', `The action \`${action}\` does not exist.`);
    const prepared = await call.prepare();
    appId = prepared.appId;
    const answer = () =>
      definition.handler(
        {
          appId: prepared.appId,
          requestId,
          db: deps.db,
          config: deps.config,
          log: deps.log.child({ requestId, action, appId }),
          delivery: deps.delivery,
          publicUrl: deps.publicUrl,
          pushes: deps.pushes,
          meters: deps.meters,
        },
        parseParams(definition.schema, prepared.params),
      );
    // Keyed by the parameters as sent: parameters that were valid once are valid again, so a
    // repeated call is answered without validating them again.
    const result = definition.readsStoreOnly ? await answersOf(deps).get(`${appId} ${action} ${JSON.stringify(prepared.params)}`, answer, call.stamp) : await answer();
    // The handler's writes are committed; the answer waits for a cache built after them.
    if (definition.changesConfig) await deps.config.invalidate();
    response = { ...result, RequestId: requestId };
    if (definition.readsStoreOnly) responseResult.set(response, result);
  } catch (rawError) {
    const error =
      rawError instanceof ApiError ? rawError : apiError('InternalError', `An internal error occurred; RequestId ${requestId}.`);
    if (!(rawError instanceof ApiError)) deps.log.error({ err: rawError, requestId, action, appId }, 'api action failed');
    code = error.code;
    response = errorResponse(error, requestId);
  }
  const latencyMs = performance.now() - started;
  const label = definition ? action : 'unknown';
  deps.metrics.apiRequests.inc({ action: label, code });
  deps.metrics.apiLatency.observe({ action: label }, latencyMs / 1000);
  deps.log.info({ requestId, action, appId, code, latencyMs: Math.round(latencyMs * 100) / 100 }, 'api request');
  return response;
}
