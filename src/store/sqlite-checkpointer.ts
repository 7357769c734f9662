/**
 * Checkpoints of the SQLite WAL on a thread of their own. SQLite runs a checkpoint inside the
 * commit that fills the WAL past its threshold, and with `synchronous = NORMAL` a checkpoint is
 * where the fsyncs happen: under load that put most of the disk's cost on the main event loop.
 * Here the main connection's automatic checkpoints are raised to a safety bound, and a worker
 * thread checkpoints passively (never blocking writers) several times a second, so the WAL stays
 * small and the event loop only appends to it. Should the worker die, automatic checkpoints
 * return to SQLite's default, so the WAL can never grow without bound.
 *
 * The thread's code is the few lines below, run as plain JavaScript: a module file would need the
 * TypeScript loader in the thread when livehook runs from source, some 20 MB for a timer.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** SQLite's own default threshold (pages), restored if the worker dies. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** While the worker runs: only a worker that falls far behind leaves a checkpoint to a commit. */
const SAFETY_AUTOCHECKPOINT_PAGES = 20_000;
const CHECKPOINT_INTERVAL_MS = 200;

/**
 * Its own connection, a PASSIVE checkpoint every tick (it never blocks the writer), the first
 * error of each kind reported to the main thread, and a clean close on 'stop'.
 */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file);
let lastError = '';
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    lastError = '';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== lastError) parentPort.postMessage({ type: 'error', message, code: error && error.code });
    lastError = message;
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface SqliteCheckpointer {
  stop(): Promise<void>;
}

export function startSqliteCheckpointer(
  sqlite: BetterSqlite3.Database,
  file: string,
  onError: (error: Error & { code?: string }) => void,
): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_CODE, { eval: true, workerData: { file, driver, intervalMs: CHECKPOINT_INTERVAL_MS } });
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
