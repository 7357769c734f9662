/**
 * Roles (README, "Roles") on one PostgreSQL database, with livehook processes
 * (test/fixtures/livehook-emitter.ts) and nginx-rtmp-shaped hooks:
 * - A runs with --no-delivery: a push through its hooks stores push start (1) and push end (0),
 *   and nothing is sent; its /healthz is 200 with `delivery: { ready: true, role: 'off' }`.
 * - B runs with --no-ingest on A's RTMP port (it starts, so it does not listen there), answers 404
 *   on the hook routes, reports ingest and capture off, and delivers A's events: the receiver gets
 *   1 then 0, and so for a push through A while B runs.
 * The SQLite refusal of --no-delivery is a CLI failure line: test/cli/cli.test.ts.
 */
import fs from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/database.js';
import { until } from '../helpers/child-process.js';
import { cleanupsAfterAll, startEmitter, type EmitterProcess } from '../helpers/emitter-process.js';
import { sdkClient, tempDir, TEST_SECRET_ID, TEST_SECRET_KEY } from '../helpers/livehook.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { callBackStartsAndEnds, nginxNotify } from '../helpers/scale-out.js';

const cleanup = cleanupsAfterAll();
type Instance = EmitterProcess;

async function startInstance(args: string[]): Promise<Instance> {
  const dataDir = tempDir('livehook-roles-');
  cleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return startEmitter(dataDir, args, cleanup);
}

async function health(instance: Instance): Promise<{ status: number; parts: Record<string, Record<string, unknown>> }> {
  const response = await fetch(`${instance.url}/healthz`);
  return { status: response.status, parts: (await response.json()) as Record<string, Record<string, unknown>> };
}

/** The stream's events in the store, in order: [event_type, status]. */
async function storedEvents(store: Store, stream: string): Promise<Array<[number, string]>> {
  const rows = await store.db.selectFrom('events').select(['event_type', 'status']).where('stream', '=', stream).orderBy('id').execute();
  return rows.map((r) => [r.event_type, r.status]);
}

/** nginx on_publish then on_publish_done through `instance`: one push start and one push end. */
async function pushThrough(instance: Instance, stream: string): Promise<void> {
  assert.equal(await nginxNotify(instance.url, 'publish', stream, `client-${stream}`), 200, 'the publish is admitted');
  assert.equal(await nginxNotify(instance.url, 'publish_done', stream, `client-${stream}`), 200);
}

/** Waits until the stream's push start and end are recorded as delivered (after the receiver answered). */
async function deliveredThrough(store: Store, stream: string): Promise<void> {
  let seen: Array<[number, string]> = [];
  const delivered = async (): Promise<boolean> => {
    seen = await storedEvents(store, stream);
    return JSON.stringify(seen) === JSON.stringify([[1, 'delivered'], [0, 'delivered']]);
  };
  await until(delivered, 15_000, () => `push start and end of ${stream} delivered (store: ${JSON.stringify(seen)})`);
}

const callbacksOf = (rx: Receiver, stream: string): Array<[string, number]> =>
  rx
    .received((r: ReceivedRequest) => (r.json as { stream_id?: string }).stream_id === stream)
    .map((r) => [r.path, (r.json as { event_type: number }).event_type]);

test('an API+ingest instance with --no-delivery stores the events, a --no-ingest instance on the same database delivers them', { timeout: 120_000 }, async () => {
  const db = await createTestDatabase('roles');
  cleanup(() => db.drop());
  const rx = await Receiver.start({ respond: 200 });
  cleanup(() => rx.close());
  const store = await openStore(db.url);
  cleanup(() => store.close());

  // ---- A: API and ingest, no delivery ----
  const a = await startInstance(['--database-url', db.url, '--receiver', rx.url('/begin'), '--no-delivery']);
  await callBackStartsAndEnds(sdkClient(a.url, TEST_SECRET_ID, TEST_SECRET_KEY), rx);
  const aHealth = await health(a);
  assert.equal(aHealth.status, 200, 'a part switched off never makes the instance unready');
  assert.deepEqual(aHealth.parts.delivery, { ready: true, role: 'off' });
  assert.deepEqual(aHealth.parts.ingest, { ready: true, state: 'running', rtmpPort: Number(a.rtmp), restarts: 0, livePushes: 0 });

  await pushThrough(a, 'roles_before');
  assert.deepEqual(await storedEvents(store, 'roles_before'), [[1, 'pending'], [0, 'pending']], 'push start and end are stored, each answered hook after its event');
  const attempts = await store.db.selectFrom('delivery_attempts').select('id').execute();
  assert.deepEqual([attempts.length, rx.requests.length], [0, 0], 'A sends nothing');

  // ---- B: delivery, no ingest; given A's RTMP port, which it must not try to listen on ----
  const b = await startInstance(['--database-url', db.url, '--receiver', rx.url('/begin'), '--no-ingest', '--rtmp-port', a.rtmp]);
  assert.equal(b.rtmp, 'off');
  const bHealth = await health(b);
  assert.equal(bHealth.status, 200);
  assert.deepEqual(bHealth.parts.ingest, { ready: true, role: 'off' });
  assert.deepEqual(bHealth.parts.capture, { ready: true, role: 'off' });
  assert.equal(bHealth.parts.delivery?.ready, true);
  assert.equal(bHealth.parts.delivery?.role, undefined);
  assert.equal(await nginxNotify(b.url, 'publish', 'roles_refused', 'client-refused'), 404, 'no hook routes on B');

  await deliveredThrough(store, 'roles_before');
  assert.deepEqual(callbacksOf(rx, 'roles_before'), [['/begin', 1], ['/end', 0]], 'B delivers what A stored, in order, once each');

  // While both run: a push through A reaches the receiver through B.
  await pushThrough(a, 'roles_while');
  await deliveredThrough(store, 'roles_while');
  assert.deepEqual(callbacksOf(rx, 'roles_while'), [['/begin', 1], ['/end', 0]]);

  for (const instance of [a, b]) instance.proc.child.kill('SIGTERM');
  for (const instance of [a, b]) assert.deepEqual(await instance.proc.exited, { code: 0, signal: null }, 'SIGTERM drains and exits 0');
});
