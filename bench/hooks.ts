/**
 * End to end through the media-server hooks: push sessions come in as nginx-rtmp and SRS hook
 * pairs (publish, then publish-done), with push authentication on, and go out as signed push
 * start (1) and push end (0) callbacks to a receiver in a worker thread. The same run first
 * measures the ceiling: a bare keep-alive POST loop from the same load process to the same
 * receiver.
 *
 * A second ceiling, the minimal forwarder (bench/hooks-forwarder.ts): a process that answers each
 * hook at once and POSTs one small signed body per hook to the same receiver, storing nothing. It
 * is what the hop from hook to callback costs on this machine before any of livehook's own work.
 *
 * Printed: callbacks/s from the first hook to the last callback, its ratio to the bare loop and to the forwarder,
 * hook latency p50/p99, livehook's CPU per callback (all its threads, and its event loop's thread alone, from /proc), and how
 * many callbacks arrived, each verified once (sign = md5(key + t), a push end for every push
 * start with the same sequence, nothing twice).
 *
 * Usage: npx tsx bench/hooks.ts [--sessions 20000] [--concurrency 64]
 *          [--database-url postgres://…] [--instances 1|2]
 * With --database-url (a server and role that may create databases), livehook runs on a fresh
 * PostgreSQL database there, dropped at the end; --instances 2 runs two livehook processes on it
 * and ends every push through the instance that did not start it. Traffic stays on 127.0.0.1.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sdkClient } from '../test/helpers/livehook.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';
import type { LoadJob, LoadResult } from './hooks-load.js';
import { cpuMsOf, startLivehookProcess, type LivehookProcess } from './livehook-process.js';
import { fmt, loadNote, now, percentile, sleep, startWorkerReceiver } from './lib.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    'database-url': { type: 'string' },
    instances: { type: 'string', default: '1' },
  },
});
const SESSIONS = Number(values.sessions);
const CONCURRENCY = Number(values.concurrency);
const INSTANCES = Number(values.instances);
if (INSTANCES > 1 && !values['database-url']) throw new Error('--instances 2 needs --database-url postgres://… (instances share a PostgreSQL store)');

const SECRET_ID = 'AKIDbenchhooksbenchhooksbenchhooks00';
const SECRET_KEY = 'benchHooksSecretKey0000000000000';
const HOOK_TOKEN = 'bench-hook-token-0123456789abcdef';
const CALLBACK_KEY = 'benchHooksCallbackKey';
const DOMAIN = 'push.hooks-bench.example.com';
/** Callbacks still missing this long after the last hook answered: report what arrived. */
const DRAIN_TIMEOUT_MS = 120_000;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Each stream's push-auth query string (`s0` … `sN`), signed with `key`, valid for an hour. */
function pushQueries(key: string): string[] {
  const txTime = Math.floor(Date.now() / 1000 + 3600).toString(16).toUpperCase();
  return Array.from({ length: SESSIONS }, (_, k) => `txSecret=${md5(key + `s${k}` + txTime)}&txTime=${txTime}`);
}

/** The minimal forwarder as a child process, listening. */
function startForwarder(receiverUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(path.join(import.meta.dirname, 'hooks-forwarder.ts'), [receiverUrl], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve({ child, url: m.url }));
    child.once('exit', (code) => reject(new Error(`forwarder exited with code ${code}`)));
  });
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  const child = fork(path.join(import.meta.dirname, 'hooks-load.ts'), [], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', (result: LoadResult) => resolve(result));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load process exited with code ${code}`))));
    child.send(job);
  });
}

/** Checks each callback once: signature, expiry, and the push start/end pairing by sequence. */
class CallbackLedger {
  arrivals = 0;
  badSign = 0;
  duplicates = 0;
  lastAt = 0;
  readonly #seen = new Map<string, Set<number>>();

  /** Callbacks of the minimal forwarder: counted apart, not verified. */
  forwarded = 0;
  lastForwardedAt = 0;

  record(at: number, payload: Record<string, unknown>): void {
    if ('bare' in payload) return;
    if ('forwarded' in payload) {
      this.forwarded++;
      this.lastForwardedAt = Math.max(this.lastForwardedAt, at);
      return;
    }
    this.arrivals++;
    this.lastAt = Math.max(this.lastAt, at);
    const t = Number(payload.t);
    if (payload.sign !== md5(CALLBACK_KEY + String(payload.t)) || !(t > Date.now() / 1000)) this.badSign++;
    const sequence = String(payload.sequence);
    const types = this.#seen.get(sequence) ?? new Set<number>();
    if (types.has(Number(payload.event_type))) this.duplicates++;
    types.add(Number(payload.event_type));
    this.#seen.set(sequence, types);
  }

  /** Sessions whose push start and push end both arrived. */
  get paired(): number {
    let n = 0;
    for (const types of this.#seen.values()) if (types.has(1) && types.has(0)) n++;
    return n;
  }
}

async function main(): Promise<void> {
  console.log(`# bench/hooks: ${SESSIONS} push sessions (${SESSIONS * 2} hooks, ${SESSIONS * 2} callbacks), ${CONCURRENCY} at a time; ${loadNote()}`);
  const ledger = new CallbackLedger();
  const receiver = await startWorkerReceiver((at, payload) => ledger.record(at, payload));
  const dirs: string[] = [];
  const instances: LivehookProcess[] = [];
  let database: TestDatabase | undefined;
  try {
    const bare = await runLoad({ kind: 'bare', url: `${receiver.url}/bare`, requests: SESSIONS * 2, concurrency: CONCURRENCY });
    const bareRate = (SESSIONS * 2) / ((bare.endedAt - bare.startedAt) / 1000);
    console.log(`bare keep-alive POST loop → receiver: ${fmt(bareRate)} requests/s`);

    // The same hook load (the signatures' values do not matter to it) through the minimal forwarder.
    const forwarder = await startForwarder(receiver.url);
    const forwarderCpuBefore = cpuMsOf(forwarder.child.pid!);
    const forwarded = await runLoad({ kind: 'hooks', baseUrls: [forwarder.url], token: HOOK_TOKEN, domain: DOMAIN, queries: pushQueries('any key'), concurrency: CONCURRENCY });
    const forwardDeadline = now() + DRAIN_TIMEOUT_MS;
    while (ledger.forwarded < SESSIONS * 2 && now() < forwardDeadline) await sleep(20);
    const forwarderCpuMs = cpuMsOf(forwarder.child.pid!).all - forwarderCpuBefore.all;
    forwarder.child.send('stop');
    const forwardRate = ledger.forwarded / ((ledger.lastForwardedAt - forwarded.startedAt) / 1000);
    console.log(
      `minimal forwarder (each hook answered at once, one signed POST out, nothing stored): ${fmt(forwardRate)} callbacks/s = ${fmt((forwardRate / bareRate) * 100, 1)} % of the bare loop, ` +
        `${fmt((forwarderCpuMs * 1000) / Math.max(1, ledger.forwarded))} µs CPU per callback (${ledger.forwarded}/${SESSIONS * 2} arrived)`,
    );

    if (values['database-url']) database = await createTestDatabase('benchhooks', values['database-url']);
    const storeArgs = database ? ['--database-url', database.url] : [];
    for (let i = 0; i < INSTANCES; i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-hooks-'));
      dirs.push(dataDir);
      instances.push(
        await startLivehookProcess({
          dataDir,
          logFile: path.join(dataDir, 'livehook.log'),
          secretId: SECRET_ID,
          secretKey: SECRET_KEY,
          extraArgs: ['--hook-token', HOOK_TOKEN, '--allow-private-callbacks', ...storeArgs],
        }),
      );
    }
    const client = sdkClient(instances[0]!.httpUrl, SECRET_ID, SECRET_KEY);
    await client.AddLiveDomain({ DomainName: DOMAIN, DomainType: 0 });
    const { PushAuthKeyInfo } = await client.DescribeLivePushAuthKey({ DomainName: DOMAIN });
    const { TemplateId } = await client.CreateLiveCallbackTemplate({
      TemplateName: 'benchhooks',
      StreamBeginNotifyUrl: `${receiver.url}/begin`,
      StreamEndNotifyUrl: `${receiver.url}/end`,
      CallbackKey: CALLBACK_KEY,
    });
    await client.CreateLiveCallbackRule({ DomainName: DOMAIN, AppName: '', TemplateId: TemplateId! });
    // Other instances learn of the configuration through the change feed.
    await sleep(INSTANCES > 1 ? 1500 : 0);
    const queries = pushQueries(PushAuthKeyInfo!.MasterAuthKey!);

    const cpuBefore = instances.map((p) => cpuMsOf(p.child.pid!));
    const hooks = await runLoad({ kind: 'hooks', baseUrls: instances.map((p) => p.httpUrl), token: HOOK_TOKEN, domain: DOMAIN, queries, concurrency: CONCURRENCY });
    const deadline = now() + DRAIN_TIMEOUT_MS;
    while (ledger.arrivals < SESSIONS * 2 && now() < deadline) await sleep(20);
    const cpuAfter = instances.map((p) => cpuMsOf(p.child.pid!));
    const cpuMs = cpuAfter.reduce((sum, c, i) => sum + c.all - cpuBefore[i]!.all, 0);
    const mainMs = cpuAfter.reduce((sum, c, i) => sum + c.main - cpuBefore[i]!.main, 0);

    const seconds = (ledger.lastAt - hooks.startedAt) / 1000;
    const rate = ledger.arrivals / seconds;
    const latencies = hooks.latencies.sort((a, b) => a - b);
    const hookRate = (SESSIONS * 2) / ((hooks.endedAt - hooks.startedAt) / 1000);
    const storeName = database ? `PostgreSQL, ${INSTANCES} instance${INSTANCES > 1 ? 's' : ''}` : 'SQLite';
    console.log(`livehook (${storeName}): ${fmt(rate)} callbacks/s = ${fmt((rate / bareRate) * 100, 1)} % of the bare loop (target ≥ 30 %), ${fmt((rate / forwardRate) * 100, 1)} % of the forwarder`);
    console.log(`  hooks answered at ${fmt(hookRate)} requests/s; hook latency p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms; ${hooks.refused} refused${hooks.example ? ` (e.g. ${hooks.example})` : ''}`);
    const perCallback = (ms: number) => fmt((ms * 1000) / Math.max(1, ledger.arrivals));
    console.log(`  livehook CPU ${perCallback(cpuMs)} µs per callback (${fmt(cpuMs / 1000 / seconds * 100)} % of one core), of which the event loop's thread ${perCallback(mainMs)} µs (${fmt(mainMs / 1000 / seconds * 100)} %)`);
    console.log(`  callbacks: ${ledger.arrivals}/${SESSIONS * 2} arrived, ${ledger.paired}/${SESSIONS} sessions paired 1↔0, ${ledger.badSign} bad signatures, ${ledger.duplicates} duplicates`);
    if (ledger.arrivals !== SESSIONS * 2 || ledger.paired !== SESSIONS || ledger.badSign || ledger.duplicates || hooks.refused) process.exitCode = 1;
  } finally {
    for (const p of instances) p.child.kill('SIGTERM');
    await Promise.all(instances.map((p) => new Promise((resolve) => (p.child.exitCode !== null ? resolve(undefined) : p.child.once('exit', resolve)))));
    await receiver.close();
    await database?.drop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
