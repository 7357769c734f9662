/**
 * RecordSession with a real ffmpeg whose source cannot be read (nothing listens at the RTMP
 * address): the session reports record_start_failed and never start/end, plus a -16 exception
 * (error) naming ffmpeg's reason. The event sink records what would be stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import pino from 'pino';
import { FfmpegProcess, liveInput } from '../../src/capture/ffmpeg.js';
import { RecordSession } from '../../src/capture/record-session.js';
import type { LiveEvent } from '../../src/events/builders.js';
import type { EventSink } from '../../src/events/emit.js';
import type { PushSession } from '../../src/media/push-sessions.js';
import { streamContext } from '../helpers/callbacks.js';
import { requireFfmpeg } from '../helpers/ffmpeg.js';

/** A TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a source that cannot be pulled: 332 record_start_failed only, and 341 -16 at level error', async () => {
  requireFfmpeg();
  const emitted: LiveEvent[] = [];
  const events = { emit: async (event: LiveEvent) => void emitted.push(event) } as unknown as EventSink;
  const push = { context: streamContext('push.session.example.com', 'unreachable', '42') } as PushSession;
  const log = pino({ level: 'silent' });
  const session = new RecordSession(push, 'flv', { events, log, template: () => undefined });
  const url = `rtmp://127.0.0.1:${await closedPort()}/live/unreachable`;
  const ffmpeg = new FfmpegProcess(['-hide_banner', '-loglevel', 'error', '-nostdin', ...liveInput(url), '-map', '0', '-c', 'copy', '-f', 'framecrc', 'pipe:3'], { ffmpegPath: 'ffmpeg', log, extraPipes: 1 });
  session.watch(ffmpeg, 3);
  const exit = await ffmpeg.exited;
  assert.notEqual(exit.code, 0);
  await session.finish(exit);

  const payloads = emitted.map((e) => e.payload as unknown as Record<string, unknown>);
  assert.deepEqual(payloads.map((p) => [p.event_type, p.record_event ?? (p.exception as { type: number }).type]), [[332, 'record_start_failed'], [341, -16]]);
  const [status, exception] = payloads;
  assert.equal(status!.session_id, session.id);
  assert.equal(exception!.session_id, session.id);
  assert.equal(exception!.exception_level, 'error');
  assert.match((exception!.exception as { desc: string }).desc, /^failed to pull the stream: .+/);
});
