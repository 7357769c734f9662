/**
 * StreamMeter: bitrates, frame rates, GOP, codecs, sample rate and declared rates. First
 * from an exact synthetic schedule, then from a real FLV made by ffmpeg (H.264 + AAC at known
 * rates), its tags parsed by node-media-server's own FLV parser (as the embedded ingest parses a
 * push) and turned into samples by flvSample.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flvMetadata, flvSample, StreamMeter, StreamMeters, WINDOW_MS, type FlvPacket } from '../../src/media/stream-meter.js';
import { requireFfmpeg } from '../helpers/ffmpeg.js';
import { tempDir } from '../helpers/livehook.js';

const Flv = createRequire(import.meta.url)('node-media-server/src/protocol/flv.js') as {
  parserTag(type: number, time: number, size: number, data: Buffer): FlvPacket;
};

test('a steady schedule: exact rates, GOP and codecs over the window', () => {
  const meter = new StreamMeter();
  meter.onPacket({ kind: 'video', timestampMs: 0, bytes: 40, keyframe: false, config: true, codec: 'H264' });
  meter.onPacket({ kind: 'audio', timestampMs: 0, bytes: 4, keyframe: false, config: true, codec: 'AAC', sampleRate: 44100 });
  // 12 s of 25 fps video, 5,000-byte frames, a keyframe every 50 frames (2 s);
  // AAC frames of 1,024 samples at 44.1 kHz, 300 bytes each.
  for (let frame = 0; frame < 300; frame++) {
    meter.onPacket({ kind: 'video', timestampMs: frame * 40, bytes: 5_000, keyframe: frame % 50 === 0, config: false, codec: 'H264' });
  }
  const audioStep = (1024 * 1000) / 44100;
  for (let frame = 0; frame * audioStep < 12_000; frame++) {
    meter.onPacket({ kind: 'audio', timestampMs: Math.round(frame * audioStep), bytes: 300, keyframe: false, config: false, codec: 'AAC' });
  }
  const r = meter.reading();
  assert.equal(r.videoFps, 25);
  assert.equal(r.videoBps, 1_000_000);
  assert.ok(Math.abs(r.audioFps - 44100 / 1024) < 0.1, `audioFps ${r.audioFps}`);
  assert.ok(Math.abs(r.audioBps - (300 * 8 * 44100) / 1024) < 200, `audioBps ${r.audioBps}`);
  assert.deepEqual([r.gopMs, r.gopFrames], [2_000, 50]);
  assert.deepEqual([r.videoCodec, r.audioCodec, r.audioSampleRate], ['H264', 'AAC', 44100]);
});

test('only the last window counts: a bitrate change shows within WINDOW_MS', () => {
  const meter = new StreamMeter();
  let t = 0;
  for (; t < 10_000; t += 40) meter.onPacket({ kind: 'video', timestampMs: t, bytes: 1_000, keyframe: false, config: false, codec: 'H264' });
  assert.equal(meter.reading().videoBps, 200_000);
  const end = t + WINDOW_MS + 40;
  for (; t < end; t += 40) meter.onPacket({ kind: 'video', timestampMs: t, bytes: 3_000, keyframe: false, config: false, codec: 'H264' });
  assert.equal(meter.reading().videoBps, 600_000);
});

test('a timestamp jump back (a new timeline) starts the window afresh; nothing yet → zeros', () => {
  const meter = new StreamMeter();
  assert.deepEqual(meter.reading(), {
    videoBps: 0, audioBps: 0, videoFps: 0, audioFps: 0, gopMs: 0, gopFrames: 0, videoCodec: '', audioCodec: '', audioSampleRate: 0,
    metaVideoBps: 0, metaAudioBps: 0, metaFps: 0,
  });
  for (let t = 50_000; t < 55_000; t += 40) meter.onPacket({ kind: 'video', timestampMs: t, bytes: 500, keyframe: false, config: false, codec: 'H264' });
  for (let t = 0; t < 2_000; t += 20) meter.onPacket({ kind: 'video', timestampMs: t, bytes: 500, keyframe: false, config: false, codec: 'H264' });
  assert.equal(meter.reading().videoFps, 50, 'measured on the new timeline only');
});

test('StreamMeters: one meter per push sequence, fed FLV packets by the ingest, forgotten at close', () => {
  const meters = new StreamMeters();
  const a = meters.of('111');
  assert.equal(meters.of('111'), a);
  assert.equal(meters.get('222'), undefined);
  meters.close('111');
  assert.equal(meters.get('111'), undefined);

  // An H.264 keyframe tag (FrameType 1, CodecID 7, AVCPacketType 1) and a script tag.
  const keyframe = Buffer.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1]);
  meters.onFlvPacket(undefined, Flv.parserTag(9, 0, keyframe.length, keyframe));
  assert.equal(meters.get('333'), undefined, 'a packet of no push is dropped');
  meters.onFlvPacket('333', Flv.parserTag(18, 0, 3, Buffer.from([2, 0, 0])));
  assert.equal(meters.get('333'), undefined, 'script data that is not metadata is ignored');
  meters.onFlvPacket('333', Flv.parserTag(18, 0, 4, Buffer.from([2, 0xff, 0xff, 0x41])));
  assert.equal(meters.get('333'), undefined, 'so is malformed script data');
  for (const at of [0, 40, 80]) meters.onFlvPacket('333', Flv.parserTag(9, at, keyframe.length, keyframe));
  assert.deepEqual([meters.get('333')?.reading().videoFps, meters.get('333')?.reading().videoCodec], [25, 'H264']);
});

/** The tags of an FLV file: type, timestamp, payload. */
function* flvTags(file: Buffer): Generator<{ type: number; time: number; data: Buffer }> {
  let offset = file.readUInt32BE(5) + 4;
  while (offset + 11 <= file.length) {
    const type = file[offset]! & 0x1f;
    const size = file.readUIntBE(offset + 1, 3);
    const time = (file.readUIntBE(offset + 4, 3) | (file[offset + 7]! << 24)) >>> 0;
    const data = file.subarray(offset + 11, offset + 11 + size);
    offset += 11 + size + 4;
    if (data.length === size) yield { type, time, data };
  }
}

test('a real FLV from ffmpeg (H.264 25 fps ~400 kb/s, AAC 48 kHz 64 kb/s) through node-media-server’s parser', () => {
  requireFfmpeg();
  const dir = tempDir('livehook-meter-');
  const file = path.join(dir, 'meter.flv');
  try {
    const args = [
      '-hide_banner', '-v', 'error',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '8',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '50',
      '-b:v', '400k', '-maxrate', '400k', '-bufsize', '200k', '-x264-params', 'nal-hrd=cbr',
      '-c:a', 'aac', '-b:a', '64k',
      '-f', 'flv', file,
    ];
    const made = spawnSync('ffmpeg', args, { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);

    const meter = new StreamMeter();
    let samples = 0;
    for (const tag of flvTags(fs.readFileSync(file))) {
      const packet = Flv.parserTag(tag.type, tag.time, tag.data.length, tag.data);
      const sample = flvSample(packet);
      if (sample) {
        meter.onPacket(sample);
        samples++;
      }
      const declared = flvMetadata(packet);
      if (declared) meter.onMetadata(declared);
    }
    assert.ok(samples > 500, `${samples} samples`);
    const r = meter.reading();
    assert.deepEqual([r.videoCodec, r.audioCodec, r.audioSampleRate], ['H264', 'AAC', 48000]);
    assert.ok(Math.abs(r.videoFps - 25) <= 0.5, `videoFps ${r.videoFps}`);
    assert.ok(Math.abs(r.audioFps - 48000 / 1024) <= 1, `audioFps ${r.audioFps}`);
    assert.ok(r.videoBps > 300_000 && r.videoBps < 500_000, `videoBps ${r.videoBps}`);
    assert.ok(r.audioBps > 50_000 && r.audioBps < 80_000, `audioBps ${r.audioBps}`);
    assert.deepEqual([r.gopMs, r.gopFrames], [2_000, 50]);
    // ffmpeg declares its target rates in onMetaData: bit rate / 1024 kbit/s, and the frame rate.
    assert.deepEqual([r.metaVideoBps, r.metaAudioBps, r.metaFps], [390_625, 62_500, 25]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
