/**
 * Starts a worker thread from a module next to the caller's: `.ts` when livehook runs from source
 * under tsx, `.js` in the build. Shared by every part that runs work off the main event loop
 * (moderation's classifiers, the callback sender, the embedded RTMP ingest).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Parent flags about the parent's own entry code, which a worker must not inherit. */
const ENTRY_FLAGS = ['--input-type', '--eval', '-e', '--print', '-p'];

/** The parent's flags (loaders, conditions, heap size…) minus those about its entry code. */
function workerExecArgv(parent: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i]!;
    if (ENTRY_FLAGS.includes(flag)) i++; // and its value
    else if (!ENTRY_FLAGS.some((name) => flag.startsWith(`${name}=`))) kept.push(flag);
  }
  return kept;
}

/** `callerUrl`: the caller's import.meta.url; `name`: the worker module's file name without extension. */
export function startWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { ...options, execArgv });
  // Node 20 workers do not run the parent's `--import tsx` hooks for their entry file, so a tiny
  // bootstrap registers tsx inside the worker first.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv });
}
