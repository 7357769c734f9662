/**
 * Live streams as durable, cluster-wide state (docs/live-state.md), with real parts: livehook
 * processes (test/fixtures/livehook-emitter.ts) on a real PostgreSQL or SQLite, ffmpeg pushes into
 * their embedded ingest, nginx-rtmp-shaped hooks, and a receiver that sees every callback.
 * - Two instances on PostgreSQL: the online list through either shows every push with its holder;
 *   DropLiveStream and ForbidLiveStream through B cut a publisher held by A within 2 s; an
 *   nginx on_publish_done that reaches B ends a push whose on_publish reached A (and its
 *   on_record_done there is called back too); the same stream
 *   pushed into A and B at once is accepted once.
 * - `kill -9` of A with pushes live on it: B ends each of them exactly once (errcode 9), with
 *   push_duration up to the last time A saw it, within the lease.
 * - SQLite: `kill -9` and a restart on the same data dir ends what the first life left open.
 * Every push start the receiver saw is matched by exactly one push end.
 */
import fs from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMITTER_APP, EMITTER_DOMAIN } from '../fixtures/emitter-setup.js';
import { until, type LineProcess } from '../helpers/child-process.js';
import { cleanupsAfterAll, startEmitter } from '../helpers/emitter-process.js';
import { callAction } from '../helpers/callbacks.js';
import { startPush, type Push } from '../helpers/ffmpeg.js';
import { sdkClient, tempDir, TEST_SECRET_ID, TEST_SECRET_KEY, type LiveClient } from '../helpers/livehook.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { callBackStartsAndEnds, nginxNotify } from '../helpers/scale-out.js';

/** Short lease so that recovery happens within the test; the default (30 s) is measured by bench/scale-out.ts. */
const LEASE_MS = 3000;
/** DropLiveStream / ForbidLiveStream through any instance cut the publisher within this. */
const CONTROL_LIMIT_MS = 2000;

const cleanup = cleanupsAfterAll();

interface Instance {
  readonly proc: LineProcess;
  readonly url: string;
  readonly rtmpPort: number;
  readonly client: LiveClient;
}

async function startInstance(args: string[], dataDir = tempDir('livehook-live-state-')): Promise<Instance> {
  const { proc, url, rtmp } = await startEmitter(dataDir, ['--instance-lease-ms', String(LEASE_MS), ...args], cleanup);
  return { proc, url, rtmpPort: Number(rtmp), client: sdkClient(url, TEST_SECRET_ID, TEST_SECRET_KEY) };
}

function push(instance: Instance, stream: string, query = ''): Push {
  const p = startPush({ url: `rtmp://127.0.0.1:${instance.rtmpPort}/${EMITTER_APP}/${stream}${query ? `?${query}` : ''}`, tcUrl: `rtmp://${EMITTER_DOMAIN}/${EMITTER_APP}`, noDelay: true });
  cleanup(() => p.kill());
  return p;
}

const nginx = (instance: Instance, call: 'publish' | 'publish_done' | 'record_done', stream: string, clientid: string, recordPath?: string): Promise<number> =>
  nginxNotify(instance.url, call, stream, clientid, recordPath);

interface PushPayload {
  stream_id: string;
  sequence: string;
  errcode: number;
  push_duration?: string;
  event_time: number;
}
const payload = (r: ReceivedRequest): PushPayload => r.json as PushPayload;
const of = (rx: Receiver, kind: 'begin' | 'end', stream?: string): ReceivedRequest[] =>
  rx.onPath(`/${kind}`).filter((r) => stream === undefined || payload(r).stream_id === stream);

async function waitForCallbacks(rx: Receiver, kind: 'begin' | 'end', stream: string, count: number, timeoutMs: number): Promise<ReceivedRequest[]> {
  await until(() => of(rx, kind, stream).length >= count, timeoutMs, () => `${count} × /${kind} of ${stream} (seen ${of(rx, kind, stream).length})`);
  return of(rx, kind, stream);
}

/** Every push start is matched by exactly one push end with the same sequence, and no end lacks its start. */
function assertEveryStartEndedOnce(rx: Receiver): void {
  const ends = new Map<string, number>();
  for (const r of of(rx, 'end')) ends.set(payload(r).sequence, (ends.get(payload(r).sequence) ?? 0) + 1);
  const starts = of(rx, 'begin').map((r) => payload(r));
  assert.equal(new Set(starts.map((p) => p.sequence)).size, starts.length, 'one push start per sequence');
  for (const start of starts) assert.equal(ends.get(start.sequence), 1, `push ${start.stream_id} (${start.sequence}) ended exactly once`);
  assert.equal(ends.size, starts.length, 'no push end without its push start');
}

interface OnlineList {
  TotalNum: number;
  OnlineInfo: { StreamName: string; LivehookInstanceId: string }[];
}

test('two instances on PostgreSQL: one live state, control through either, kill -9 of one ends its pushes exactly once', { timeout: 180_000 }, async () => {
  const db = await createTestDatabase('live-state');
  cleanup(() => db.drop());
  const rx = await Receiver.start({ respond: 200 });
  cleanup(() => rx.close());
  const common = ['--database-url', db.url, '--receiver', rx.url('/begin')];
  const a = await startInstance(common);
  const b = await startInstance(common);
  await callBackStartsAndEnds(a.client, rx);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the config change reaches B (LISTEN/NOTIFY, < 1 s)

  // ---- pushes held by A (ffmpeg and nginx hooks) and by B ----
  const onA = ['a_drop', 'a_forbid', 'a_kill1', 'a_kill2'];
  const pushesA = new Map(onA.map((stream) => [stream, push(a, stream)]));
  const onB = push(b, 'b_live');
  assert.equal(await nginx(a, 'publish', 'n_done_elsewhere', '11'), 200);
  assert.equal(await nginx(a, 'publish', 'n_kill', '12'), 200);
  for (const stream of [...onA, 'b_live', 'n_done_elsewhere', 'n_kill']) await waitForCallbacks(rx, 'begin', stream, 1, 15_000);

  // ---- the online list through B has every push, with its holder ----
  const online = await callAction<OnlineList>(b.client, 'DescribeLiveStreamOnlineList', { PageSize: 100 });
  assert.equal(online.TotalNum, 7, JSON.stringify(online));
  const holders = new Map(online.OnlineInfo.map((s) => [s.StreamName, s.LivehookInstanceId]));
  assert.equal(new Set([...onA, 'n_kill'].map((s) => holders.get(s))).size, 1, 'A holds its pushes');
  assert.notEqual(holders.get('b_live'), holders.get('a_drop'), 'B holds its own');

  // ---- DropLiveStream and ForbidLiveStream through B cut A's publishers ----
  for (const [stream, action] of [['a_drop', 'DropLiveStream'], ['a_forbid', 'ForbidLiveStream']] as const) {
    const sentAt = Date.now();
    await callAction(b.client, action, { DomainName: EMITTER_DOMAIN, AppName: EMITTER_APP, StreamName: stream });
    const [end] = await waitForCallbacks(rx, 'end', stream, 1, 10_000);
    assert.equal(payload(end!).errcode, 10, `${action}: errcode 10`);
    const result = await pushesA.get(stream)!.done;
    assert.ok(result.exitedAt - sentAt <= CONTROL_LIMIT_MS, `${action} through B cut the publisher on A in ${result.exitedAt - sentAt} ms (limit ${CONTROL_LIMIT_MS})`);
  }

  // ---- an nginx on_publish_done that reaches B ends the push whose on_publish reached A ----
  assert.equal(await nginx(b, 'publish_done', 'n_done_elsewhere', '11'), 200);
  const [doneElsewhere] = await waitForCallbacks(rx, 'end', 'n_done_elsewhere', 1, 5_000);
  assert.equal(payload(doneElsewhere!).errcode, 1);
  // ...and its on_record_done, which comes after, too: event 100 in the push's own sequence.
  assert.equal(await nginx(b, 'record_done', 'n_done_elsewhere', '11', '/var/rec/n_done_elsewhere.flv'), 200);
  await until(() => rx.onPath('/record').length === 1, 5_000, () => 'the recording callback');
  const record = rx.onPath('/record')[0]!.json as { stream_id: string; video_url: string };
  assert.deepEqual([record.stream_id, record.video_url], ['n_done_elsewhere', '/var/rec/n_done_elsewhere.flv']);

  // ---- the same stream pushed into A and B at once: one is accepted ----
  const both = [push(a, 'both', 'from=a'), push(b, 'both', 'from=b')];
  await waitForCallbacks(rx, 'begin', 'both', 1, 15_000);
  const refused = await Promise.race(both.map((p, i) => p.done.then(() => i)));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(of(rx, 'begin', 'both').length, 1, 'one push start for the stream pushed into both');
  assert.ok(both[1 - refused]!.running, 'the accepted publisher goes on');

  // ---- kill -9 of A: B ends A's live pushes, each exactly once, errcode 9 ----
  const live = ['a_kill1', 'a_kill2', 'n_kill', ...(refused === 0 ? [] : ['both'])];
  await new Promise((resolve) => setTimeout(resolve, 1500)); // a few heartbeats: last_seen_at moves on
  a.proc.child.kill('SIGKILL');
  const killedAt = Date.now();
  await a.proc.exited;
  for (const stream of live) await waitForCallbacks(rx, 'end', stream, 1, LEASE_MS + 10_000);
  const lastEndAt = Math.max(...live.map((s) => of(rx, 'end', s)[0]!.at));
  console.log(`recovery: ${live.length} pushes of the killed instance ended ${lastEndAt - killedAt} ms after kill -9 (lease ${LEASE_MS} ms)`);
  for (const stream of live) {
    const end = payload(of(rx, 'end', stream)[0]!);
    assert.equal(end.errcode, 9, `${stream}: ended by recovery`);
    // push_duration runs to the last heartbeat before the kill, not to the recovery.
    const start = payload(of(rx, 'begin', stream)[0]!);
    assert.ok(start.event_time * 1000 + Number(end.push_duration) <= killedAt + 1000, `${stream}: push_duration ${end.push_duration} ms ends before the kill`);
  }
  assert.ok(onB.running, "B's own push is untouched");

  const stopped = await onB.stop();
  assert.equal(stopped.code, 0);
  await waitForCallbacks(rx, 'end', 'b_live', 1, 5_000);
  if (refused === 0) {
    await both[1]!.stop();
    await waitForCallbacks(rx, 'end', 'both', 1, 5_000);
  }
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS)); // nothing more may come
  assertEveryStartEndedOnce(rx);
});

test('SQLite: kill -9 and a restart on the same data dir end the pushes the first life left open', { timeout: 120_000 }, async () => {
  const rx = await Receiver.start({ respond: 200 });
  cleanup(() => rx.close());
  const dataDir = tempDir('livehook-live-state-sqlite-');
  cleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const first = await startInstance(['--receiver', rx.url('/begin')], dataDir);
  await callBackStartsAndEnds(first.client, rx);
  const pushes = ['s_kill1', 's_kill2'].map((stream) => push(first, stream));
  assert.equal(await nginx(first, 'publish', 's_nginx', '21'), 200);
  for (const stream of ['s_kill1', 's_kill2', 's_nginx']) await waitForCallbacks(rx, 'begin', stream, 1, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  first.proc.child.kill('SIGKILL');
  const killedAt = Date.now();
  await first.proc.exited;
  await Promise.all(pushes.map((p) => p.done));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(of(rx, 'end').length, 0, 'nothing ends a push while no livehook runs');

  const second = await startInstance(['--receiver', rx.url('/begin')], dataDir);
  for (const stream of ['s_kill1', 's_kill2', 's_nginx']) {
    const [end] = await waitForCallbacks(rx, 'end', stream, 1, 15_000);
    assert.equal(payload(end!).errcode, 9, `${stream}: ended by recovery`);
    const start = payload(of(rx, 'begin', stream)[0]!);
    assert.ok(start.event_time * 1000 + Number(payload(end!).push_duration) <= killedAt + 1000, `${stream}: push_duration ends before the kill`);
  }
  const online = await callAction<OnlineList>(second.client, 'DescribeLiveStreamOnlineList', {});
  assert.equal(online.TotalNum, 0, 'nothing is listed live after recovery');
  second.proc.child.kill('SIGTERM');
  await second.proc.exited;
  assertEveryStartEndedOnce(rx);
});
