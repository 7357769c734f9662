/**
 * The SQLite checkpointer (src/store/sqlite-checkpointer.ts) on a real file: with it, pages written
 * through the WAL reach the database file within moments although the main connection's own
 * checkpoints are held back; the database file only grows when a checkpoint copies pages into it,
 * which makes that visible. Without it (a CLI command's store), the main connection keeps SQLite's
 * default threshold.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function open(backgroundCheckpoints: boolean): Promise<{ store: Store; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-checkpoint-'));
  dirs.push(dir);
  const file = path.join(dir, 'livehook.db');
  return { store: await openStore(`sqlite:${file}`, { backgroundCheckpoints }), file };
}

const autocheckpoint = async (store: Store) =>
  (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db)).rows[0]!.wal_autocheckpoint;

/** About 2 MB of new pages: far below the main connection's held-back threshold. */
async function writeSomePages(store: Store): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await store.db.insertInto('accounts').values({ app_id: 8_000_000 + i, name: 'x'.repeat(20_000), created_at: Date.now() }).execute();
  }
}

test('with background checkpoints, written pages reach the database file without a commit checkpointing them', async () => {
  const { store, file } = await open(true);
  try {
    assert.ok((await autocheckpoint(store)) > 1000, 'the main connection leaves checkpoints to the thread');
    const before = fs.statSync(file).size;
    await writeSomePages(store);
    const deadline = Date.now() + 5_000;
    while (fs.statSync(file).size < before + 1_500_000) {
      assert.ok(Date.now() < deadline, `the database file did not grow: ${fs.statSync(file).size} bytes (was ${before})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await store.close();
  }
});

test('without them (a CLI command), the main connection checkpoints as SQLite does by default', async () => {
  const { store } = await open(false);
  try {
    assert.equal(await autocheckpoint(store), 1000);
  } finally {
    await store.close();
  }
});
