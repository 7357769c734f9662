/**
 * Child processes that speak a line protocol on stdout (test/fixtures/*.ts, the livehook CLI),
 * for tests that must really kill a process. Not a test file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface LineProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Writes one line to the process's stdin. */
  send(line: string): void;
  /** Resolves with the first stdout line for which `match` is true. */
  waitFor(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
}

/** Runs `node --import tsx <script> …args`. */
export function startTsProcess(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): LineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  void exited.then(({ code, signal }) => {
    if (code !== 0 && signal === null && stderr) console.error(`${script} exited ${code}:\n${stderr}`);
  });
  return {
    child,
    lines,
    exited,
    send: (line) => void child.stdin!.write(`${line}\n`),
    waitFor: (match, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const found = lines.find(match);
        if (found !== undefined) return resolve(found);
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`${script}: no matching line within ${timeoutMs} ms; last lines: ${lines.slice(-5).join(' | ')}; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const listener = (line: string): void => {
          if (!match(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
        void exited.then(({ code, signal }) => {
          if (!listeners.has(listener)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          reject(new Error(`${script} exited (${code ?? signal}) before a matching line; stderr: ${stderr.slice(-2000)}`));
        });
      }),
  };
}

/** Polls `check` every 20 ms until it is true. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
