/**
 * API throughput: DescribeLiveCallbackTemplates (10 templates) against a livehook child process,
 * TC3-signed, keep-alive, N concurrent requests for a fixed duration after a warm-up; prints
 * requests/s, latency and livehook's CPU per request. The ceiling, in the same run: the same
 * client against a bare node:http child process that answers every POST with livehook's bytes.
 * Usage: npm run bench:api [-- --seconds 10 --concurrency 32]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { signTc3, tc3Date } from '../src/api/tc3.js';
import { cpuMsOf } from './livehook-process.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '32' } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const SECRET_ID = 'AKIDbenchbenchbenchbenchbenchbench00';
const SECRET_KEY = 'benchSecretKey000000000000000000';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function signedHeaders(action: string, body: string, host: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const contentType = 'application/json';
  const signature = signTc3({
    method: 'POST', path: '/', query: '',
    headers: [['content-type', contentType], ['host', host.replace(/:\d+$/, '')]],
    payload: body, timestamp, service: 'live', secretKey: SECRET_KEY,
  });
  return {
    'content-type': contentType,
    'x-tc-action': action,
    'x-tc-version': '2018-08-01',
    'x-tc-timestamp': String(timestamp),
    authorization: `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${tc3Date(timestamp)}/live/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
  };
}

/** A node:http child that reads each POST and answers `body`: what the client and HTTP alone cost. */
const BARE_SERVER = `
const body = process.argv[1];
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body));
});
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

async function startBareServer(body: string): Promise<{ origin: string; stop: () => void }> {
  const bare = spawn(process.execPath, ['-e', BARE_SERVER, body], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    bare.once('message', (m) => resolve(Number(m)));
    bare.once('exit', (code) => reject(new Error(`the bare server exited with code ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, stop: () => bare.kill('SIGKILL') };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-'));
const port = await freePort();
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    // e.g. BENCH_LIVEHOOK_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile livehook under the bench.
    ...(process.env.BENCH_LIVEHOOK_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    'src/cli/main.ts', 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--http-port', String(port), '--rtmp-port', '0', '--log-level', 'warn'],
  { env: { ...process.env, LIVEHOOK_SECRET_ID: SECRET_ID, LIVEHOOK_SECRET_KEY: SECRET_KEY, LIVEHOOK_ADMIN_PASSWORD: 'bench-password' }, stdio: ['ignore', 'ignore', 'inherit'] },
);
const origin = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${origin}/healthz`).then((r) => r.ok, () => false))) break;
    if (i > 100) throw new Error('livehook did not become healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const call = async (action: string, params: object) => {
    const body = JSON.stringify(params);
    const res = await pool.request({ method: 'POST', path: '/', headers: signedHeaders(action, body, `127.0.0.1:${port}`), body });
    const json = (await res.body.json()) as { Response: { Error?: { Code: string } } };
    if (json.Response.Error) throw new Error(`${action}: ${json.Response.Error.Code}`);
  };
  for (let i = 0; i < 10; i++) {
    await call('CreateLiveCallbackTemplate', { TemplateName: `bench${i}`, StreamBeginNotifyUrl: `http://127.0.0.1:9/begin${i}`, CallbackKey: 'benchkey' });
  }
  // One signed request, replayed: signatures stay valid for five minutes, and signing cost is the client's.
  const body = '{}';
  const headers = signedHeaders('DescribeLiveCallbackTemplates', body, `127.0.0.1:${port}`);
  const run = async (target: Pool, ms: number, latencies?: number[]) => {
    const end = performance.now() + ms;
    let count = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const res = await target.request({ method: 'POST', path: '/', headers, body });
          await res.body.text();
          latencies?.push(performance.now() - t0);
          count++;
        }
      }),
    );
    return count;
  };
  await run(pool, 2000);
  const latencies: number[] = [];
  const cpuBefore = cpuMsOf(child.pid!);
  const count = await run(pool, SECONDS * 1000, latencies);
  const cpuAfter = cpuMsOf(child.pid!);
  const answer = await (await pool.request({ method: 'POST', path: '/', headers, body })).body.text();
  const bare = await startBareServer(answer);
  const barePool = new Pool(bare.origin, { connections: CONCURRENCY, pipelining: 1 });
  await run(barePool, 2000);
  const bareCount = await run(barePool, SECONDS * 1000);
  await barePool.close();
  bare.stop();
  latencies.sort((a, b) => a - b);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, backend sqlite`);
  console.log(`DescribeLiveCallbackTemplates (10 templates), concurrency ${CONCURRENCY}, ${SECONDS} s after 2 s warm-up`);
  console.log(`requests/s: ${Math.round(count / SECONDS)} = ${((count / bareCount) * 100).toFixed(1)} % of the bare ceiling, ${Math.round(bareCount / SECONDS)} requests/s (the same client, a node:http server answering the same ${Buffer.byteLength(answer)} bytes)`);
  console.log(`latency ms: p50 ${percentile(latencies, 50).toFixed(2)}  p99 ${percentile(latencies, 99).toFixed(2)}`);
  // Per request, livehook's CPU is steadier than requests/s, which also follows the load generator's share of the cores.
  const perRequest = (ms: number) => ((ms * 1000) / count).toFixed(0);
  console.log(`livehook CPU per request: ${perRequest(cpuAfter.all - cpuBefore.all)} µs, of which the event loop's thread ${perRequest(cpuAfter.main - cpuBefore.main)} µs`);
  await pool.close();
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
