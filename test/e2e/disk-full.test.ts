/**
 * No silent loss when the disk fills up while pushes are live (docs/live-state.md): livehook's
 * data dir is a small tmpfs this test mounts (test/helpers/tmpfs.ts; it runs as root) and unmounts in `after`.
 * Pushes go live, a filler file takes the rest of the disk, the store then refuses writes:
 * - a new publish is refused (fail closed: its session row cannot be written);
 * - the live pushes end meanwhile: their events 0 are kept in memory and retried (counted in
 *   /metrics), none is lost;
 * once space is freed, every push end reaches the receiver, and a new push is accepted again.
 * The memory held meanwhile is bounded: beyond --max-unstored-events, new events are refused and
 * counted, and those held are still written once space is back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { push, requireFfmpeg, startPush, type Push } from '../helpers/ffmpeg.js';
import { StoreUnavailableError } from '../../src/events/emit.js';
import { bindDomain, callAction, forStream, sleep, startEvent, streamContext } from '../helpers/callbacks.js';
import { startTestLivehook, type TestLivehook } from '../helpers/livehook.js';
import { Receiver } from '../helpers/receiver.js';
import { emptyWal, mountTmpfs } from '../helpers/tmpfs.js';

const DOMAIN = 'push.diskfull.example.com';
const STREAMS = ['full_a', 'full_b', 'full_c'];

const fsys = mountTmpfs(8 * 1024 * 1024);
const mountDir = fsys.dir;
let livehook: TestLivehook | undefined;
let receiver: Receiver | undefined;
const pushes: Push[] = [];

after(async () => {
  await Promise.all(pushes.map((p) => p.kill()));
  await livehook?.stop({ keepData: true });
  await receiver?.close();
  fsys.unmount();
});

/**
 * Fills the disk, the WAL emptied first (helpers/tmpfs.ts), then writes through the API until the
 * store refuses: InternalError, not a limit of the account's (which would leave the disk unproven).
 */
async function fillUntilRefused(lh: TestLivehook, rx: Receiver): Promise<void> {
  await emptyWal(path.join(mountDir, 'livehook.db'));
  fsys.fill();
  for (let i = 0; i < 200; i++) {
    try {
      await callAction(lh.client(), 'CreateLiveCallbackTemplate', { TemplateName: `fill_${Date.now()}_${i}`, StreamBeginNotifyUrl: rx.url(`/${'x'.repeat(2000)}`) });
    } catch (rawError) {
      const code = (rawError as { code?: string }).code;
      if (code === 'InternalError') return;
      throw new Error(`a write on the full disk failed with ${code ?? String(rawError)}, not the store's InternalError`, { cause: rawError });
    }
  }
  throw new Error('the store still accepts writes on a full disk');
}

const metric = async (lh: TestLivehook, name: string): Promise<number> => {
  const text = await (await fetch(`${lh.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

test('disk full with pushes live: a new publish is refused, the push ends are kept and all arrive once space is back', { timeout: 120_000 }, async () => {
  requireFfmpeg();
  receiver = await Receiver.start();
  livehook = await startTestLivehook({ dataDir: mountDir, flags: { allowPrivateCallbacks: true, databaseUrl: `sqlite:${path.join(mountDir, 'livehook.db')}` } });
  const lh = livehook;
  const client = lh.client();
  await bindDomain(client, DOMAIN, { StreamBeginNotifyUrl: receiver.url('/begin'), StreamEndNotifyUrl: receiver.url('/end') });
  await callAction(client, 'ModifyLivePushAuthKey', { DomainName: DOMAIN, Enable: 0 });
  const url = (stream: string) => `rtmp://127.0.0.1:${lh.rtmpPort}/live/${stream}`;
  const tcUrl = `rtmp://${DOMAIN}/live`;

  for (const stream of STREAMS) pushes.push(startPush({ url: url(stream), tcUrl, noDelay: true }));
  for (const stream of STREAMS) await receiver.waitFor(1, { path: '/begin', filter: forStream(stream), timeoutMs: 10_000 });
  // The push starts' attempts recorded first: an attempt whose recording fails on the full disk is
  // sent again only when its lease runs out, and its session's later events wait behind it.
  for (let i = 0; i < 100 && (await lh.store.db.selectFrom('deliveries').select('id').execute()).length > 0; i++) await sleep(100);

  // ---- the disk fills up ----
  await fillUntilRefused(lh, receiver);

  // ---- a new publish is refused: its session cannot be recorded ----
  const refused = await push({ url: url('full_new'), tcUrl, seconds: 6 });
  assert.notEqual(refused.code, 0, 'a publish whose session cannot be written is refused');
  assert.ok(refused.elapsedMs < 3000, `refused quickly (${refused.elapsedMs} ms)`);

  // ---- the live pushes end while the disk is full: nothing arrives, nothing is lost ----
  await Promise.all(pushes.map((p) => p.stop()));
  await sleep(1500);
  assert.equal(receiver.onPath('/end').length, 0, 'no push end could be stored yet');
  assert.ok((await metric(lh, 'livehook_events_unstored')) >= STREAMS.length, 'the push ends are held in memory');
  assert.ok((await metric(lh, 'livehook_event_store_failures_total')) > 0, 'failed writes are counted');

  // ---- space comes back: every push end arrives, new pushes are accepted ----
  const freedAt = Date.now();
  fsys.free();
  for (const stream of STREAMS) {
    const [end] = await receiver.waitFor(1, { path: '/end', filter: forStream(stream), timeoutMs: 15_000 });
    assert.equal((end!.json as { errcode: number }).errcode, 1, `${stream}: ended normally`);
  }
  console.log(`disk full: ${STREAMS.length} push ends stored and delivered ${Date.now() - freedAt} ms after space was freed`);
  assert.equal(await metric(lh, 'livehook_events_unstored'), 0);
  const again = await push({ url: url('full_after'), tcUrl, seconds: 1 });
  assert.equal(again.code, 0, 'a push is accepted again');
  await receiver.waitFor(1, { path: '/end', filter: forStream('full_after'), timeoutMs: 5_000 });
  assert.equal(receiver.received(forStream('full_new')).length, 0, 'the refused publish called nothing back');
});

test('the events held while the disk is full are bounded: beyond --max-unstored-events new ones are refused and counted', { timeout: 60_000 }, async () => {
  await livehook?.stop({ keepData: true });
  fs.rmSync(path.join(mountDir, 'livehook.db'), { force: true });
  for (const suffix of ['-wal', '-shm']) fs.rmSync(path.join(mountDir, `livehook.db${suffix}`), { force: true });
  livehook = await startTestLivehook({ dataDir: mountDir, flags: { allowPrivateCallbacks: true, maxUnstoredEvents: 2, databaseUrl: `sqlite:${path.join(mountDir, 'livehook.db')}` } });
  const lh = livehook;
  await bindDomain(lh.client(), DOMAIN, { StreamBeginNotifyUrl: receiver!.url('/cap') });
  await fillUntilRefused(lh, receiver!);
  const held = [lh.events.emit(startEvent(streamContext(DOMAIN, 'cap1', '901'))), lh.events.emit(startEvent(streamContext(DOMAIN, 'cap2', '902')))];
  await sleep(300); // both failed once: the store is known to refuse writes
  await assert.rejects(lh.events.emit(startEvent(streamContext(DOMAIN, 'cap3', '903'))), StoreUnavailableError);
  assert.equal(await metric(lh, 'livehook_events_refused_total'), 1);
  assert.equal(await metric(lh, 'livehook_events_unstored'), 2);
  fsys.free();
  await Promise.all(held);
  await receiver!.waitFor(2, { path: '/cap', timeoutMs: 10_000 });
});
