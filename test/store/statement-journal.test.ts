/**
 * A statement's undo log inside a transaction (SQLite's statement journal) stays in memory
 * (src/store/database.ts, `temp_store`): by default SQLite spills it past 64 KiB to a temporary
 * file, opened and unlinked on the event loop, which under load meant a file and a dozen writes
 * per enqueue batch. Observed where it would show: the process's open files, while the
 * transaction that needed the journal is still open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-statement-journal-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Files this process holds open that SQLite created as temporary files (`etilqs_…`, unlinked at once). */
const openTempFiles = (): string[] =>
  fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ''; // closed since the listing
      }
    })
    .filter((target) => target.includes('etilqs_'));

test('multi-row statements in one transaction, past the 64 KiB spill size, open no temporary file', async () => {
  const store = await openStore(`sqlite:${path.join(dir, 'livehook.db')}`);
  try {
    await sql`create table journal_probe (id integer primary key, s text)`.execute(store.db);
    await sql`create index journal_probe_by_s on journal_probe(s)`.execute(store.db);
    const held = await store.db.transaction().execute(async (trx) => {
      // Each statement changes pages the ones before it dirtied: their old content is journalled.
      for (let batch = 0; batch < 4; batch++) {
        const rows = Array.from({ length: 400 }, (_, i) => ({ id: batch * 400 + i, s: `${'x'.repeat(50)}${((batch * 400 + i) * 7919) % 1000}` }));
        await trx.insertInto('journal_probe' as never).values(rows as never).execute();
      }
      return openTempFiles();
    });
    assert.deepEqual(held, []);
    const { rows } = await sql<{ n: number }>`select count(*) as n from journal_probe`.execute(store.db);
    assert.equal(rows[0]!.n, 1600);
  } finally {
    await store.close();
  }
});
