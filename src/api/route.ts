/**
 * `/`: Tencent Cloud API 3.0, signed either way Tencent accepts (docs/api-signing.md): TC3 over
 * POST JSON, POST form or GET, and v1 over POST form or GET. Every answer is HTTP 200 with the
 * `{"Response":…}` envelope; whatever goes wrong, the client gets a Tencent error code, never a 5xx
 * or a stack trace. Order of checks: common parameters → action/version → signature → replay →
 * parameters → handler.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findActiveApiKey } from '../store/api-keys.js';
import { ReadCache } from '../store/read-cache.js';
import { authenticate, authenticateV1, type Credential } from './authenticate.js';
import { answerAction, errorResponse, sendEnvelope, type ApiDeps } from './dispatch.js';
import { apiError } from './errors.js';
import { flatParams } from './flat-params.js';
import { ReplayGuard } from './replay-guard.js';
import { findAction } from './router.js';
import { parseAuthorization } from './tc3.js';

const API_VERSION = '2018-08-01';
/** Largest accepted request body; Tencent answers RequestSizeLimitExceeded above its own limit. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** X-TC-Language / Language values Tencent accepts; livehook's messages are English either way. */
const LANGUAGES = ['zh-CN', 'en-US'];
/** v1 common parameters: they carry the call and its signature, not the action's input. */
const V1_COMMON_PARAMS = new Set([
  'Action', 'Version', 'Region', 'Timestamp', 'Nonce', 'SecretId', 'Signature', 'SignatureMethod', 'Token', 'Language', 'RequestClient',
]);

type Pairs = ReadonlyArray<readonly [string, string]>;

export interface ApiRouteOptions {
  /** Refuse a state-changing TC3 request whose signature was already accepted (--api-replay-guard). */
  readonly refuseTc3Replays: boolean;
}

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

const isForm = (contentType: string | undefined): boolean =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';

/**
 * A form body, unless it is a JSON object: livehook has always read JSON whatever the content
 * type, and no form parameter name starts with `{`.
 */
const isFormBody = (contentType: string | undefined, body: Buffer): boolean =>
  isForm(contentType) && !/^\s*\{/.test(body.subarray(0, 64).toString('latin1'));

function splitUrl(url: string): { path: string; query: string } {
  const at = url.indexOf('?');
  return at < 0 ? { path: url, query: '' } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

const pairsOf = (text: string): Pairs => [...new URLSearchParams(text)];

function refuseDuplicates(pairs: Pairs): void {
  const seen = new Set<string>();
  for (const [name] of pairs) {
    if (seen.has(name)) throw apiError('InvalidParameter', `The parameter \`${name}\` is given more than once.`);
    seen.add(name);
  }
}

function checkVersion(version: string | undefined, where: string): void {
  if (!version) throw apiError('MissingParameter', `The request is missing a required parameter \`Version\` (${where}).`);
  if (version !== API_VERSION) throw apiError('NoSuchVersion', `The API version \`${version}\` does not exist; use ${API_VERSION}.`);
}

function checkLanguage(language: string | undefined): void {
  if (language !== undefined && !LANGUAGES.includes(language)) {
    throw apiError('InvalidParameterValue', `Language must be one of ${LANGUAGES.join(', ')}.`);
  }
}

/** Describe* actions only read: a client may send the same query twice in one second. */
const changesState = (action: string): boolean => !action.startsWith('Describe');

const schemaOf = (action: string) => findAction(action)!.schema;

export async function registerApiRoute(
  app: FastifyInstance,
  deps: ApiDeps,
  options: ApiRouteOptions = { refuseTc3Replays: true },
): Promise<void> {
  const replays = new ReplayGuard(deps.db);
  // Every request looks its key up; a revoked key is refused at once all the same (the cache
  // empties at any commit, the CLI's from another process included).
  const credentials = new ReadCache<Credential | undefined>(deps.changeStamp);
  const readCredential = async (secretId: string) => {
    const key = await findActiveApiKey(deps.db, secretId);
    return key && { appId: Number(key.app_id), secretKey: key.secret_key };
  };
  /** The key lookup of one request: `stamp` is the store's change stamp when it began. */
  const credentialsAt = (stamp: string | undefined) => (secretId: string) => credentials.get(secretId, () => readCredential(secretId), stamp);

  /** TC3: common parameters in X-TC-* headers, the signature in Authorization. */
  function answerTc3(request: FastifyRequest, body: Buffer, stamp: string | undefined) {
    const headers = request.headers;
    const action = header(headers, 'x-tc-action') ?? '';
    return answerAction(deps, {
      action,
      requestId: randomUUID(),
      stamp,
      prepare: async () => {
        checkVersion(header(headers, 'x-tc-version'), 'X-TC-Version');
        const timestampHeader = header(headers, 'x-tc-timestamp');
        if (!timestampHeader) throw apiError('MissingParameter', 'The request is missing a required parameter `Timestamp` (X-TC-Timestamp).');
        if (!/^\d{1,12}$/.test(timestampHeader)) throw apiError('InvalidParameter', 'X-TC-Timestamp must be a Unix time in seconds.');
        checkLanguage(header(headers, 'x-tc-language'));
        const timestamp = Number(timestampHeader);
        const principal = await authenticate({ method: request.method, url: request.url, headers, body, timestamp }, credentialsAt(stamp));
        if (options.refuseTc3Replays && changesState(action)) {
          const signature = parseAuthorization(header(headers, 'authorization'))!.signature;
          await replays.claim(`tc3:${signature}`, timestamp, 'This signature');
        }
        return { appId: principal.appId, params: tc3Params(request, body, action) };
      },
    });
  }

  function tc3Params(request: FastifyRequest, body: Buffer, action: string): Record<string, unknown> {
    const flat =
      request.method === 'GET'
        ? pairsOf(splitUrl(request.url).query)
        : isFormBody(header(request.headers, 'content-type'), body)
          ? pairsOf(body.toString('utf8'))
          : undefined;
    if (flat === undefined) return parseJsonObject(body);
    refuseDuplicates(flat);
    return flatParams(schemaOf(action), flat);
  }

  /** v1: every common parameter and the signature are parameters of the query or form body. */
  function answerV1(request: FastifyRequest, body: Buffer, stamp: string | undefined) {
    const { path, query } = splitUrl(request.url);
    const pairs = request.method === 'GET' ? pairsOf(query) : pairsOf(body.toString('utf8'));
    const action = pairs.find(([name]) => name === 'Action')?.[1] ?? '';
    return answerAction(deps, {
      action,
      requestId: randomUUID(),
      stamp,
      prepare: async () => {
        refuseDuplicates(pairs);
        const common = new Map(pairs.filter(([name]) => V1_COMMON_PARAMS.has(name)));
        checkVersion(common.get('Version'), 'Version');
        checkLanguage(common.get('Language'));
        const principal = await authenticateV1(
          { method: request.method, host: header(request.headers, 'host') ?? '', path, params: pairs },
          credentialsAt(stamp),
        );
        // Tencent's replay rule for v1: a Nonce is good once per SecretId and Timestamp.
        await replays.claim(`v1:${principal.secretId}:${principal.timestamp}:${principal.nonce}`, principal.timestamp, 'This Nonce');
        const own = pairs.filter(([name]) => !V1_COMMON_PARAMS.has(name));
        return { appId: principal.appId, params: flatParams(schemaOf(action), own) };
      },
    });
  }

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

    scope.route({
      method: ['GET', 'POST'],
      url: '/',
      handler: async (request, reply) => {
        // A browser opening the bare address wants the console, not an API error.
        if (request.method === 'GET' && request.url === '/' && (request.headers.accept ?? '').includes('text/html')) {
          return reply.redirect('/console', 302);
        }
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        // No Authorization header on a GET or a form POST: the v1 signature, in the parameters.
        const v1 =
          header(request.headers, 'authorization') === undefined &&
          (request.method === 'GET' || isForm(header(request.headers, 'content-type')));
        // One change stamp for the request's reads from memory (key, answer): cheaper than one each.
        const stamp = deps.arrivalStamp?.();
        const response = v1 ? await answerV1(request, body, stamp) : await answerTc3(request, body, stamp);
        return sendEnvelope(reply, response);
      },
    });
  });
}
