/**
 * A thin wrapper around `ffprobe` (Debian's ffmpeg package): what a finished recording file
 * contains. It is the only place adapters run a child process, so tests can replace it.
 */
import { execFile } from 'node:child_process';

export interface MediaInfo {
  /** Seconds; 0 when ffprobe could not tell. */
  readonly durationSeconds: number;
  readonly videoCodec?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Resolves with what the file holds, or undefined when it cannot be probed (missing, unreadable, not media). */
export type ProbeMedia = (file: string) => Promise<MediaInfo | undefined>;

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[];
}

const TIMEOUT_MS = 10_000;

export function ffprobe(): ProbeMedia {
  const args = ['-v', 'error', '-print_format', 'json', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height'];
  return (file) =>
    new Promise((resolve) => {
      execFile('ffprobe', [...args, file], { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, stdout) => {
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
