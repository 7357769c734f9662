/**
 * PacketWatch on framecrc lines as ffmpeg writes them (header, then `index, dts, pts, duration,
 * size, checksum`): what a steady stream, a jump, a step back, audio and video drifting apart and
 * a missing track each report, one entry per type and window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketWatch, RecordException } from '../../src/capture/packet-watch.js';

const HEADER = ['#tb 0: 1/1000', '#media_type 0: video', '#codec_id 0: h264', '#tb 1: 1/44100', '#media_type 1: audio', '#codec_id 1: aac'];
const video = (ms: number) => `0, ${ms}, ${ms}, 40, 5000, 0x00000000`;
/** Audio in its own 1/44100 time base. */
const audio = (ms: number) => `1, ${Math.round((ms * 44100) / 1000)}, ${Math.round((ms * 44100) / 1000)}, 1024, 200, 0x00000000`;

function feed(lines: string[]): PacketWatch {
  const watch = new PacketWatch();
  for (const line of lines) if (watch.line(line)) watch.checkTracks();
  return watch;
}

/** Interleaved video at 25 fps and audio every 23 ms over [from, to). */
function steady(from: number, to: number, shift = { video: 0, audio: 0 }): string[] {
  const lines: Array<[number, string]> = [];
  for (let t = from; t < to; t += 40) lines.push([t, video(t + shift.video)]);
  for (let t = from; t < to; t += 23) lines.push([t, audio(t + shift.audio)]);
  return lines.sort((a, b) => a[0] - b[0]).map(([, line]) => line);
}

test('a steady audio+video stream reports nothing; the first packet is announced once', () => {
  const watch = new PacketWatch();
  const firsts = [...HEADER, ...steady(0, 10_000)].filter((line) => watch.line(line));
  assert.equal(firsts.length, 1);
  watch.checkTracks();
  assert.deepEqual(watch.flush(), []);
});

test('a video jump of 10 s: one -9 warning; the audio that follows the same jump a moment later is -8, not "apart"', () => {
  const watch = feed([...HEADER, ...steady(0, 3000), ...steady(3000, 6000, { video: 10_000, audio: 10_000 })]);
  const seen = watch.flush();
  assert.deepEqual(seen.map((s) => [s.type, s.level, s.occurs]).sort(), [[RecordException.audioJump, 'warning', 1], [RecordException.videoJump, 'warning', 1]].sort());
  assert.match(seen.find((s) => s.type === RecordException.videoJump)!.desc, /video timestamp jumped by 100\d\d ms/);
});

test('timestamps going back: -11 for video, -24 for audio, counted', () => {
  const watch = feed([...HEADER, video(0), audio(0), video(40), video(0), audio(23), audio(0), video(40), video(0)]);
  const seen = watch.flush();
  assert.deepEqual(seen.map((s) => [s.type, s.occurs]).sort(), [[RecordException.videoInvalid, 2], [RecordException.audioInvalid, 1]].sort());
});

test('audio and video 5 s apart at the end of a window: -10 (info); the next window starts clean', () => {
  const watch = feed([...HEADER, ...steady(0, 4000, { video: 0, audio: 5000 })]);
  assert.deepEqual(watch.flush().map((s) => [s.type, s.level]), [[RecordException.audioVideoApart, 'info']]);
  assert.deepEqual(feed([...HEADER, ...steady(0, 4000)]).flush(), []);
});

test('a video-only stream reports -17 once; an audio-only one -18', () => {
  const videoOnly = feed(['#tb 0: 1/1000', '#media_type 0: video', video(0), video(40), video(80)]);
  assert.deepEqual(videoOnly.flush().map((s) => [s.type, s.occurs]), [[RecordException.noAudio, 1]]);
  assert.deepEqual(videoOnly.flush(), [], 'reported in one window only');
  const audioOnly = feed(['#tb 0: 1/44100', '#media_type 0: audio', '0, 0, 0, 1024, 200, 0x0', '0, 1024, 1024, 1024, 200, 0x0']);
  assert.deepEqual(audioOnly.flush().map((s) => [s.type, s.level]), [[RecordException.noVideo, 'warning']]);
});

test('lines that are not packets of a known track are ignored', () => {
  const watch = feed([...HEADER, '', 'garbage', '2, 0, 0, 1, 1, 0x0', '0, x, 0, 40, 1, 0x0', ...steady(0, 1000)]);
  assert.deepEqual(watch.flush(), []);
});
