/**
 * `POST /`: Tencent Cloud API 3.0. Every answer is HTTP 200 with the `{"Response":…}` envelope;
 * whatever goes wrong, the client gets a Tencent error code, never a 5xx or a stack trace.
 * Order of checks: common headers → action/version → signature → JSON body → parameters → handler.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { findActiveApiKey } from '../store/api-keys.js';
import { authenticate } from './authenticate.js';
import { answerAction, errorResponse, sendEnvelope, type ApiDeps } from './dispatch.js';
import { apiError } from './errors.js';

const API_VERSION = '2018-08-01';
/** Largest accepted request body; Tencent answers RequestSizeLimitExceeded above its own limit. */
export const MAX_BODY_BYTES = 1024 * 1024;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

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
      const headers = request.headers;
      const response = await answerAction(deps, {
        action: header(headers, 'x-tc-action') ?? '',
        requestId: randomUUID(),
        prepare: async () => {
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
          return { appId: principal.appId, params: parseJsonObject(body) };
        },
      });
      return sendEnvelope(reply, response);
    });
  });
}
