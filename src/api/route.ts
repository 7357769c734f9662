/**
 * `POST /`: Tencent Cloud API 3.0. Every answer is HTTP 200 with the `{"Response":…}` envelope;
 * whatever goes wrong, the client gets a Tencent error code, never a 5xx or a stack trace.
 * Order of checks: common headers → action/version → signature → JSON body → parameters → handler.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { ConfigCache } from '../bindings/config-cache.js';
import type { PushSessions } from '../media/push-sessions.js';
import type { DeliveryAccess } from './action.js';
import type { Metrics } from '../ops/metrics.js';
import { findActiveApiKey } from '../store/api-keys.js';
import type { Db } from '../store/database.js';
import { authenticate } from './authenticate.js';
import { ApiError, apiError } from './errors.js';
import { parseParams } from './params.js';
import { findAction } from './router.js';

export const API_VERSION = '2018-08-01';
/** Largest accepted request body; Tencent answers RequestSizeLimitExceeded above its own limit. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiDeps {
  readonly db: Db;
  readonly config: ConfigCache;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly delivery: DeliveryAccess;
  readonly publicUrl: string;
  readonly pushes: PushSessions;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendEnvelope(reply: FastifyReply, response: Record<string, unknown>): FastifyReply {
  return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify({ Response: response }));
}

const errorResponse = (error: ApiError, requestId: string) => ({
  Error: { Code: error.code, Message: error.message },
  RequestId: requestId,
});

function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw apiError('InvalidParameter', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw apiError('InvalidParameter', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

export async function registerApiRoute(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(async (scope) => {
    // The signature covers the raw body bytes, so no parser may touch them first.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

    scope.setErrorHandler((rawError, request, reply) => {
      const requestId = randomUUID();
      const tooLarge = (rawError as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
      const error = tooLarge ? apiError('RequestSizeLimitExceeded') : apiError('InvalidParameter', 'The request could not be read.');
      deps.log.info({ requestId, err: rawError, url: request.url }, 'api request refused before parsing');
      return sendEnvelope(reply, errorResponse(error, requestId));
    });

    scope.post('/', async (request, reply) => {
      const started = performance.now();
      const requestId = randomUUID();
      const headers = request.headers;
      const action = header(headers, 'x-tc-action') ?? '';
      let appId: number | undefined;
      let response: Record<string, unknown>;
      let code = 'Success';
      try {
        if (!action) throw apiError('MissingParameter', 'The request is missing a required parameter `Action` (X-TC-Action).');
        const definition = findAction(action);
        if (!definition) throw apiError('InvalidAction', `The action \`${action}\` does not exist.`);
        const version = header(headers, 'x-tc-version');
        if (!version) throw apiError('MissingParameter', 'The request is missing a required parameter `Version` (X-TC-Version).');
        if (version !== API_VERSION) throw apiError('NoSuchVersion', `The API version \`${version}\` does not exist; use ${API_VERSION}.`);
        const timestampHeader = header(headers, 'x-tc-timestamp');
        if (!timestampHeader) throw apiError('MissingParameter', 'The request is missing a required parameter `Timestamp` (X-TC-Timestamp).');
        if (!/^\d{1,12}$/.test(timestampHeader)) throw apiError('InvalidParameter', 'X-TC-Timestamp must be a Unix time in seconds.');
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const principal = await authenticate(
          { method: request.method, url: request.url, headers, body, timestamp: Number(timestampHeader) },
          async (secretId) => {
            const key = await findActiveApiKey(deps.db, secretId);
            return key && { appId: Number(key.app_id), secretKey: key.secret_key };
          },
        );
        appId = principal.appId;
        const params = parseParams(definition.schema, parseJsonObject(body));
        const result = await definition.handler(
          {
            appId,
            requestId,
            db: deps.db,
            config: deps.config,
            log: deps.log.child({ requestId, action, appId }),
            delivery: deps.delivery,
            publicUrl: deps.publicUrl,
            pushes: deps.pushes,
          },
          params,
        );
        response = { ...result, RequestId: requestId };
      } catch (rawError) {
        const error =
          rawError instanceof ApiError ? rawError : apiError('InternalError', `An internal error occurred; RequestId ${requestId}.`);
        if (!(rawError instanceof ApiError)) deps.log.error({ err: rawError, requestId, action, appId }, 'api action failed');
        code = error.code;
        response = errorResponse(error, requestId);
      }
      const latencyMs = performance.now() - started;
      const label = findAction(action) ? action : 'unknown';
      deps.metrics.apiRequests.inc({ action: label, code });
      deps.metrics.apiLatency.observe({ action: label }, latencyMs / 1000);
      deps.log.info({ requestId, action, appId, code, latencyMs: Math.round(latencyMs * 100) / 100 }, 'api request');
      return sendEnvelope(reply, response);
    });
  });
}
