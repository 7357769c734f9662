/**
 * Scale-out benchmark ("binding change → effect: ≤ 1 s across PostgreSQL instances").
 * livehook runs as separate processes (test/fixtures/livehook-emitter.ts), as in a deployment.
 *
 *   a. propagation: `--changes` template changes made through instance A (official SDK), each
 *      observed through pushes into instance B's SRS hook, back to back from A's answer on; the
 *      figure per change is the delay from sending the change to A until the first push B called
 *      back with the new template (so it includes A's API call, inside which the change commits);
 *   b. delivery throughput: `--events` push-start events emitted inside the livehook processes
 *      (windows of 1,000, each event its own push session) to the receiver child (bench/receiver.ts):
 *      SQLite with 1 instance, then PostgreSQL with 1 and with 2 instances (half each) on one
 *      database; events/s from the common start signal to the last arrival;
 *   c. recovery: `--pushes` live pushes (nginx-rtmp on_publish hooks) held by instance A, then
 *      `kill -9` of A; the time from the kill until instance B's last push end (errcode 9) reached
 *      the receiver, with the default --instance-lease-ms unless `--lease-ms` is given (target:
 *      every push end within 45 s of the death).
 *
 * Usage: npx tsx bench/scale-out.ts [--changes 100] [--events 50000] [--per-host 16] [--pushes 100] [--lease-ms MS] [--only a,b,c]
 * Needs the PostgreSQL server at LIVEHOOK_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432);
 * each run creates and drops its own databases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startTsProcess, type LineProcess } from '../test/helpers/child-process.js';
import { sdkClient, tempDir, TEST_SECRET_ID, TEST_SECRET_KEY } from '../test/helpers/livehook.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { Receiver as RecordingReceiver } from '../test/helpers/receiver.js';
import { callBackStartsAndEnds, HOOK_TOKEN, nginxNotify, pushAuthOffDelay, templateChangeDelay, templateIdOf } from '../test/helpers/scale-out.js';
import { fmt, loadNote, now, percentile, Receiver } from './lib.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '100' },
    events: { type: 'string', default: '50000' },
    'per-host': { type: 'string', default: '16' },
    pushes: { type: 'string', default: '100' },
    'lease-ms': { type: 'string' },
    only: { type: 'string', default: 'a,b,c' },
  },
});
const CHANGES = Number(values.changes);
const EVENTS = Number(values.events);
const PER_HOST = values['per-host'];
const PUSHES = Number(values.pushes);
const LEASE_ARGS = values['lease-ms'] ? ['--instance-lease-ms', values['lease-ms']] : [];
const STEPS = new Set(values.only.split(','));
const FIXTURE = path.resolve(import.meta.dirname, '../test/fixtures/livehook-emitter.ts');

interface Instance {
  readonly proc: LineProcess;
  readonly httpUrl: string;
}

/**
 * Starts livehook processes on one store one after the other (the first sets up the domain and
 * template, the others find them) and stops them all when `use` returns.
 */
async function withInstances<T>(count: number, args: (i: number) => string[], use: (instances: Instance[]) => Promise<T>): Promise<T> {
  const dirs: string[] = [];
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const dataDir = tempDir('livehook-bench-scale-');
      dirs.push(dataDir);
      const proc = startTsProcess(FIXTURE, ['--data-dir', dataDir, ...args(i)]);
      const httpUrl = (await proc.waitFor((l) => l.startsWith('ready '), 60_000)).slice('ready '.length);
      await proc.waitFor((l) => l === (i === 0 ? 'setup-done' : 'setup-existing'), 30_000);
      instances.push({ proc, httpUrl });
    }
    return await use(instances);
  } finally {
    for (const { proc } of instances) proc.child.kill('SIGTERM');
    for (const { proc } of instances) await proc.exited;
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function propagation(): Promise<void> {
  const db = await createTestDatabase('benchprop');
  const rx = await RecordingReceiver.start({ respond: 200 });
  try {
    const latencies = await withInstances(
      2,
      () => ['--database-url', db.url, '--receiver', rx.url('/p0'), '--hook-token', HOOK_TOKEN],
      async ([a, b]) => {
        const client = sdkClient(a!.httpUrl, TEST_SECRET_ID, TEST_SECRET_KEY);
        const templateId = await templateIdOf(client);
        const out = [await pushAuthOffDelay(client, b!.httpUrl, 0)];
        for (let i = 1; i <= CHANGES; i++) {
          out.push(await templateChangeDelay({ client, templateId, rx, bUrl: b!.httpUrl, newPath: `/p${i}`, oldPath: `/p${i - 1}` }, 0));
        }
        return out.sort((x, y) => x - y);
      },
    );
    console.log(
      `a. propagation A → B over ${latencies.length} changes (1 push-auth + ${CHANGES} template): ` +
        `p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, max ${fmt(latencies.at(-1)!, 1)} ms ` +
        `from sending the change to A (target ≤ 1,000 ms; includes A's API call; resolution: one SRS hook round trip into B); ${loadNote()}`,
    );
  } finally {
    await rx.close();
    await db.drop();
  }
}

/** `count` instances on one store emit EVENTS between them; events/s from the start signal to the last arrival. */
async function throughput(receiver: Receiver, count: number, databaseUrl: string | undefined): Promise<number> {
  const share = Math.ceil(EVENTS / count);
  return withInstances(
    count,
    (i) => [
      ...(databaseUrl ? ['--database-url', databaseUrl] : []),
      '--receiver', receiver.url(0), '--emit', String(share), '--first-sequence', String(i * share),
      '--concurrency-per-host', PER_HOST, '--wait-for-go',
    ],
    async (instances) => {
      await receiver.reset(false);
      const done = receiver.waitFor(share * count, 600_000);
      const start = now();
      for (const { proc } of instances) proc.send('go');
      const last = await done;
      return (share * count) / ((last - start) / 1000);
    },
  );
}

async function deliveryThroughput(): Promise<void> {
  const receiver = await Receiver.start(1);
  try {
    const sqlite = await throughput(receiver, 1, undefined);
    console.log(`b. delivery, SQLite, 1 instance: ${fmt(EVENTS)} events, ${fmt(sqlite)} events/s; ${loadNote()}`);
    for (const count of [1, 2]) {
      const db = await createTestDatabase(`benchtput${count}`);
      try {
        const perSecond = await throughput(receiver, count, db.url);
        console.log(
          `   delivery, PostgreSQL, ${count} instance${count > 1 ? 's' : ''}: ${fmt(EVENTS)} events, ${fmt(perSecond)} events/s ` +
            `(${fmt((perSecond / sqlite) * 100)} % of SQLite); ${loadNote()}`,
        );
      } finally {
        await db.drop();
      }
    }
  } finally {
    await receiver.close();
  }
}

async function recovery(): Promise<void> {
  const db = await createTestDatabase('benchrecovery');
  const rx = await RecordingReceiver.start({ respond: 200 });
  try {
    await withInstances(
      2,
      () => ['--database-url', db.url, '--receiver', rx.url('/begin'), '--hook-token', HOOK_TOKEN, ...LEASE_ARGS],
      async ([a]) => {
        await callBackStartsAndEnds(sdkClient(a!.httpUrl, TEST_SECRET_ID, TEST_SECRET_KEY), rx);
        await new Promise((resolve) => setTimeout(resolve, 1000)); // B reloads the config (NOTIFY)
        for (let i = 0; i < PUSHES; i++) {
          if ((await nginxNotify(a!.httpUrl, 'publish', `r${i}`, String(i))) !== 200) throw new Error(`A refused push r${i}`);
        }
        while (rx.onPath('/begin').length < PUSHES) await new Promise((resolve) => setTimeout(resolve, 50));
        a!.proc.child.kill('SIGKILL');
        const killedAt = Date.now();
        await a!.proc.exited;
        const deadline = killedAt + 120_000;
        while (rx.onPath('/end').length < PUSHES) {
          if (Date.now() > deadline) throw new Error(`only ${rx.onPath('/end').length} of ${PUSHES} push ends within 120 s of the kill`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const delays = rx.onPath('/end').map((r) => r.at - killedAt).sort((x, y) => x - y);
        const errcodes = new Set(rx.onPath('/end').map((r) => (r.json as { errcode: number }).errcode));
        console.log(
          `c. recovery: ${PUSHES} live pushes on A, kill -9 of A → B's push ends (errcodes ${[...errcodes].join(',')}): first ${fmt(delays[0]!)} ms, ` +
            `last ${fmt(delays.at(-1)!)} ms after the kill, with --instance-lease-ms ${values['lease-ms'] ?? '30000 (default)'} (target: last ≤ 45,000 ms); ${loadNote()}`,
        );
      },
    );
  } finally {
    await rx.close();
    await db.drop();
  }
}

console.log(`scale-out bench: ${CHANGES} changes, ${fmt(EVENTS)} events, ${PER_HOST} callbacks in flight per instance to the one receiver`);
if (STEPS.has('a')) await propagation();
if (STEPS.has('b')) await deliveryThroughput();
if (STEPS.has('c')) await recovery();
