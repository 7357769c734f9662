/** Runs a management command against the configured store, with one-line errors. */
import { openStore, type Db } from '../store/database.js';
import { configFrom } from './options.js';
import { exitOnStoreFailure, storeFailureLine } from './store-failure.js';

export function parseAppId(value: unknown): number {
  const appId = Number(value);
  if (!Number.isSafeInteger(appId) || appId <= 0) {
    process.stderr.write(`livehook: invalid --appid: expected a positive integer (got ${JSON.stringify(value)})\n`);
    process.exit(2);
  }
  return appId;
}

export async function withStore(flags: Record<string, unknown>, run: (db: Db) => Promise<void>): Promise<void> {
  const { databaseUrl } = configFrom(flags);
  const store = await openStore(databaseUrl).catch((rawError: unknown) => {
    exitOnStoreFailure(rawError, databaseUrl);
    throw rawError;
  });
  try {
    await run(store.db);
  } catch (rawError) {
    process.stderr.write(`${storeFailureLine(rawError, databaseUrl) ?? `livehook: ${rawError instanceof Error ? rawError.message : String(rawError)}`}\n`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}
