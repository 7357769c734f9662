/**
 * Which store errors may pass if the same write is tried again later (disk full, I/O error, lost
 * connection, database restarting), and which never will (a constraint or a bad statement).
 */

/** A unique-index violation (SQLite SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505). */
export function isUniqueViolation(rawError: unknown): boolean {
  const code = (rawError as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/**
 * False for errors the statement itself causes (constraints, type mismatches, syntax, missing
 * tables): retrying those only blocks what comes after them.
 */
export function isTransientStorageError(rawError: unknown): boolean {
  const code = (rawError as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return true;
  if (code.startsWith('SQLITE_')) return !/^SQLITE_(CONSTRAINT|MISMATCH|ERROR|RANGE|TOOBIG)/.test(code);
  // PostgreSQL SQLSTATE classes 22 (data), 23 (integrity), 42 (syntax/access): the statement's fault.
  if (/^[0-9A-Z]{5}$/.test(code)) return !/^(22|23|42)/.test(code);
  return true;
}
