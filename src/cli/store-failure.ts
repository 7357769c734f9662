/** The one stderr line for a store that cannot be opened or used: it names the database and the cause. */
import { isStorageError, describeStorageError } from '../store/storage-errors.js';
import { describeDatabase, StoreOpenError } from '../store/store-open-error.js';

/** The line for a store failure, or undefined when `rawError` is something else (a bug keeps its stack). */
export function storeFailureLine(rawError: unknown, databaseUrl: string): string | undefined {
  if (rawError instanceof StoreOpenError) return `livehook: ${rawError.message}`;
  if (isStorageError(rawError)) return `livehook: cannot use the ${describeDatabase(databaseUrl)}: ${describeStorageError(rawError)}`;
  return undefined;
}

/** Ends the process with that line and exit code 1 when `rawError` is a store failure. */
export function exitOnStoreFailure(rawError: unknown, databaseUrl: string): void {
  const line = storeFailureLine(rawError, databaseUrl);
  if (line === undefined) return;
  process.stderr.write(`${line}\n`);
  process.exit(1);
}
