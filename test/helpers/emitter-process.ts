/**
 * Whole livehook processes for cluster tests, as test/fixtures/livehook-emitter.ts runs them (it
 * prints `ready <url>`, `rtmp <port|off>` and a setup line), and the cleanups of a test file,
 * run after its tests, last registered first.
 */
import path from 'node:path';
import { after } from 'node:test';
import { startTsProcess, type LineProcess } from './child-process.js';
import { HOOK_TOKEN } from './scale-out.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/livehook-emitter.ts');

/** Registers an after() hook for the calling test file; returns the function that adds a cleanup. */
export function cleanupsAfterAll(): (cleanup: () => Promise<unknown> | unknown) => void {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return (cleanup) => void cleanups.push(cleanup);
}

export interface EmitterProcess {
  readonly proc: LineProcess;
  readonly url: string;
  /** The RTMP port it listens on, or `off` with --no-ingest. */
  readonly rtmp: string;
}

/** Starts one instance on `dataDir` with the test hook token; it is killed (if still running) at cleanup. */
export async function startEmitter(dataDir: string, args: string[], onCleanup: (cleanup: () => Promise<unknown>) => void): Promise<EmitterProcess> {
  const proc = startTsProcess(FIXTURE, ['--data-dir', dataDir, '--hook-token', HOOK_TOKEN, ...args]);
  onCleanup(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
  });
  const url = (await proc.waitFor((l) => l.startsWith('ready '), 30_000)).slice('ready '.length);
  const rtmp = (await proc.waitFor((l) => l.startsWith('rtmp '), 5_000)).slice('rtmp '.length);
  await proc.waitFor((l) => l === 'setup-done' || l === 'setup-existing', 15_000);
  return { proc, url, rtmp };
}
