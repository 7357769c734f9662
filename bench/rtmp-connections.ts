/**
 * Idle and slow RTMP connections against livehook's embedded ingest (issue 11 §2): livehook runs
 * as a child process (as `npm start` runs it); the bench holds N connections open, a third each
 * silent (connected, nothing sent), slow (the handshake trickled one byte a second) and idle after
 * the handshake (C0+C1+C2 sent, then nothing). Meanwhile it calls the API (DescribeLiveDomains,
 * one call at a time) and prints its p50/p99. Then it closes them all and reads livehook's RSS
 * again after `--settle-seconds` (of API calls: a process that allocates nothing never collects). The deadlines are raised for the run so that the connections
 * stay for the measurement: this measures what holding them costs, not how fast they are shed.
 *
 * Target: N = 4,000 keeps livehook under 300 MB RSS, API p99 ≤ 50 ms, and RSS back within 20 % of
 * the idle baseline after they close.
 *
 * Usage: npx tsx bench/rtmp-connections.ts [--connections 4000] [--hold-seconds 15] [--settle-seconds 20]
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sdkClient } from '../test/helpers/livehook.js';
import { rssMb, startLivehookProcess } from './livehook-process.js';
import { fmt, loadNote, percentile, sleep } from './lib.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '4000' },
    'hold-seconds': { type: 'string', default: '15' },
    'settle-seconds': { type: 'string', default: '20' },
  },
});
const N = Number(values.connections);
const HOLD_MS = Number(values['hold-seconds']) * 1000;
const SETTLE_MS = Number(values['settle-seconds']) * 1000;
const HANDSHAKE_SIZE = 1536;
const SECRET_ID = 'AKIDbenchrtmpconnections000000000000';
const SECRET_KEY = 'benchRtmpConnectionsSecretKey000';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-rtmp-'));
const livehook = await startLivehookProcess({
  dataDir: path.join(work, 'data'),
  logFile: path.join(work, 'livehook.log'),
  secretId: SECRET_ID,
  secretKey: SECRET_KEY,
  extraArgs: [
    '--log-level', 'info',
    '--rtmp-max-connections', String(N + 100),
    '--rtmp-max-connections-per-ip', String(N + 100),
    '--rtmp-handshake-timeout-ms', '600000',
    '--rtmp-setup-timeout-ms', '600000',
  ],
});
const pid = livehook.child.pid!;
const client = sdkClient(livehook.httpUrl, SECRET_ID, SECRET_KEY);
const sockets: net.Socket[] = [];
let closedEarly = 0;

function open(kind: 'silent' | 'slow' | 'idle'): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: livehook.rtmpPort, host: '127.0.0.1' });
    socket.on('error', () => {});
    socket.once('close', () => {
      if (!stopping) closedEarly += 1;
    });
    socket.once('connect', () => {
      sockets.push(socket);
      if (kind === 'idle') socket.write(Buffer.concat([Buffer.from([3]), randomBytes(HANDSHAKE_SIZE)]));
      if (kind === 'slow') socket.write(Buffer.from([3]));
      resolve();
    });
    socket.once('error', reject);
  });
}
let stopping = false;

/** V8 heap used / total and external memory, in MB, from livehook's /metrics. */
async function heap(): Promise<string> {
  const text = await (await fetch(`${livehook.httpUrl}/metrics`)).text();
  const mb = (name: string): string => fmt(Number(new RegExp(`^livehook_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576, 1);
  return `V8 heap ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB`;
}

try {
  await sleep(3000);
  const baseline = rssMb(pid);
  console.log(`livehook pid ${pid}, ${loadNote()}; idle baseline RSS ${fmt(baseline, 1)} MB (${await heap()})`);

  const kinds = ['silent', 'slow', 'idle'] as const;
  const openedAt = Date.now();
  for (let i = 0; i < N; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, N - i) }, (_, j) => open(kinds[(i + j) % 3]!)));
  }
  console.log(`opened ${sockets.length} connections in ${Date.now() - openedAt} ms`);
  // C2 of the idle ones once S0+S1+S2 has come (any 1536 bytes do for the plain handshake).
  await sleep(1000);
  for (const [i, socket] of sockets.entries()) if (i % 3 === 2) socket.write(randomBytes(HANDSHAKE_SIZE));
  const trickle = setInterval(() => {
    for (const [i, socket] of sockets.entries()) if (i % 3 === 1 && !socket.destroyed) socket.write(Buffer.from([0]));
  }, 1000);

  const latencies: number[] = [];
  let peak = 0;
  /** Calls the API one call at a time for `ms`, noting latencies and the peak RSS. */
  const callApi = async (ms: number, into: number[]): Promise<void> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const started = performance.now();
      await client.DescribeLiveDomains({});
      into.push(performance.now() - started);
      peak = Math.max(peak, rssMb(pid));
      await sleep(20);
    }
  };
  await callApi(HOLD_MS, latencies);
  clearInterval(trickle);
  latencies.sort((a, b) => a - b);
  const held = sockets.filter((s) => !s.destroyed).length;
  console.log(`held ${held} of ${N} connections (${closedEarly} closed by livehook) for ${HOLD_MS / 1000} s`);
  console.log(`RSS while held: ${fmt(rssMb(pid), 1)} MB (peak ${fmt(peak, 1)} MB; target < 300; ${await heap()})`);
  console.log(`API DescribeLiveDomains meanwhile: ${latencies.length} calls, p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms (target ≤ 50)`);

  stopping = true;
  for (const socket of sockets) socket.destroy();
  // The API keeps being used, as it would be: a process that allocates nothing never collects.
  await callApi(SETTLE_MS, []);
  const after = rssMb(pid);
  console.log(`RSS ${SETTLE_MS / 1000} s after they closed: ${fmt(after, 1)} MB (${fmt(((after - baseline) / baseline) * 100, 1)} % above the baseline; target ≤ 20 %; ${await heap()})`);
} finally {
  livehook.child.kill('SIGTERM');
  await new Promise((resolve) => livehook.child.once('exit', resolve));
  fs.rmSync(work, { recursive: true, force: true });
}
