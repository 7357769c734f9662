/**
 * Structured JSON logs (pino). Secrets are redacted by configuration here, not by each caller:
 * the Authorization header, API secret keys, callback keys, push auth keys and signatures.
 */
import pino, { type Logger } from 'pino';

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

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'livehook' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
