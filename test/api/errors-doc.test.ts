/**
 * docs/api-errors.md documents every code of API_ERRORS (src/api/errors.ts) and nothing else:
 * the codes are the backticked first cells of the table's rows, the second cell the default message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_ERRORS } from '../../src/api/errors.js';

const DOC = fileURLToPath(new URL('../../docs/api-errors.md', import.meta.url));

interface Row {
  readonly code: string;
  readonly message: string;
  readonly when: string;
  readonly line: number;
}

function tableRows(markdown: string): Row[] {
  const rows: Row[] = [];
  markdown.split('\n').forEach((text, index) => {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(text);
    if (!m) return;
    const cells = m[2]!.split('|').map((c) => c.trim());
    rows.push({ code: m[1]!, message: cells[0] ?? '', when: cells.slice(1).join('|'), line: index + 1 });
  });
  return rows;
}

const rows = tableRows(fs.readFileSync(DOC, 'utf8'));
const documented = rows.map((r) => r.code);
const table = Object.keys(API_ERRORS);

test('the doc has a table of codes', () => {
  assert.ok(rows.length > 0, `no | \`Code\` | … | rows found in ${DOC}`);
});

test('every code in API_ERRORS is documented', () => {
  const missing = table.filter((code) => !documented.includes(code));
  assert.deepEqual(missing, [], `add these codes to docs/api-errors.md: ${missing.join(', ')}`);
});

test('the doc lists no code that API_ERRORS lacks', () => {
  const extra = documented.filter((code) => !Object.hasOwn(API_ERRORS, code));
  assert.deepEqual(extra, [], `codes in docs/api-errors.md but not in src/api/errors.ts: ${extra.join(', ')}`);
});

test('each code is documented once', () => {
  const duplicates = documented.filter((code, i) => documented.indexOf(code) !== i);
  assert.deepEqual(duplicates, []);
});

test('default messages match API_ERRORS and every row says when the code is returned', () => {
  for (const row of rows) {
    if (!Object.hasOwn(API_ERRORS, row.code)) continue;
    assert.equal(row.message, API_ERRORS[row.code as keyof typeof API_ERRORS], `docs/api-errors.md:${row.line} ${row.code}`);
    assert.ok(row.when.length > 0, `docs/api-errors.md:${row.line} ${row.code}: say when livehook returns it`);
  }
});
