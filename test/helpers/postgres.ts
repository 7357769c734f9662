/**
 * Throwaway PostgreSQL databases for tests, on the server at LIVEHOOK_TEST_POSTGRES_URL (default:
 * the machine's server on 127.0.0.1:5432, user postgres, trust auth). Each call creates a
 * uniquely named database; drop() removes it even while connections remain.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.LIVEHOOK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Runs one statement on the admin connection of `adminUrl`. */
async function adminQuery(text: string, adminUrl = ADMIN_URL): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (rawError) {
    throw new Error(
      `PostgreSQL is needed for this test and is not reachable at ${adminUrl} ` +
        `(set LIVEHOOK_TEST_POSTGRES_URL): ${rawError instanceof Error ? rawError.message : String(rawError)}`,
      { cause: rawError },
    );
  }
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Database names are built here from [a-z0-9_] only, so they need no quoting. */
export async function createTestDatabase(label = 'test', adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `livehook_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`, adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => dropTestDatabase(url.toString(), adminUrl) };
}

/** Drops a database made by createTestDatabase, even while connections to it remain. */
export async function dropTestDatabase(url: string, adminUrl = ADMIN_URL): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^livehook_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${JSON.stringify(name)}: not a test database`);
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, adminUrl);
}
