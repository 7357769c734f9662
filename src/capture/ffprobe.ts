/**
 * Every ffprobe child goes through here (the sibling of ffmpeg.ts): the configured binary
 * (--ffprobe-path) asked what a finished recording file contains, with a time limit. main.ts
 * hands the result to the media-server hooks as their ProbeMedia.
 */
import { execFile } from 'node:child_process';
import type { ProbeMedia } from '../media/adapters/probe.js';

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[];
}

const TIMEOUT_MS = 10_000;
const ARGS = ['-v', 'error', '-print_format', 'json', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height'];

export function ffprobe(ffprobePath: string): ProbeMedia {
  return (file) =>
    new Promise((resolve) => {
      execFile(ffprobePath, [...ARGS, file], { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, stdout) => {
        if (error) return resolve(undefined);
        let output: FfprobeOutput;
        try {
          output = JSON.parse(stdout) as FfprobeOutput;
        } catch {
          return resolve(undefined);
        }
        const duration = Number(output.format?.duration);
        const video = output.streams?.find((s) => s.codec_type === 'video');
        resolve({
          durationSeconds: Number.isFinite(duration) && duration > 0 ? duration : 0,
          ...(video?.codec_name ? { videoCodec: video.codec_name } : {}),
          ...(video?.width && video.height ? { width: video.width, height: video.height } : {}),
        });
      });
    });
}
