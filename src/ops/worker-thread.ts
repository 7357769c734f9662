/**
 * Starts a worker thread on one of livehook's own modules, from the source (under tsx) as from
 * the build: the moderation classifier and the embedded RTMP ingest run this way.
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

/**
 * A worker running `entry`, the built module's URL (`new URL('./x.js', import.meta.url)`); when
 * livehook runs from its source, the `.ts` file next to it instead.
 */
export function startWorkerThread(entry: URL, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (!import.meta.url.endsWith('.ts')) return new Worker(entry, { ...options, execArgv });
  // Node 20 workers do not run the parent's `--import tsx` hooks for their entry file, so a tiny
  // bootstrap registers tsx inside the worker first.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const source = entry.href.replace(/\.js$/, '.ts');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv });
}
