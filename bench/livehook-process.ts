/**
 * livehook as a child process, started the way `npm start` runs it, for benchmarks that measure
 * livehook's own CPU and memory apart from the bench's. Its JSON log goes to a file, not a pipe:
 * pino writes stdout synchronously, so a pipe that the bench is slow to drain would stall
 * livehook itself. The log gives the bound ports (and, for the ingest bench, the moments pushes
 * were accepted, on the same clock as the bench).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { sleep } from './lib.js';

export interface LivehookProcess {
  child: ChildProcess;
  httpUrl: string;
  rtmpPort: number;
  logFile: string;
}


export async function startLivehookProcess(options: {
  dataDir: string;
  logFile: string;
  secretId: string;
  secretKey: string;
  extraArgs?: string[];
}): Promise<LivehookProcess> {
  const { dataDir, logFile } = options;
  const out = fs.openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_LIVEHOOK_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile livehook under a benchmark.
      ...(process.env.BENCH_LIVEHOOK_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import', 'tsx', 'src/cli/main.ts', 'serve',
      '--data-dir', dataDir, '--host', '127.0.0.1', '--http-port', '0', '--rtmp-port', '0',
      ...(options.extraArgs ?? []),
      // e.g. BENCH_LIVEHOOK_ARGS="--callback-sender-thread" to compare a livehook option under a benchmark.
      ...(process.env.BENCH_LIVEHOOK_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    {
      env: { ...process.env, LIVEHOOK_SECRET_ID: options.secretId, LIVEHOOK_SECRET_KEY: options.secretKey, LIVEHOOK_ADMIN_PASSWORD: 'bench-password' },
      stdio: ['ignore', out, 'inherit'],
    },
  );
  fs.closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`livehook exited early (code ${exited}); log in ${logFile}`);
    const started = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .find((line) => line.includes('"livehook started"'));
    if (started) {
      const entry = JSON.parse(started) as { address: string; rtmpPort: number };
      return { child, httpUrl: entry.address, rtmpPort: entry.rtmpPort, logFile };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('livehook did not start within 60 s');
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * User + system CPU so far, ms (clock ticks are 1/100 s on Linux): of the whole process, and of its
 * main thread (the event loop, whose thread id is the process id), which is what caps throughput.
 */
export function cpuMsOf(pid: number): { all: number; main: number } {
  const read = (file: string) => {
    const fields = fs.readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  return { all: read(`/proc/${pid}/stat`), main: read(`/proc/${pid}/task/${pid}/stat`) };
}
