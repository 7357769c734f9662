/**
 * A livehook whose disk fills up while it runs: an API write fails with the real SQLite error in
 * the log, /healthz answers 503 naming the cause and the storage metrics count it; once space is
 * freed, the next write succeeds and /healthz is 200 again. SQLite on a tmpfs the test mounts,
 * whatever LIVEHOOK_TEST_BACKEND says: the fault is the disk's.
 */
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startLivehook, type Livehook } from '../../src/main.js';
import { TEST_SECRET_ID, TEST_SECRET_KEY, errorCode, sdkClient } from '../helpers/livehook.js';
import { emptyWal, mountTmpfs } from '../helpers/tmpfs.js';

const fsys = mountTmpfs(8 * 1024 * 1024);
const dbFile = path.join(fsys.dir, 'livehook.db');
let livehook: Livehook | undefined;

after(async () => {
  await livehook?.close().catch(() => {});
  fsys.unmount();
});

async function health(url: string): Promise<{ status: number; body: { store: Record<string, unknown> } }> {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as { store: Record<string, unknown> } };
}

async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

test('disk full while running: API write fails with SQLITE_FULL, /healthz 503 with the cause, counted; space freed: 200 again', async () => {
  const logLines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const config = loadConfig(
    { dataDir: fsys.dir, databaseUrl: `sqlite:${dbFile}`, host: '127.0.0.1', httpPort: 0, rtmpPort: 0 },
    {},
  );
  livehook = await startLivehook(config, { env: { LIVEHOOK_SECRET_ID: TEST_SECRET_ID, LIVEHOOK_SECRET_KEY: TEST_SECRET_KEY }, log });
  const url = livehook.httpUrl;
  const client = sdkClient(url, TEST_SECRET_ID, TEST_SECRET_KEY);
  const create = (name: string) => client.CreateLiveCallbackTemplate({ TemplateName: name, StreamBeginNotifyUrl: 'http://receiver.example.com/cb' });

  await create('before');
  assert.equal((await health(url)).status, 200);
  assert.equal(await metric(url, 'livehook_storage_fault'), 0);

  // Emptied, the WAL holds no space that writes could reuse (helpers/tmpfs.ts).
  await emptyWal(dbFile);
  fsys.fill();
  // The first write that needs a new block fails: here, the first write.
  const writtenWhileFull: string[] = [];
  let failure = '';
  for (let i = 0; i < 1000 && !failure; i++) {
    const name = `whilefull${i}`;
    failure = await errorCode(create(name)).catch(() => (writtenWhileFull.push(name), ''));
  }
  assert.equal(failure, 'InternalError');
  assert.deepEqual(writtenWhileFull, [], 'with the WAL emptied, the first write needs a new block');

  const unhealthy = await health(url);
  assert.equal(unhealthy.status, 503);
  assert.equal(unhealthy.body.store.ready, false);
  assert.equal(unhealthy.body.store.error, 'database or disk is full (SQLITE_FULL)');
  const operation = unhealthy.body.store.operation;
  // The background checkpointer may meet the full disk first.
  assert.ok(operation === 'write' || operation === 'commit' || operation === 'checkpoint', String(operation));
  const counted = `livehook_storage_errors_total{operation="${operation}"}`;
  assert.equal(await metric(url, counted), 1);
  assert.equal(await metric(url, 'livehook_storage_fault'), 1);

  // The log names the real cause, once where the fault begins and once where the request failed.
  const entries = logLines.map((l) => JSON.parse(l) as { msg: string; cause?: string; err?: { code?: string; message?: string } });
  assert.ok(!logLines.some((l) => l.includes('cannot rollback')), 'the rollback error must not hide the cause');
  assert.equal(entries.filter((e) => e.msg.startsWith('storage fault:')).length, 1);
  assert.equal(entries.find((e) => e.msg.startsWith('storage fault:'))?.cause, 'database or disk is full (SQLITE_FULL)');
  assert.equal(entries.find((e) => e.msg === 'api action failed')?.err?.code, 'SQLITE_FULL');

  fsys.free();
  await create('after');
  assert.equal((await health(url)).status, 200);
  assert.equal(await metric(url, 'livehook_storage_fault'), 0);
  assert.equal(await metric(url, counted), 1);
  assert.ok(entries.length < logLines.length && logLines.some((l) => l.includes('storage fault cleared')));
  assert.deepEqual(
    (await client.DescribeLiveCallbackTemplates()).Templates!.map((t) => t.TemplateName),
    ['before', ...writtenWhileFull, 'after'],
  );
});
