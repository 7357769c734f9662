/** File retention: screenshots and recordings older than the retention period leave the data dir, and so does what points at them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { FileRetention } from '../../src/capture/file-retention.js';
import { tempDir } from '../helpers/livehook.js';

const DAY_MS = 24 * 3600 * 1000;

test('a sweep deletes files older than the retention period, keeps newer ones, and forgets what pointed at the deleted ones', async () => {
  const dir = tempDir('livehook-retention-');
  const now = Date.now();
  const write = (relative: string, ageMs: number) => {
    const file = path.join(dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    const at = new Date(now - ageMs);
    fs.utimesSync(file, at, at);
    return file;
  };
  const old = [write('snapshots/d.example.com/live/2026-11-01/a.jpg', 8 * DAY_MS), write('records/d.example.com/live/b.flv', 7 * DAY_MS + 1000)];
  const fresh = [write('snapshots/d.example.com/live/2026-12-01/c.jpg', 1000), write('records/d.example.com/live/d.mp4', 6 * DAY_MS)];
  const forgotten: number[] = [];
  const retention = new FileRetention(dir, 7 * DAY_MS, pino({ level: 'silent' }), async (before) => forgotten.push(before));
  try {
    assert.equal(await retention.sweep(now), 2);
    for (const file of old) assert.equal(fs.existsSync(file), false, `${file} deleted`);
    for (const file of fresh) assert.equal(fs.existsSync(file), true, `${file} kept`);
    assert.deepEqual(forgotten, [now - 7 * DAY_MS]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
