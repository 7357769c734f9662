/**
 * Structured JSON logs (pino). Secrets are redacted by configuration here, not by each caller:
 * the Authorization header, API secret keys, callback keys, push auth keys and signatures.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.SecretKey',
  '*.secretKey',
  '*.secret_key',
  '*.CallbackKey',
  '*.callbackKey',
  '*.callback_key',
  '*.MasterAuthKey',
  '*.BackupAuthKey',
  '*.password',
  '*.sign',
];

/** livehook's logger: to stdout, or to `destination` (a worker thread's own logger) with the main logger's `base`. */
export function createLogger(level: string, destination?: DestinationStream, base: Record<string, unknown> = { service: 'livehook' }): Logger {
  return pino({ level, base, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

/** Where a logger writes its lines, so that a worker thread's logger can write there too. */
export function destinationOf(log: Logger): DestinationStream {
  return (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!;
}
