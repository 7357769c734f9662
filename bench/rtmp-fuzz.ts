/**
 * The ingest fuzz test (test/media/rtmp-fuzz.test.ts) at bench size: `--cases` random and mutated
 * RTMP handshakes, chunks, AMF0 commands and publish flows with random media
 * (test/helpers/rtmp-fuzz-cases.ts), `--concurrency` connections at a time, against livehook run
 * as a child process. Every 2,000 cases /healthz must answer; at the end livehook must still be
 * running. Prints cases per second, livehook's RSS before and after, and what its log says about
 * the connections (refused with a reason, closed on an unexpected error, publishes admitted).
 *
 * Usage: npx tsx bench/rtmp-fuzz.ts [--cases 100000] [--concurrency 48] [--seed <n>] [--linger-ms 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { sdkClient } from '../test/helpers/livehook.js';
import { FUZZ_DOMAIN, fuzzCase, playCase } from '../test/helpers/rtmp-fuzz-cases.js';
import { rssMb, startLivehookProcess } from './livehook-process.js';
import { fmt, loadNote } from './lib.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '48' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'linger-ms': { type: 'string', default: '5' },
  },
});
const CASES = Number(values.cases);
const CONCURRENCY = Number(values.concurrency);
const SEED = Number(values.seed);
const LINGER_MS = Number(values['linger-ms']);
const CHECK_EVERY = 2000;
const SECRET_ID = 'AKIDbenchrtmpfuzz0000000000000000000';
const SECRET_KEY = 'benchRtmpFuzzSecretKey0000000000';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-fuzz-'));
const logFile = path.join(work, 'livehook.log');
const livehook = await startLivehookProcess({ dataDir: path.join(work, 'data'), logFile, secretId: SECRET_ID, secretKey: SECRET_KEY, extraArgs: ['--log-level', 'info'] });
const pid = livehook.child.pid!;
let exited: number | null | undefined;
livehook.child.once('exit', (code) => {
  exited = code;
});
try {
  const client = sdkClient(livehook.httpUrl, SECRET_ID, SECRET_KEY);
  await client.AddLiveDomain({ DomainName: FUZZ_DOMAIN, DomainType: 0 });
  await client.ModifyLivePushAuthKey({ DomainName: FUZZ_DOMAIN, Enable: 0 });
  const rssBefore = rssMb(pid);
  console.log(`livehook pid ${pid}, ${loadNote()}; seed ${SEED}; RSS ${fmt(rssBefore, 1)} MB`);

  const started = Date.now();
  let played = 0;
  let healthChecks = 0;
  for (let batchStart = 0; batchStart < CASES && exited === undefined; batchStart += CHECK_EVERY) {
    const cases = fc.sample(fuzzCase, { numRuns: Math.min(CHECK_EVERY, CASES - batchStart), seed: SEED + batchStart });
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) await playCase(livehook.rtmpPort, cases[next++]!, LINGER_MS);
      }),
    );
    played += cases.length;
    const health = await fetch(`${livehook.httpUrl}/healthz`);
    if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after ${played} cases: ${await health.text()}`);
    healthChecks += 1;
    if (played % 20_000 === 0) console.log(`  ${played} cases, ${fmt(played / ((Date.now() - started) / 1000))} cases/s`);
  }
  const seconds = (Date.now() - started) / 1000;
  if (exited !== undefined) throw new Error(`livehook exited (code ${exited}) after ${played} cases; log in ${logFile}`);

  const log = fs.readFileSync(logFile, 'utf8').split('\n');
  const refused = log.filter((l) => l.includes('"rtmp connection refused"')).length;
  const unexpected = log.filter((l) => l.includes('error while handling it'));
  const errors = new Map<string, number>();
  for (const line of unexpected) {
    const message = (JSON.parse(line) as { err?: { message?: string } }).err?.message ?? '?';
    errors.set(message, (errors.get(message) ?? 0) + 1);
  }
  const admitted = log.filter((l) => l.includes('"push accepted"')).length;
  console.log(`${played} cases in ${fmt(seconds, 1)} s (${fmt(played / seconds)} cases/s, ${CONCURRENCY} at a time); livehook alive, /healthz 200 at all ${healthChecks} checks`);
  console.log(`RSS after: ${fmt(rssMb(pid), 1)} MB (before ${fmt(rssBefore, 1)} MB)`);
  console.log(`log: ${refused} connections refused with a reason, ${unexpected.length} closed on an unexpected error, ${admitted} fuzzed publishes admitted`);
  for (const [message, count] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${count} × ${message}`);
} finally {
  if (exited === undefined) {
    livehook.child.kill('SIGTERM');
    await new Promise((resolve) => livehook.child.once('exit', resolve));
  }
  fs.rmSync(work, { recursive: true, force: true });
}
