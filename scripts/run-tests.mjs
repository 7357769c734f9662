#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20's --test takes no globs).
// Extra arguments narrow the run: `npm test -- test/api` runs only files under test/api.
// The suites that exercise the store (BACKEND_SUITES) run a second time on PostgreSQL
// (LIVEHOOK_TEST_BACKEND=postgres, read by test/helpers/livehook.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
const concurrency = process.env.LIVEHOOK_TEST_CONCURRENCY ?? '2';
const run = (testFiles, backend) => {
  console.log(`\n# store backend: ${backend} (${testFiles.length} files)`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...testFiles],
    { stdio: 'inherit', env: { ...process.env, LIVEHOOK_TEST_BACKEND: backend } },
  );
  return result.status ?? 1;
};
const storeFiles = files.filter((f) => BACKEND_SUITES.some((dir) => path.normalize(f).startsWith(dir)));
const statuses = [run(files, 'sqlite'), ...(storeFiles.length > 0 ? [run(storeFiles, 'postgres')] : [])];
process.exit(statuses.find((s) => s !== 0) ?? 0);
