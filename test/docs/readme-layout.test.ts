/**
 * README's "Layout" section matches src/: it names every folder (nested ones too) and every file
 * directly under src/, and every src/ path it names exists.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const srcDir = path.join(repoRoot, 'src');

function layoutSection(): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Layout\n');
  assert.ok(start >= 0, 'README has a "## Layout" section');
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** `src/api/`, `src/api/actions/`, …, and `src/main.ts`, `src/config.ts`. */
function srcEntries(): string[] {
  const folders = fs
    .readdirSync(srcDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${path.relative(repoRoot, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')}/`);
  const topFiles = fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `src/${entry.name}`);
  return [...folders, ...topFiles].sort();
}

test('README "Layout" names every folder under src/ and every file directly in it', () => {
  const section = layoutSection();
  const missing = srcEntries().filter((entry) => !section.includes(entry));
  assert.deepEqual(missing, [], 'add a line for each to README, "Layout"');
});

test('every src/ path README "Layout" names exists', () => {
  const named = layoutSection().match(/\bsrc\/[\w./-]*/g) ?? [];
  const gone = named.filter((name) => !fs.existsSync(path.join(repoRoot, name)));
  assert.deepEqual(gone, [], 'README, "Layout" names paths that are not in src/');
});
