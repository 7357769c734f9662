/**
 * Starts a real livehook on a free port with a throwaway data dir, and official-SDK clients for it.
 * The store backend is LIVEHOOK_TEST_BACKEND (`sqlite`, the default, or `postgres`: a throwaway
 * database per data dir); scripts/run-tests.ts runs the store-backed suites once per backend.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import tencentcloud from 'tencentcloud-sdk-nodejs';
import { loadConfig, type OptionName } from '../../src/config.js';
import { startLivehook, type Livehook } from '../../src/main.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createTestDatabase, dropTestDatabase } from './postgres.js';

export const TEST_APPID = 1250000000;
export const TEST_SECRET_ID = 'AKIDtestlivehook00000000000000000000';
export const TEST_SECRET_KEY = 'testSecretKeyForLivehook000000000';

export type TestBackend = 'sqlite' | 'postgres';

export const TEST_BACKEND: TestBackend = process.env.LIVEHOOK_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** Where the data dir's PostgreSQL database URL is kept, so a restart on the same dir finds it. */
const postgresUrlFile = (dataDir: string): string => path.join(dataDir, 'postgres-url');

/** Test databases of this process not dropped yet: some tests keep data, or only close(). */
const undropped = new Set<string>();
process.once('beforeExit', () => {
  void Promise.all([...undropped].map((url) => dropTestDatabase(url)));
});

/** The data dir's store: SQLite inside it, or (postgres backend) a database created on first use. */
async function testDatabaseUrl(dataDir: string): Promise<string | undefined> {
  if (TEST_BACKEND === 'sqlite') return undefined;
  const file = postgresUrlFile(dataDir);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  const { url } = await createTestDatabase(path.basename(dataDir));
  fs.writeFileSync(file, url);
  undropped.add(url);
  return url;
}

/** Removes the data dir and the PostgreSQL database that belongs to it, if any. */
async function removeDataDir(dataDir: string): Promise<void> {
  const file = postgresUrlFile(dataDir);
  if (fs.existsSync(file)) {
    const url = fs.readFileSync(file, 'utf8');
    await dropTestDatabase(url);
    undropped.delete(url);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** A fresh store of the test backend, outside any livehook (store and outbox tests). */
export async function openTestStore(): Promise<{ store: Store; close(): Promise<void> }> {
  const dataDir = tempDir('livehook-store-');
  const databaseUrl = (await testDatabaseUrl(dataDir)) ?? `sqlite:${path.join(dataDir, 'livehook.db')}`;
  const store = await openStore(databaseUrl);
  return {
    store,
    close: async () => {
      await store.close();
      await removeDataDir(dataDir);
    },
  };
}

/** One fresh store of each backend, side by side, for tests of SQL both must run alike. */
export async function openStoresOfEachBackend(label: string): Promise<{
  stores: { name: 'SQLite' | 'PostgreSQL'; store: Store; url: string }[];
  close(): Promise<void>;
}> {
  const dataDir = tempDir(`livehook-${label}-`);
  const sqliteUrl = `sqlite:${path.join(dataDir, 'livehook.db')}`;
  const database = await createTestDatabase(label);
  const stores = [
    { name: 'SQLite' as const, store: await openStore(sqliteUrl), url: sqliteUrl },
    { name: 'PostgreSQL' as const, store: await openStore(database.url), url: database.url },
  ];
  return {
    stores,
    close: async () => {
      for (const { store } of stores) await store.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type LiveClient = InstanceType<typeof tencentcloud.live.v20180801.Client>;

export function tempDir(prefix = 'livehook-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestLivehook extends Livehook {
  /** Test instances run the embedded ingest (--no-ingest is tested with processes, test/e2e/roles.test.ts). */
  readonly rtmpPort: number;
  /** An official SDK client signed with the given key (default: the bootstrap key). */
  client(secretId?: string, secretKey?: string): LiveClient;
  /** Closes livehook and removes the data dir (unless `keepData`). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestLivehook(
  options: { dataDir?: string; flags?: Partial<Record<OptionName, unknown>>; env?: NodeJS.ProcessEnv; log?: Logger; ingestHangTimeoutMs?: number } = {},
): Promise<TestLivehook> {
  if (options.flags?.ingest === false) throw new Error('startTestLivehook runs the ingest; start a process to test --no-ingest');
  const dataDir = options.dataDir ?? tempDir();
  // A test that names its own database (several instances on one) manages it itself.
  const databaseUrl = options.flags?.databaseUrl === undefined ? await testDatabaseUrl(dataDir) : undefined;
  const config = loadConfig(
    // Suites repeat identical mutations within one second on purpose (idempotence, error codes);
    // the replay guard would refuse the second, so it is off unless a test turns it on.
    { dataDir, databaseUrl, host: '127.0.0.1', httpPort: 0, rtmpPort: 0, logLevel: 'silent', apiReplayGuard: false, ...options.flags },
    {},
  );
  const env = {
    LIVEHOOK_SECRET_ID: TEST_SECRET_ID,
    LIVEHOOK_SECRET_KEY: TEST_SECRET_KEY,
    LIVEHOOK_ADMIN_PASSWORD: 'admin-password-for-tests',
    ...options.env,
  };
  const livehook = await startLivehook(config, { env, log: options.log, ingestHangTimeoutMs: options.ingestHangTimeoutMs });
  return Object.assign(Object.create(null) as object, livehook, {
    client: (secretId = TEST_SECRET_ID, secretKey = TEST_SECRET_KEY) => sdkClient(livehook.httpUrl, secretId, secretKey),
    stop: async ({ keepData = false } = {}) => {
      await livehook.close();
      if (!keepData) await removeDataDir(dataDir);
    },
  }) as TestLivehook;
}

export function sdkClient(httpUrl: string, secretId: string, secretKey: string): LiveClient {
  const endpoint = httpUrl.replace(/^http:\/\//, '');
  return new tencentcloud.live.v20180801.Client({
    credential: { secretId, secretKey },
    region: '',
    profile: { httpProfile: { endpoint, protocol: 'http://', reqTimeout: 10 } },
  });
}

/** The Tencent error code of a failed SDK call (the SDK throws TencentCloudSDKHttpException). */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (rawError) {
    const code = (rawError as { code?: string }).code;
    if (code) return code;
    throw rawError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
