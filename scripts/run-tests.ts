/**
 * Runs every test/**\/*.test.ts with node's test runner (Node 20's --test takes no globs).
 * Extra arguments narrow the run: `npm test -- test/api` runs only files under test/api.
 * The suites that exercise the store (BACKEND_SUITES) run a second time on PostgreSQL
 * (LIVEHOOK_TEST_BACKEND=postgres, read by test/helpers/livehook.ts).
 *
 * PostgreSQL: LIVEHOOK_TEST_POSTGRES_URL when set; else the machine's server on 127.0.0.1:5432
 * if one answers; else (a fresh machine, where setup.sh installs the server but nothing starts
 * it) a private cluster for this run, from the installed postgresql package's binaries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ADMIN_URL } from '../test/helpers/postgres.js';
import { PrivatePostgres } from '../test/helpers/private-postgres.js';

const BACKEND_SUITES = ['test/api', 'test/delivery'].map((dir) => path.normalize(dir) + path.sep);

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test'];
const files = roots
  .flatMap((root) =>
    fs.statSync(root).isDirectory()
      ? fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, String(f)))
      : [root],
  )
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let cluster: PrivatePostgres | undefined;
if (!process.env.LIVEHOOK_TEST_POSTGRES_URL && !(await answers(ADMIN_URL))) {
  console.log(`# no PostgreSQL answers at ${ADMIN_URL}: starting a private cluster for this run`);
  cluster = await PrivatePostgres.start();
  process.env.LIVEHOOK_TEST_POSTGRES_URL = cluster.url();
}

// Interrupted (Ctrl-C, a CI timeout): the test run in progress gets the signal, no further run
// starts, and the runner still stops what it started.
let interrupted = false;
let running: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    running?.kill(signal);
  });
}

const concurrency = process.env.LIVEHOOK_TEST_CONCURRENCY ?? '2';
const run = (testFiles: string[], backend: 'sqlite' | 'postgres'): Promise<number> => {
  console.log(`\n# store backend: ${backend} (${testFiles.length} files)`);
  const child = (running = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...testFiles],
    { stdio: 'inherit', env: { ...process.env, LIVEHOOK_TEST_BACKEND: backend } },
  ));
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
};
const storeFiles = files.filter((f) => BACKEND_SUITES.some((dir) => path.normalize(f).startsWith(dir)));
try {
  let status = await run(files, 'sqlite');
  if (storeFiles.length > 0 && !interrupted) status = (await run(storeFiles, 'postgres')) || status;
  process.exitCode = interrupted ? 130 : status;
} finally {
  await cluster?.stop();
}
