/**
 * Checkpoints of the SQLite WAL on a thread of their own. SQLite runs a checkpoint inside the
 * commit that fills the WAL past its threshold, and with `synchronous = NORMAL` a checkpoint is
 * where the fsyncs happen: under load that put most of the disk's cost on the main event loop.
 * Here the main connection's automatic checkpoints are raised to a safety bound, and a worker
 * thread checkpoints passively (never blocking writers) several times a second, so the WAL stays
 * small and the event loop only appends to it. Should the worker die, automatic checkpoints
 * return to SQLite's default, so the WAL can never grow without bound.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.js';

/** SQLite's own default threshold (pages), restored if the worker dies. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** While the worker runs: only a worker that falls far behind leaves a checkpoint to a commit. */
const SAFETY_AUTOCHECKPOINT_PAGES = 20_000;
const CHECKPOINT_INTERVAL_MS = 200;

export interface SqliteCheckpointer {
  stop(): Promise<void>;
}

export function startSqliteCheckpointer(
  sqlite: BetterSqlite3.Database,
  file: string,
  onError: (error: Error & { code?: string }) => void,
): SqliteCheckpointer {
  const worker: Worker = startWorker(import.meta.url, 'sqlite-checkpoint-worker', { workerData: { file, intervalMs: CHECKPOINT_INTERVAL_MS } });
  sqlite.pragma(`wal_autocheckpoint = ${SAFETY_AUTOCHECKPOINT_PAGES}`);
  let stopping = false;
  let exited = false;
  worker.on('message', (message: { type: 'error'; message: string; code?: string }) =>
    onError(Object.assign(new Error(`background checkpoint failed: ${message.message}`), { code: message.code })),
  );
  worker.on('error', (error) => onError(Object.assign(error, { message: `background checkpointer stopped: ${error.message}` })));
  worker.on('exit', () => {
    exited = true;
    if (stopping || !sqlite.open) return;
    sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  });
  // The worker must not keep a process alive that is otherwise done.
  worker.unref();
  return {
    stop: () => {
      stopping = true;
      if (exited) return Promise.resolve();
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref(); // until it has closed its connection
      worker.postMessage('stop');
      return done;
    },
  };
}
