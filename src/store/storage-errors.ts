/**
 * Which errors mean the storage itself is failing (disk full, I/O error, read-only or corrupt file,
 * database server unreachable or refusing us), as opposed to a statement or a row the database
 * rightly refused; the one-line text that names the real cause (docs/storage-faults.md); and which
 * writes may pass if tried again later (the event path keeps retrying those).
 */

/** better-sqlite3 error codes (SQLITE_FULL, SQLITE_IOERR_WRITE, …) of a failing file or disk. */
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|NOTADB|CANTOPEN|NOMEM|BUSY|PROTOCOL|PERM)/;
/**
 * PostgreSQL SQLSTATEs: connection exception (08), insufficient resources (53: disk full, out of
 * memory, too many connections), operator intervention (57P: shutdown, starting up), system error
 * (58), internal error (XX), a read-only standby after failover (25006), authorization (28) and a
 * missing database (3D000).
 */
const POSTGRES_STORAGE = /^(08|53|57P|58|XX|28)|^(25006|3D000)$/;
/** Socket errors on the way to a database server. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** node-postgres reports a lost or never-made connection without a code. */
const POSTGRES_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 ? code : undefined;
};

/**
 * The database connection itself is gone (the server ended the backend, a failover, a reset): the
 * pooled client must not be used again.
 */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) return /^(08|57P)/.test(code) || NETWORK.has(code);
  return error instanceof Error && POSTGRES_CONNECTION.test(error.message);
}

export function isStorageError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) return SQLITE_STORAGE.test(code) || POSTGRES_STORAGE.test(code) || NETWORK.has(code);
  if (error instanceof AggregateError) return error.errors.some(isStorageError);
  return error instanceof Error && POSTGRES_CONNECTION.test(error.message);
}

/**
 * The cause in one line with its code, e.g. "database or disk is full (SQLITE_FULL)" or
 * "permission denied (EACCES)": Node's system errors repeat the path, which the caller names anyway.
 */
export function describeStorageError(error: unknown): string {
  // Node tries each address of a host name in turn and reports all failures with an empty message.
  if (error instanceof AggregateError && !error.message) return error.errors.map(describeStorageError).join('; ');
  const code = codeOf(error);
  let text = error instanceof Error ? error.message : String(error);
  const system = (error as { syscall?: unknown } | null)?.syscall !== undefined ? /^E[A-Z]+: ([^,]+)/.exec(text) : null;
  if (system) text = system[1]!;
  text = text.replace(/\s*\n\s*/g, ' ').trim();
  return code === undefined || text.includes(code) ? text : `${text} (${code})`;
}

/**
 * False for errors the statement itself causes (constraints, type mismatches, syntax, missing
 * tables): retrying those only blocks what comes after them.
 */
export function isTransientStorageError(rawError: unknown): boolean {
  const code = codeOf(rawError);
  if (code === undefined) return true;
  if (code.startsWith('SQLITE_')) return !/^SQLITE_(CONSTRAINT|MISMATCH|ERROR|RANGE|TOOBIG)/.test(code);
  // PostgreSQL SQLSTATE classes 22 (data), 23 (integrity), 42 (syntax/access): the statement's fault.
  if (/^[0-9A-Z]{5}$/.test(code)) return !/^(22|23|42)/.test(code);
  return true;
}
