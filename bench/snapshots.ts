/**
 * CPU per stream for screenshots at a 10 s interval, two ways, on one live 1280×720 stream:
 *  A. one long-running ffmpeg per stream decoding keyframes only (what livehook does);
 *  B. a fresh ffmpeg every interval that grabs one frame and exits.
 * CPU is the children's user+system time from /proc/self/stat (cutime+cstime) over the run; the
 * pusher is kept running (not reaped) so its CPU is not counted.
 * Usage: npx tsx bench/snapshots.ts [--seconds 60] [--interval 10]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { FfmpegProcess } from '../src/capture/ffmpeg.js';
import { JpegFrames } from '../src/capture/jpeg-frames.js';
import { loadConfig } from '../src/config.js';
import { startLivehook } from '../src/main.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, interval: { type: 'string', default: '10' } } });
const SECONDS = Number(values.seconds);
const INTERVAL = Number(values.interval);
/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const TICK = 100;
const log = pino({ level: 'silent' });

function childCpuSeconds(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After the command name: field 14/15 of stat are cutime/cstime → indexes 13, 14 here (state is index 0).
  return (Number(fields[13]) + Number(fields[14])) / TICK;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livehook-bench-snap-'));
const source = path.join(dir, 'source.flv');
spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=25', '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-f', 'flv', source], { stdio: 'inherit' });

const livehook = await startLivehook(loadConfig({ dataDir: dir, host: '127.0.0.1', httpPort: 0, rtmpPort: 0, logLevel: 'silent' }, {}), {
  env: { LIVEHOOK_ADMIN_PASSWORD: 'bench-password' },
  log,
});
const client = (await import('../test/helpers/livehook.js')).sdkClient(
  livehook.httpUrl,
  livehook.bootstrap.created!.secretId,
  livehook.bootstrap.created!.generatedSecretKey!,
);
await client.AddLiveDomain({ DomainName: 'bench.push.test', DomainType: 0 });
await client.ModifyLivePushAuthKey({ DomainName: 'bench.push.test', Enable: 0 });
// The pusher runs under `sh` so that its CPU is only added to ours when sh is reaped, after we measure.
const pusher = spawn('sh', ['-c', `ffmpeg -hide_banner -loglevel error -re -stream_loop -1 -i ${source} -c copy -f flv -rtmp_tcurl rtmp://bench.push.test/live rtmp://127.0.0.1:${livehook.rtmpPort}/live/bench`], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 3000));
const url = `rtmp://127.0.0.1:${livehook.rtmpPort}/live/bench?domain=bench.push.test`;

async function longRunning(): Promise<{ cpu: number; frames: number }> {
  const before = childCpuSeconds();
  const ffmpeg = new FfmpegProcess(
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rw_timeout', '10000000', '-skip_frame', 'nokey', '-i', url,
      '-filter_complex', `[0:v]fps=1/${INTERVAL}[jpeg]`, '-map', '[jpeg]', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1'],
    { ffmpegPath: livehook.config.ffmpegPath, log },
  );
  let frames = 0;
  ffmpeg.output(1).pipe(new JpegFrames()).on('data', () => frames++);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  await ffmpeg.stop();
  return { cpu: childCpuSeconds() - before, frames };
}

async function periodicGrab(): Promise<{ cpu: number; frames: number }> {
  const before = childCpuSeconds();
  let frames = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    const ffmpeg = new FfmpegProcess(
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rw_timeout', '10000000', '-i', url, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1'],
      { ffmpegPath: livehook.config.ffmpegPath, log },
    );
    ffmpeg.output(1).pipe(new JpegFrames()).on('data', () => frames++);
    await ffmpeg.exited;
    await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL * 1000 - (Date.now() - started))));
  }
  return { cpu: childCpuSeconds() - before, frames };
}

const a = await longRunning();
const b = await periodicGrab();
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; stream 1280x720 25 fps h264 GOP 2 s; interval ${INTERVAL} s; ${SECONDS} s each`);
console.log(`A. long-running keyframe decoder: ${a.frames} screenshots, CPU ${a.cpu.toFixed(2)} s = ${((a.cpu / SECONDS) * 100).toFixed(2)} % of one core`);
console.log(`B. fresh ffmpeg per screenshot:  ${b.frames} screenshots, CPU ${b.cpu.toFixed(2)} s = ${((b.cpu / SECONDS) * 100).toFixed(2)} % of one core`);
pusher.kill('SIGKILL');
await livehook.close();
fs.rmSync(dir, { recursive: true, force: true });
