/**
 * Structured JSON logs (pino). Secrets are redacted by configuration here, not by each caller:
 * the Authorization header, API secret keys, callback keys, push auth keys, passwords and
 * signatures, wherever they appear one level down in a log object (`{ template: { callbackKey } }`)
 * or as request headers (`req.headers.authorization`, `headers.authorization`).
 *
 * Why not pino's `redact` option: its wildcard paths are matched at every line and cost about
 * 11 µs a line here, four times the line itself, on paths (hooks, API) that log at thousands of
 * lines a second. This scan looks at the keys once and copies only an object that holds a secret;
 * the caller's objects are never changed.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const CENSOR = '[redacted]';

/** Field names whose values never reach a log, one level down in a log object. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'SecretKey', 'secretKey', 'secret_key',
  'CallbackKey', 'callbackKey', 'callback_key',
  'MasterAuthKey', 'BackupAuthKey',
  'password', 'sign',
]);
/** Request headers that carry credentials. */
const SECRET_HEADERS = ['authorization', 'cookie'];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);

/** A copy that keeps what makes an Error an Error (its prototype, message and stack). */
function copyOf<T extends object>(value: T): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as T, value);
  if (value instanceof Error) Object.assign(copy, { message: value.message, stack: value.stack });
  return copy;
}

function withoutSecretHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  if (!SECRET_HEADERS.some((name) => headers[name] !== undefined)) return headers;
  const copy = copyOf(headers);
  for (const name of SECRET_HEADERS) if (copy[name] !== undefined) copy[name] = CENSOR;
  return copy;
}

/** `value` (found under `key` of a log object) with its secrets censored; the same object if it has none. */
function censored(key: string, value: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const field of Object.keys(value)) {
    if (SECRET_FIELDS.has(field)) (copy ??= copyOf(value))[field] = CENSOR;
  }
  if (key === 'headers') return withoutSecretHeaders(copy ?? value);
  if (key === 'req' && isPlainObject(value.headers)) {
    const headers = withoutSecretHeaders(value.headers);
    if (headers !== value.headers) (copy ??= copyOf(value)).headers = headers;
  }
  return copy ?? value;
}

export function redactSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (!isPlainObject(value)) continue;
    const clean = censored(key, value);
    if (clean !== value) (copy ??= { ...object })[key] = clean;
  }
  return copy ?? object;
}

/** livehook's logger: to stdout, or to `destination` (a worker thread's own logger) with the main logger's `base`. */
export function createLogger(level: string, destination?: DestinationStream, base: Record<string, unknown> = { service: 'livehook' }): Logger {
  const options = { level, base, formatters: { log: redactSecrets } };
  return destination ? pino(options, destination) : pino(options);
}

/** Where a logger writes its lines, so that a worker thread's logger can write there too. */
export function destinationOf(log: Logger): DestinationStream {
  return (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!;
}
