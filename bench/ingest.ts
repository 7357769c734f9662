/**
 * Embedded-ingest benchmark (target: 100 concurrent RTMP publishers, push-start callbacks
 * p99 ≤ 200 ms after publish).
 *
 * 1. Pre-encodes a 320x240 H.264 + AAC FLV once (so publishers do not encode).
 * 2. Starts livehook as a child process (`node --import tsx src/cli/main.ts`, as `npm start` runs
 *    it) with a bound callback template and a local receiver (node:http in a worker thread).
 * 3. Starts N ffmpeg publishers, `-re -i <fifo> -c copy -f flv`, each to its own stream, push
 *    authentication on (signed txSecret URLs). Each reads its own named pipe, so it loads and
 *    then waits before connecting; once all are waiting, the bench opens every pipe at once and
 *    feeds it the file. All N then publish together, and the CPU storm of starting 100 ffmpeg
 *    processes on the same machine (seconds of exec and library loading, which remote publishers
 *    would not cost livehook's host) is over before the first publish. `--no-gate` spawns and
 *    publishes in one go instead (then the storm is inside the figures). ffmpeg keeps its TCP
 *    defaults (Nagle on); `--tcp-nodelay` sends each write at once, as OBS does. The publishers
 *    stand in for remote machines, so they run at nice 19 (`--publisher-priority low`): released
 *    together, 100 ffmpeg probing their input are 100 runnable processes, and at equal priority
 *    the scheduler kept livehook's threads waiting for a core for up to ~550 ms at a time (seen in
 *    /proc/<pid>/task/<tid>/schedstat), time no remote publisher would take from it. Lower still
 *    (SCHED_IDLE) starves the publishers instead: their metadata came late, push start p99 241-307
 *    ms in three runs. `--publisher-priority equal` runs them at livehook's priority.
 * 4. Push-start latency = receiver arrival − the moment livehook accepted the publish (its
 *    `push accepted` log line, same wall clock); split at its `push started` line (the wait for
 *    the stream's metadata, then event → store → delivery); and − the moment the publisher was
 *    released (pipe opened, or ffmpeg spawned with `--no-gate`).
 * 5. With all N live: livehook's CPU (from /proc/<pid>/stat over a hold window) and RSS.
 * 6. Stops every publisher (`q`) and checks that N push-end events arrive (and how fast).
 *
 * Usage: npx tsx bench/ingest.ts [--publishers 100] [--hold-seconds 10] [--stagger-ms 0]
 *        [--file-seconds 40] [--no-gate] [--tcp-nodelay] [--publisher-priority low|equal] [--keep]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { md5 } from '../test/helpers/callbacks.js';
import { requireFfmpeg, startPush, type Push } from '../test/helpers/ffmpeg.js';
import { sdkClient, type LiveClient } from '../test/helpers/livehook.js';
import { percentile, sleep, startWorkerReceiver } from './lib.js';
import { rssMb, startLivehookProcess } from './livehook-process.js';

const { values } = parseArgs({
  options: {
    publishers: { type: 'string', default: '100' },
    'hold-seconds': { type: 'string', default: '10' },
    'stagger-ms': { type: 'string', default: '0' },
    'file-seconds': { type: 'string', default: '40' },
    'no-gate': { type: 'boolean', default: false },
    'tcp-nodelay': { type: 'boolean', default: false },
    'publisher-priority': { type: 'string', default: 'low' },
    keep: { type: 'boolean', default: false },
  },
});
const PUBLISHERS = Number(values.publishers);
const HOLD_SECONDS = Number(values['hold-seconds']);
const STAGGER_MS = Number(values['stagger-ms']);
const FILE_SECONDS = Number(values['file-seconds']);
const GATED = !values['no-gate'];
const NO_DELAY = values['tcp-nodelay'];
const PUBLISHER_PRIORITY = values['publisher-priority'];
if (![PUBLISHERS, HOLD_SECONDS, STAGGER_MS, FILE_SECONDS].every((n) => Number.isFinite(n) && n >= 0) || PUBLISHERS < 1 || !['low', 'equal'].includes(PUBLISHER_PRIORITY)) {
  console.error('usage: npx tsx bench/ingest.ts [--publishers N>=1] [--hold-seconds S] [--stagger-ms MS] [--file-seconds S] [--no-gate] [--tcp-nodelay] [--publisher-priority low|equal] [--keep]');
  process.exit(2);
}
// A gated publisher reads its pipe once (a pipe cannot be rewound), so the file must outlast the run.
if (GATED && FILE_SECONDS < HOLD_SECONDS + 20) {
  console.error(`--file-seconds must be at least --hold-seconds + 20 (${HOLD_SECONDS + 20}) unless --no-gate`);
  process.exit(2);
}

const DOMAIN = 'bench.ingest.example.com';
const SECRET_ID = 'AKIDbenchingestbenchingestbench0000';
const SECRET_KEY = 'benchIngestSecretKey000000000000';
const CALLBACK_KEY = 'benchIngestKey';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const stats = (values: number[]): string => {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p).toFixed(0);
  return `p50 ${at(50)} ms, p90 ${at(90)} ms, p99 ${at(99)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (n=${values.length})`;
};

// ---------------------------------------------------------------------------------------------
// Receiver: push start and end per stream (bench/lib.ts's worker-thread receiver).

interface Arrival {
  at: number;
  sequence: string;
  errcode: number;
  signOk: boolean;
  width: number;
}
const begins = new Map<string, Arrival>();
const ends = new Map<string, Arrival>();
let unexpected = 0;
const waiters = new Set<() => void>();

function startReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  return startWorkerReceiver((at, p) => {
    const eventType = Number(p.event_type);
    const stream = String(p.stream_id);
    const map = eventType === 1 ? begins : eventType === 0 ? ends : undefined;
    if (!map || map.has(stream)) unexpected++;
    else {
      const signOk = p.sign === md5(CALLBACK_KEY + String(p.t));
      map.set(stream, { at, sequence: String(p.sequence), errcode: Number(p.errcode), signOk, width: Number(p.width) });
    }
    for (const w of [...waiters]) w();
  });
}

function waitForCount(map: Map<string, Arrival>, n: number, timeoutMs: number): Promise<boolean> {
  if (map.size >= n) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      waiters.delete(check);
      resolve(ok);
    };
    const check = () => {
      if (map.size >= n) done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    waiters.add(check);
  });
}

// ---------------------------------------------------------------------------------------------
interface LogScan {
  accepted: Map<string, number>;
  started: Map<string, number>;
  refused: string[];
  errors: string[];
}

function scanLog(logFile: string): LogScan {
  const scan: LogScan = { accepted: new Map(), started: new Map(), refused: [], errors: [] };
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry.msg === 'push accepted') scan.accepted.set(String(entry.stream), Number(entry.time));
    else if (entry.msg === 'push started') scan.started.set(String(entry.stream), Number(entry.time));
    else if (String(entry.msg).startsWith('push refused')) scan.refused.push(`${String(entry.stream)}: ${String(entry.reason ?? entry.msg)}`);
    else if (Number(entry.level) >= 50) scan.errors.push(line.slice(0, 500));
  }
  return scan;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0; utime is field 14 → index 11, stime 15 → 12.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function safeCpuSeconds(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

/** Whole-machine busy fraction between two /proc/stat readings. */
function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  requireFfmpeg();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-ingest-'));
  const file = path.join(work, 'source.flv');
  const ffmpegVersion = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';

  console.log('# livehook embedded-ingest benchmark');
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`);
  console.log(`node ${process.version}; ${ffmpegVersion}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `settings: ${PUBLISHERS} publishers, ${FILE_SECONDS} s 320x240 25 fps H.264 (ultrafast, GOP 2 s) + AAC 64k FLV with -re -c copy, ` +
      `${GATED ? 'read from named pipes opened together once every ffmpeg waits' : 'looped, publishing as soon as spawned'}, ` +
      `${NO_DELAY ? '-tcp_nodelay 1 (as OBS)' : "ffmpeg's TCP defaults (Nagle on)"}, publishers' CPU priority ${PUBLISHER_PRIORITY}, push auth on, stagger ${STAGGER_MS} ms, hold ${HOLD_SECONDS} s; livehook child (node --import tsx), SQLite, receiver in a worker thread of the bench`,
  );

  // 1. Pre-encode.
  let t = Date.now();
  const encode = spawnSync(
    'ffmpeg',
    [
      '-hide_banner', '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', String(FILE_SECONDS),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', file,
    ],
    { encoding: 'utf8' },
  );
  if (encode.status !== 0) throw new Error(`ffmpeg could not pre-encode the source file: ${encode.stderr}`);
  console.log(`pre-encoded ${(fs.statSync(file).size / 1024).toFixed(0)} KiB in ${Date.now() - t} ms`);

  // 2. livehook + receiver + configuration.
  const receiver = await startReceiver();
  const receiverUrl = receiver.url;
  const livehook = await startLivehookProcess({
    dataDir: path.join(work, 'data'),
    logFile: path.join(work, 'livehook.log'),
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    extraArgs: ['--allow-private-callbacks', '--log-level', 'info'],
  });
  const pid = livehook.child.pid!;
  const pushes: Push[] = [];
  try {
    const client: LiveClient = sdkClient(livehook.httpUrl, SECRET_ID, SECRET_KEY);
    await client.request('AddLiveDomain', { DomainName: DOMAIN, DomainType: 0 });
    const { PushAuthKeyInfo: auth } = (await client.request('DescribeLivePushAuthKey', { DomainName: DOMAIN })) as {
      PushAuthKeyInfo: { Enable: number; MasterAuthKey: string };
    };
    const { TemplateId } = (await client.request('CreateLiveCallbackTemplate', {
      TemplateName: 'bench_ingest',
      StreamBeginNotifyUrl: `${receiverUrl}/begin`,
      StreamEndNotifyUrl: `${receiverUrl}/end`,
      CallbackKey: CALLBACK_KEY,
    })) as { TemplateId: number };
    await client.request('CreateLiveCallbackRule', { DomainName: DOMAIN, AppName: '', TemplateId });
    await sleep(500);
    const idleRss = rssMb(pid);
    console.log(`livehook pid ${pid}, idle RSS ${idleRss.toFixed(1)} MB; push auth ${auth.Enable ? 'on' : 'off'}`);

    // 3. Publishers.
    const txTime = Math.floor(Date.now() / 1000 + 3600).toString(16).toUpperCase();
    const releasedAt = new Map<string, number>();
    const pipes: string[] = [];
    t = Date.now();
    for (let i = 0; i < PUBLISHERS; i++) {
      const stream = `bench_${i}`;
      const query = `txSecret=${md5(auth.MasterAuthKey + stream + txTime)}&txTime=${txTime}`;
      let input = file;
      if (GATED) {
        input = path.join(work, `${stream}.fifo`);
        const made = spawnSync('mkfifo', [input], { encoding: 'utf8' });
        if (made.status !== 0) throw new Error(`mkfifo failed: ${made.error?.message ?? made.stderr}`);
        pipes.push(input);
      }
      const p = startPush({
        url: `rtmp://127.0.0.1:${livehook.rtmpPort}/live/${stream}?${query}`,
        tcUrl: `rtmp://${DOMAIN}/live`,
        file: input,
        loop: !GATED,
        noDelay: NO_DELAY,
        killAfterMs: 600_000,
        tailChars: 1500,
      });
      pushes.push(p);
      // Right after spawn, before ffmpeg starts its threads (which inherit it).
      if (PUBLISHER_PRIORITY === 'low') os.setPriority(p.pid, 19);
      if (!GATED) releasedAt.set(stream, p.spawnedAt);
      // Let the receiver's messages and timers in between spawns.
      await (STAGGER_MS > 0 && !GATED ? sleep(STAGGER_MS) : new Promise((resolve) => setImmediate(resolve)));
    }
    const launchMs = Date.now() - t;
    if (GATED) {
      // Every ffmpeg is blocked opening its pipe once the machine is quiet again.
      let before = machineTicks();
      for (const settleDeadline = Date.now() + 30_000; Date.now() < settleDeadline; ) {
        await sleep(500);
        const now = machineTicks();
        const busy = (now.busy - before.busy) / Math.max(1, now.total - before.total);
        before = now;
        if (busy < 0.2) break;
      }
      console.log(`\nspawned ${PUBLISHERS} ffmpeg in ${launchMs} ms, all waiting on their pipes after ${Date.now() - t} ms; releasing them`);
    }
    const cpuBeforeLaunch = cpuSeconds(pid);
    t = Date.now();
    for (const [i, pipe] of pipes.entries()) {
      releasedAt.set(`bench_${i}`, Date.now());
      // Non-blocking (ffmpeg already waits on the read end): an fs write stream would block a
      // libuv pool thread on every full pipe, and four of those starve every other publisher.
      const feed = new net.Socket({ fd: fs.openSync(pipe, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK), readable: false });
      feed.on('error', () => {}); // EPIPE once ffmpeg stops reading
      fs.createReadStream(file).pipe(feed);
      if (STAGGER_MS > 0) await sleep(STAGGER_MS);
    }
    // Every publisher either called back its start or died (a dead one is reported below).
    const startDeadline = Date.now() + 60_000;
    while (begins.size + pushes.filter((p) => !p.running && !begins.has(`bench_${pushes.indexOf(p)}`)).length < PUBLISHERS && Date.now() < startDeadline) {
      await sleep(20);
    }
    const allStarted = begins.size === PUBLISHERS;
    const rampMs = Date.now() - t;
    const cpuRamp = cpuSeconds(pid) - cpuBeforeLaunch;
    const dead = pushes.filter((p) => !p.running).length;
    const log = scanLog(livehook.logFile);
    console.log(
      `${GATED ? `released ${PUBLISHERS} publishers` : `spawned ${PUBLISHERS} publishers in ${launchMs} ms`}; ${begins.size}/${PUBLISHERS} push-start callbacks ${rampMs} ms after the last ${GATED ? 'release' : 'spawn'}` +
        `${allStarted ? '' : ' (TIMED OUT)'}; ${log.accepted.size} accepted, ${log.refused.length} refused, ${dead} publishers already exited`,
    );
    if (log.refused.length) console.log(`refusals: ${log.refused.slice(0, 5).join('; ')}`);
    if (log.errors.length) console.log(`livehook errors: ${log.errors.slice(0, 3).join('\n')}`);
    if (dead > 0) {
      const firstDead = pushes.find((p) => !p.running);
      if (firstDead) console.log(`a dead publisher's stderr:\n${(await firstDead.done).stderrTail.slice(-800)}`);
    }

    const fromAccept: number[] = [];
    const metadataWait: number[] = [];
    const startedToReceiver: number[] = [];
    const fromRelease: number[] = [];
    const releaseToAccept: number[] = [];
    for (const [stream, arrival] of begins) {
      const accepted = log.accepted.get(stream);
      const started = log.started.get(stream);
      const released = releasedAt.get(stream);
      if (accepted !== undefined) fromAccept.push(arrival.at - accepted);
      if (accepted !== undefined && started !== undefined) metadataWait.push(started - accepted);
      if (started !== undefined) startedToReceiver.push(arrival.at - started);
      if (released !== undefined) fromRelease.push(arrival.at - released);
      if (accepted !== undefined && released !== undefined) releaseToAccept.push(accepted - released);
    }
    const p99 = percentile([...fromAccept].sort((a, b) => a - b), 99);
    console.log('\n## push-start callback latency');
    console.log(`publish accepted → receiver: ${stats(fromAccept)}   [target p99 ≤ 200 ms: ${p99 <= 200 ? 'MET' : 'MISSED'}]`);
    const sized = [...begins.values()].filter((a) => a.width > 0).length;
    console.log(`  accepted → started (metadata wait): ${stats(metadataWait)}; width/height known in ${sized}/${begins.size}`);
    console.log(`  started → receiver (store, deliver): ${stats(startedToReceiver)}`);
    const released = GATED ? 'pipe opened    ' : 'ffmpeg spawned ';
    console.log(`${released}  → receiver: ${stats(fromRelease)}`);
    console.log(`${released}  → accepted: ${stats(releaseToAccept)}`);
    console.log(`livehook CPU during the ramp: ${cpuRamp.toFixed(2)} s over ${(rampMs / 1000).toFixed(1)} s`);

    // 5. Steady state with every publisher live.
    await sleep(1000);
    const cpu0 = cpuSeconds(pid);
    const ffmpegCpu = (): number => pushes.reduce((sum, p) => sum + (p.running ? safeCpuSeconds(p.pid) : 0), 0);
    const ff0 = ffmpegCpu();
    const m0 = machineTicks();
    const h0 = Date.now();
    let rssMax = 0;
    const rssSamples: number[] = [];
    while (Date.now() - h0 < HOLD_SECONDS * 1000) {
      await sleep(500);
      const rss = rssMb(pid);
      rssSamples.push(rss);
      rssMax = Math.max(rssMax, rss);
    }
    const holdS = (Date.now() - h0) / 1000;
    const cpuPct = ((cpuSeconds(pid) - cpu0) / holdS) * 100;
    const ffPct = ((ffmpegCpu() - ff0) / holdS) * 100;
    const m1 = machineTicks();
    const machinePct = ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100;
    const live = pushes.filter((p) => p.running).length;
    const health = (await fetch(`${livehook.httpUrl}/healthz`).then((r) => r.json(), () => undefined)) as
      | { ingest?: { livePushes?: number } }
      | undefined;
    console.log(`\n## with ${live} publishers live (${holdS.toFixed(1)} s window)`);
    console.log(`livehook CPU: ${cpuPct.toFixed(1)} % of one core (all ${live} ffmpeg together: ${ffPct.toFixed(0)} %; machine busy ${machinePct.toFixed(0)} % of ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)})`);
    console.log(
      `livehook RSS: ${rssSamples.at(-1)?.toFixed(1)} MB now, max ${rssMax.toFixed(1)} MB (idle before pushes ${idleRss.toFixed(1)} MB)` +
        `${health?.ingest?.livePushes !== undefined ? `; /healthz livePushes ${health.ingest.livePushes}` : ''}`,
    );

    // 6. Stop everyone.
    const stopAt = Date.now();
    const results = await Promise.all(pushes.map((p) => p.stop(10_000)));
    const exitedAt = Date.now();
    const allEnded = (await waitForCount(ends, begins.size, 15_000)) && ends.size === PUBLISHERS;
    const endDone = Date.now();
    const endLatency: number[] = [];
    const exitTimes = new Map(results.map((r, i) => [`bench_${i}`, r.exitedAt]));
    for (const [stream, arrival] of ends) {
      const exit = exitTimes.get(stream);
      if (exit !== undefined) endLatency.push(arrival.at - exit);
    }
    const errcodes = new Map<number, number>();
    for (const a of ends.values()) errcodes.set(a.errcode, (errcodes.get(a.errcode) ?? 0) + 1);
    let sequencesMatch = 0;
    for (const [stream, b] of begins) if (ends.get(stream)?.sequence === b.sequence) sequencesMatch++;
    const badSigns = [...begins.values(), ...ends.values()].filter((a) => !a.signOk).length;
    console.log('\n## stop');
    console.log(
      `${results.filter((r) => r.code === 0).length}/${PUBLISHERS} ffmpeg exited 0, all within ${exitedAt - stopAt} ms; ` +
        `${ends.size}/${begins.size} push-end callbacks (of ${PUBLISHERS} publishers)${allEnded ? '' : ' (TIMED OUT)'}, last ${endDone - stopAt} ms after the stop`,
    );
    console.log(`ffmpeg exit → push-end callback: ${stats(endLatency)}`);
    console.log(
      `errcodes: ${[...errcodes].map(([code, n]) => `${code}×${n}`).join(', ')}; sequences matching 1↔0: ${sequencesMatch}/${begins.size}; ` +
        `bad signs: ${badSigns}; unexpected requests: ${unexpected}`,
    );
    const ok = allStarted && allEnded && p99 <= 200 && sequencesMatch === PUBLISHERS && badSigns === 0 && unexpected === 0;
    console.log(`\nresult: ${ok ? 'OK' : 'PROBLEMS (see above)'}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await Promise.all(pushes.map((p) => p.kill()));
    livehook.child.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        livehook.child.kill('SIGKILL');
        resolve(undefined);
      }, 15_000);
      livehook.child.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    await receiver.close();
    if (values.keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
