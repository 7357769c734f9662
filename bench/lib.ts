/**
 * Shared pieces of the delivery benchmarks: the receiver child (bench/receiver.ts) and its IPC
 * protocol, an in-process livehook with N callback targets set up through the real API, the
 * push-start event used everywhere, and percentiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config.js';
import { pushStarted, type LiveEvent } from '../src/events/builders.js';
import { startLivehook, type Livehook } from '../src/main.js';
import { sdkClient } from '../test/helpers/livehook.js';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Receiver child

export type ReceiverCommand =
  | { type: 'listen'; ports: number }
  | { type: 'blackhole'; index: number; on: boolean }
  | { type: 'reset'; record: boolean }
  | { type: 'stats' }
  | { type: 'wait'; token: number; total: number; ports: number[] | undefined }
  | { type: 'arrivals' }
  | { type: 'close' };

export type ReceiverReply =
  | { type: 'started' }
  | { type: 'listening'; ports: number[] }
  | { type: 'ok' }
  | { type: 'stats'; counts: number[]; held: number; cpuPercent: number }
  | { type: 'reached'; token: number; at: number }
  | { type: 'arrivals'; ids: string[]; times: number[]; targets: number[] };

export interface Arrivals {
  readonly ids: string[];
  readonly times: number[];
  readonly targets: number[];
}

export class Receiver {
  readonly #child: ChildProcess;
  /** Replies other than `reached` come back in the order of their commands. */
  readonly #replies: ((reply: ReceiverReply) => void)[] = [];
  readonly #reached = new Map<number, (at: number) => void>();
  #token = 0;
  ports: number[] = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (reply: ReceiverReply) => {
      if (reply.type === 'reached') this.#reached.get(reply.token)?.(reply.at);
      else if (reply.type !== 'started') this.#replies.shift()?.(reply);
    });
  }

  static async start(ports: number): Promise<Receiver> {
    const child = fork(path.join(import.meta.dirname, 'receiver.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    });
    const receiver = new Receiver(child);
    const reply = await receiver.#ask({ type: 'listen', ports });
    if (reply.type !== 'listening') throw new Error('receiver did not listen');
    receiver.ports = reply.ports;
    return receiver;
  }

  #ask(command: ReceiverCommand): Promise<ReceiverReply> {
    return new Promise((resolve) => {
      this.#replies.push(resolve);
      this.#child.send(command);
    });
  }

  url(index = 0): string {
    return `http://127.0.0.1:${this.ports[index]}/callback`;
  }

  async reset(record = true): Promise<void> {
    await this.#ask({ type: 'reset', record });
  }

  async blackhole(index: number, on: boolean): Promise<void> {
    await this.#ask({ type: 'blackhole', index, on });
  }

  async stats(): Promise<{ counts: number[]; held: number; cpuPercent: number }> {
    const reply = await this.#ask({ type: 'stats' });
    if (reply.type !== 'stats') throw new Error('unexpected reply');
    return reply;
  }

  /** Resolves with the arrival time of the request that brought the count over `ports` to `total`. */
  waitFor(total: number, timeoutMs: number, ports?: number[]): Promise<number> {
    const token = ++this.#token;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#reached.delete(token);
        void this.stats().then((s) =>
          reject(new Error(`receiver: ${total} requests not reached within ${timeoutMs} ms (counts ${s.counts.join(',')})`)),
        );
      }, timeoutMs);
      this.#reached.set(token, (at) => {
        clearTimeout(timer);
        this.#reached.delete(token);
        resolve(at);
      });
      this.#child.send({ type: 'wait', token, total, ports } satisfies ReceiverCommand);
    });
  }

  async arrivals(): Promise<Arrivals> {
    const reply = await this.#ask({ type: 'arrivals' });
    if (reply.type !== 'arrivals') throw new Error('unexpected reply');
    return reply;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send({ type: 'close' } satisfies ReceiverCommand);
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// livehook under test

export const BENCH_APPID = 1250000000;
const SECRET_ID = 'AKIDbenchbenchbenchbenchbenchbench00';
const SECRET_KEY = 'benchSecretKey000000000000000000';
export const BENCH_CALLBACK_KEY = 'benchCallbackKey';

export interface BenchLivehook {
  readonly livehook: Livehook;
  readonly dataDir: string;
  /** Push domain whose domain-wide rule sends push-start events to target `i`. */
  domain(i: number): string;
  close(): Promise<void>;
}

export interface BenchLivehookOptions {
  readonly targets: readonly string[];
  readonly callbackConcurrencyPerHost: number;
  readonly callbackTimeoutMs: number;
  /** A PostgreSQL database for this livehook alone; default SQLite in the temp dir. */
  readonly databaseUrl?: string;
  /** `--callback-sender-thread`: sign and post on a thread of its own. */
  readonly senderThread?: boolean;
}

/** In-process livehook (SQLite in a temp dir, or the given database) with one push domain → template → URL per target. */
export async function startBenchLivehook(options: BenchLivehookOptions): Promise<BenchLivehook> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-'));
  const config = loadConfig(
    {
      dataDir,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      host: '127.0.0.1',
      httpPort: 0,
      rtmpPort: 0,
      logLevel: 'warn',
      allowPrivateCallbacks: true,
      callbackConcurrencyPerHost: options.callbackConcurrencyPerHost,
      callbackTimeoutMs: options.callbackTimeoutMs,
      // Black-holed attempts are aborted at close instead of holding the bench up.
      shutdownTimeoutMs: 2000,
      callbackSenderThread: options.senderThread ?? false,
    },
    {},
  );
  const livehook = await startLivehook(config, {
    env: { LIVEHOOK_SECRET_ID: SECRET_ID, LIVEHOOK_SECRET_KEY: SECRET_KEY, LIVEHOOK_ADMIN_PASSWORD: 'bench-password' },
  });
  const client = sdkClient(livehook.httpUrl, SECRET_ID, SECRET_KEY);
  const domain = (i: number): string => `t${i}.bench.example.com`;
  for (const [i, url] of options.targets.entries()) {
    await client.AddLiveDomain({ DomainName: domain(i), DomainType: 0 });
    const { TemplateId } = await client.CreateLiveCallbackTemplate({
      TemplateName: `bench${i}`,
      StreamBeginNotifyUrl: url,
      CallbackKey: BENCH_CALLBACK_KEY,
    });
    await client.CreateLiveCallbackRule({ DomainName: domain(i), AppName: '', TemplateId: TemplateId! });
  }
  return {
    livehook,
    dataDir,
    domain,
    close: async () => {
      await livehook.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;
/** A push-start event of a new push session (its own `sequence`), as when many streams start. */
export function pushStartEvent(domain: string): LiveEvent {
  const k = ++sequence;
  return pushStarted(
    { appId: BENCH_APPID, domain, appName: 'live', stream: `stream${k}`, streamParam: `txSecret=0123456789abcdef&txTime=${(1_800_000_000 + k).toString(16)}`, sequence: `bench-${process.pid}-${k}` },
    { node: '127.0.0.1', userIp: '203.0.113.7', width: 1920, height: 1080, at: Date.now() },
  );
}

// ---------------------------------------------------------------------------------------------
// Figures

/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';

/** CPU used by this process (all its threads) since the mark: milliseconds, and % of one core. */
export function cpuMeter(): () => { ms: number; percent: number } {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    return { ms, percent: (ms / (performance.now() - t0)) * 100 };
  };
}

/** The 1-minute load average and the core count: other work on the machine skews every figure. */
export const loadNote = (): string => `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;

// ---------------------------------------------------------------------------------------------
// A receiver in a worker thread

const WORKER_RECEIVER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createServer } = require('node:http');
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
    let payload;
    try { payload = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { payload = {}; }
    parentPort.postMessage({ type: 'arrival', at, payload });
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
`;

/**
 * A callback receiver (node:http) in a worker thread: it answers 200 at once and reports each
 * JSON body with its arrival time (Date.now(), the clock of livehook's log), which stays exact
 * while the bench's main thread is busy (child_process.spawn blocks it until the child exec'd).
 */
export function startWorkerReceiver(
  onArrival: (at: number, payload: Record<string, unknown>) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const worker = new Worker(WORKER_RECEIVER_SOURCE, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { type: 'arrival'; at: number; payload: Record<string, unknown> } | { type: 'listening'; port: number }) => {
      if (m.type === 'arrival') return onArrival(m.at, m.payload);
      resolve({
        url: `http://127.0.0.1:${m.port}`,
        close: () =>
          new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage('close');
          }),
      });
    });
  });
}
