/**
 * Crash safety (docs/delivery.md, "Nothing lost"): `kill -9` of a livehook process while it is
 * delivering, a restart on the same data dir, and then every one of the events reaches the
 * receiver; duplicates are only attempts that were in flight (same webhook-id, same event), and
 * the store ends with every event `delivered`.
 *
 * livehook runs as a child process (test/fixtures/livehook-emitter.ts) so that it can really be
 * killed; the receiver runs here and sees every request of both lives.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DEFAULT_MAX_CLAIMED } from '../../src/delivery/dispatcher.js';
import { openStore } from '../../src/store/database.js';
import { startTsProcess, until } from '../helpers/child-process.js';
import { tempDir } from '../helpers/livehook.js';

const EVENTS = 20_000;
/** The kill lands once the receiver has seen this many (and every event is durable). */
const KILL_AFTER = 5_000;
/** Receiver think time, so the run lasts long enough for the kill to find attempts in flight. */
const RECEIVER_DELAY_MS = 2;
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/livehook-emitter.ts');

const startFixture = (args: string[]) => startTsProcess(FIXTURE, args);

const dataDir = tempDir('livehook-crash-');
const children: ChildProcess[] = [];
let receiver: http.Server | undefined;

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve) ?? resolve(undefined));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test(`kill -9 while delivering ${EVENTS} events: after a restart none is lost, duplicates only from attempts in flight`, { timeout: 90_000 }, async () => {
  // ---- receiver: every request, by webhook-id, with the event it carried ----
  const seen = new Map<string, { count: number; event: string }>();
  let requests = 0;
  let inFlight = 0;
  let mismatched = 0;
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      // `t` and `sign` are made per attempt; the rest is the stored event and must not change.
      delete body.t;
      delete body.sign;
      const event = JSON.stringify(body);
      const entry = seen.get(id);
      if (entry) {
        entry.count++;
        if (entry.event !== event) mismatched++;
      } else {
        seen.set(id, { count: 1, event });
      }
      requests++;
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
      }, RECEIVER_DELAY_MS);
    });
  });
  receiver.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`;

  // ---- first life: emit everything, kill -9 while deliveries are in flight ----
  const first = startFixture(['--data-dir', dataDir, '--http-port', '0', '--receiver', receiverUrl, '--emit', String(EVENTS)]);
  children.push(first.child);
  await first.waitFor((l) => l.startsWith('ready '), 30_000);
  await first.waitFor((l) => l === 'setup-done', 15_000);
  await first.waitFor((l) => l === 'emit-done', 30_000);
  await until(() => seen.size >= KILL_AFTER, 30_000, () => `${KILL_AFTER} deliveries (seen ${seen.size})`);
  const atKill = { distinct: seen.size, requests, receiverInFlight: inFlight };
  first.child.kill('SIGKILL');
  const firstExit = await first.exited;
  assert.equal(firstExit.signal, 'SIGKILL');
  assert.ok(
    atKill.distinct < EVENTS,
    `the kill must land while deliveries remain (it landed after ${atKill.distinct} of ${EVENTS}); slow the receiver down`,
  );
  const lastEmitted = first.lines.filter((l) => l.startsWith('emitted ')).at(-1);
  assert.equal(lastEmitted, `emitted ${EVENTS}`, 'every event was acknowledged as durable before the kill');

  // ---- second life: same data dir, no new events; it must deliver the rest ----
  const second = startFixture(['--data-dir', dataDir, '--http-port', '0', '--receiver', receiverUrl]);
  children.push(second.child);
  await second.waitFor((l) => l.startsWith('ready '), 30_000);
  const restartedAt = Date.now();
  await until(() => seen.size >= EVENTS, 60_000, () => `all ${EVENTS} webhook-ids (seen ${seen.size})`);
  const catchUpMs = Date.now() - restartedAt;
  second.child.kill('SIGTERM');
  const secondExit = await second.exited;
  assert.deepEqual(secondExit, { code: 0, signal: null }, 'SIGTERM drains and exits 0');

  // ---- what the receiver saw ----
  const duplicates = requests - seen.size;
  const maxPerId = Math.max(...[...seen.values()].map((e) => e.count));
  console.log(
    `crash: killed after ${atKill.distinct} distinct / ${atKill.requests} requests (${atKill.receiverInFlight} unanswered at the receiver); ` +
      `second life caught up in ${catchUpMs} ms; ${requests} requests for ${seen.size} events: ${duplicates} duplicates (max ${maxPerId} per id)`,
  );
  assert.equal(seen.size, EVENTS, 'every event reached the receiver');
  assert.ok(!seen.has(''), 'every request carried a webhook-id');
  assert.equal(mismatched, 0, 'a repeated webhook-id always carried the same event');
  assert.ok(duplicates <= DEFAULT_MAX_CLAIMED, `duplicates (${duplicates}) ≤ the dispatcher's claimed rows (${DEFAULT_MAX_CLAIMED})`);

  // ---- what the store says, read after the second life has closed it ----
  const store = await openStore(`sqlite:${path.join(dataDir, 'livehook.db')}`);
  try {
    const byStatus = await store.db.selectFrom('events').select(['status', sql<number>`count(*)`.as('n')]).groupBy('status').execute();
    assert.deepEqual(
      byStatus.map((r) => [r.status, Number(r.n)]),
      [['delivered', EVENTS]],
      'the store has every event, each delivered',
    );
    const ids = await store.db.selectFrom('events').select('webhook_id').execute();
    assert.ok(ids.every((r) => seen.has(r.webhook_id)), 'the store and the receiver agree on the webhook-ids');
    const left = await store.db.selectFrom('deliveries').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(left.n), 0, 'nothing is left in the hot table');
  } finally {
    await store.close();
  }
});
