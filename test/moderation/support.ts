/** Shared by the moderation tests: real frames from ffmpeg's test sources, temp dirs, a silent log. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';

export const silentLog = pino({ level: 'silent' });

/** One 224×224 rgb24 frame from an ffmpeg lavfi source, e.g. `testsrc` or `color=c=gray` (size is added). */
export function lavfiFrame(source = 'testsrc'): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', `${source}${source.includes('=') ? ':' : '='}size=224x224`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `livehook-${prefix}-`));
}

export const SRC_MODERATION = path.resolve(import.meta.dirname, '../../src/moderation');
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
