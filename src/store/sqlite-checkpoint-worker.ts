/**
 * The SQLite checkpointer's thread (sqlite-checkpointer.ts): its own connection to the file, a
 * PASSIVE checkpoint every tick (it never blocks the writer), and the first error of each kind
 * reported to the main thread.
 */
import SQLite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new SQLite(file);
let lastError = '';
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    lastError = '';
  } catch (rawError) {
    const message = rawError instanceof Error ? rawError.message : String(rawError);
    if (message !== lastError) parentPort!.postMessage({ type: 'error', message, code: (rawError as { code?: string }).code });
    lastError = message;
  }
}, intervalMs);

parentPort!.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
