/**
 * Screenshots and recordings are deleted once older than the retention period (by modification
 * time), so the data dir does not fill up with every frame of every stream.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export const FILE_SWEEP_MS = 10 * 60_000;

/** Deletes files under `dir` last modified before `before`; returns how many. */
export async function deleteFilesOlderThan(dir: string, before: number): Promise<number> {
  let removed = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    // A directory that does not exist (yet) has nothing to delete.
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += await deleteFilesOlderThan(full, before);
    } else if ((await fs.stat(full)).mtimeMs < before) {
      await fs.rm(full, { force: true });
      removed++;
    }
  }
  return removed;
}

export class FileRetention {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly filesDir: string,
    private readonly retentionMs: number,
    private readonly log: Logger,
    /** Also forgets what points at the deleted files (e.g. moderation results). */
    private readonly forgetBefore: (before: number) => Promise<unknown> = async () => undefined,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), FILE_SWEEP_MS);
    this.#timer.unref();
  }

  async sweep(now = Date.now()): Promise<number> {
    try {
      const before = now - this.retentionMs;
      const removed = await deleteFilesOlderThan(this.filesDir, before);
      await this.forgetBefore(before);
      if (removed > 0) this.log.info({ removed }, 'file retention: removed old screenshots and recordings');
      return removed;
    } catch (rawError) {
      this.log.error({ err: rawError }, 'file retention sweep failed; retrying next interval');
      return 0;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
