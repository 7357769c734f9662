/**
 * Why the store could not be opened, in one line that names the database (its password redacted)
 * and the real cause, e.g. "cannot open the SQLite database /x/livehook.db: file is not a database
 * (SQLITE_NOTADB)". The CLI prints it as is and exits 1.
 */
import { describeStorageError } from './storage-errors.js';

export class StoreOpenError extends Error {
  constructor(database: string, cause: unknown) {
    super(`cannot open the ${database}: ${describeStorageError(cause)}`, { cause });
    this.name = 'StoreOpenError';
  }
}

/** "the SQLite database <file>" or "the PostgreSQL database <url with the password redacted>". */
export function describeDatabase(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return `SQLite database ${databaseUrl.slice('sqlite:'.length)}`;
  return `PostgreSQL database ${redactPassword(databaseUrl)}`;
}

export function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    // libpq also takes the password as a query parameter.
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
