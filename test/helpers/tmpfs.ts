/**
 * A small tmpfs the test mounts (needs root) to make a data dir fill up or turn read-only, as a
 * real disk would. Unmount it in `after`: a mount left behind outlives the test run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { waitUntil } from './callbacks.js';
import { tempDir } from './livehook.js';

export interface SmallFilesystem {
  readonly dir: string;
  /** Writes a filler file until the filesystem is full (ENOSPC). */
  fill(): void;
  /** Deletes the filler file. */
  free(): void;
  /** Remounts it read-only (or read-write again). */
  setReadOnly(readOnly: boolean): void;
  /** Unmounts (lazily if something still has files open there) and removes the mount point. */
  unmount(): void;
}

function run(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (rawError) {
    const stderr = (rawError as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`${command} ${args.join(' ')} failed (mounting a tmpfs needs root): ${stderr || String(rawError)}`, { cause: rawError });
  }
}

export function mountTmpfs(sizeBytes: number): SmallFilesystem {
  const dir = tempDir('livehook-tmpfs-');
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0777`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    fill() {
      const fd = fs.openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024);
      try {
        // A write larger than the space left writes what fits; the next one fails.
        for (;;) fs.writeSync(fd, block);
      } catch (rawError) {
        if ((rawError as NodeJS.ErrnoException).code !== 'ENOSPC') throw rawError;
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    setReadOnly(readOnly) {
      run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir]);
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        run('umount', [dir]);
      } catch {
        run('umount', ['-l', dir]);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Empties a running livehook's SQLite WAL (a TRUNCATE checkpoint on a connection of the test's own,
 * retried while a reader holds it up), so that after `fill()` its next write needs a new block.
 * Without it, writes go on in the space the WAL already holds: SQLite reuses it from its start
 * after each checkpoint, and start-up alone leaves ~450 KB, room for every template an account may
 * have, so a loop of writes could end on that limit instead of the full disk.
 */
export async function emptyWal(dbFile: string): Promise<void> {
  const db = new SQLite(dbFile);
  try {
    await waitUntil(() => (db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy === 0, { what: 'a WAL truncation no reader holds up' });
  } finally {
    db.close();
  }
  const size = fs.statSync(`${dbFile}-wal`).size;
  if (size !== 0) throw new Error(`the WAL still holds ${size} bytes after a TRUNCATE checkpoint`);
}
