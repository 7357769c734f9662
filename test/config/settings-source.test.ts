/**
 * Settings come from one place (issue 15 item 5): nothing under src/ reads the environment except
 * config.ts and the CLI, and the ffmpeg/ffprobe wrappers run the binary they are given
 * (--ffmpeg-path, --ffprobe-path) rather than one they look up themselves; the first-start
 * settings (environment only) are documented and validated like the options.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ffmpegAvailable } from '../../src/capture/ffmpeg.js';
import { ffprobe } from '../../src/capture/ffprobe.js';
import { ConfigError, FIRST_START_ENV, loadConfig, loadFirstStartSettings } from '../../src/config.js';
import { requireFfmpeg, requireFfprobe } from '../helpers/ffmpeg.js';
import { tempDir } from '../helpers/livehook.js';

const srcDir = path.resolve(import.meta.dirname, '../../src');
const MISSING_BINARY = '/nonexistent/livehook-test-binary';

test('only src/config.ts and src/cli/ read process.env', () => {
  const readers = fs
    .readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && file !== 'config.ts' && !file.startsWith(`cli${path.sep}`))
    .filter((file) => fs.readFileSync(path.join(srcDir, file), 'utf8').includes('process.env'));
  assert.deepEqual(readers, [], 'add the setting to OPTIONS in src/config.ts and pass it down instead');
});

test('--ffmpeg-path and --ffprobe-path default to the names on PATH and are read from LIVEHOOK_FFMPEG_PATH / LIVEHOOK_FFPROBE_PATH', () => {
  const defaults = loadConfig({}, {});
  assert.deepEqual([defaults.ffmpegPath, defaults.ffprobePath], ['ffmpeg', 'ffprobe']);
  const fromEnv = loadConfig({}, { LIVEHOOK_FFMPEG_PATH: '/opt/ff/ffmpeg', LIVEHOOK_FFPROBE_PATH: '/opt/ff/ffprobe' });
  assert.deepEqual([fromEnv.ffmpegPath, fromEnv.ffprobePath], ['/opt/ff/ffmpeg', '/opt/ff/ffprobe']);
});

test('the ffmpeg check and the ffprobe wrapper run the binary they are given', async () => {
  requireFfmpeg();
  requireFfprobe();
  assert.equal(ffmpegAvailable('ffmpeg'), true);
  assert.equal(ffmpegAvailable(MISSING_BINARY), false);

  const dir = tempDir('livehook-probe-');
  try {
    const file = path.join(dir, 'clip.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    assert.equal(made.status, 0, String(made.stderr));
    const info = await ffprobe('ffprobe')(file);
    assert.ok(info && Math.abs(info.durationSeconds - 2) < 0.5, `duration ≈ 2 s: ${JSON.stringify(info)}`);
    assert.deepEqual([info.videoCodec, info.width, info.height], ['h264', 160, 120]);
    assert.equal(await ffprobe(MISSING_BINARY)(file), undefined, 'a missing ffprobe reads as "cannot tell", never a crash');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('README documents every first-start setting; a bad LIVEHOOK_APPID is one line naming it', () => {
  const readme = fs.readFileSync(path.resolve(srcDir, '../README.md'), 'utf8');
  for (const { env } of Object.values(FIRST_START_ENV)) assert.ok(readme.includes(`| \`${env}\` |`), `README lacks ${env}`);
  assert.deepEqual(loadFirstStartSettings({}), { appId: undefined, secretId: undefined, secretKey: undefined, adminPassword: undefined });
  assert.equal(loadFirstStartSettings({ LIVEHOOK_APPID: '1250000009' }).appId, 1250000009);
  assert.throws(() => loadFirstStartSettings({ LIVEHOOK_APPID: '12ab' }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^invalid LIVEHOOK_APPID: expected a positive integer \(got "12ab"\)$/);
    return true;
  });
});
