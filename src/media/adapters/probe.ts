/**
 * What adapters learn about a finished recording file. The adapters never run a child process
 * themselves: main.ts gives them capture/ffprobe.ts (the configured ffprobe), tests a stand-in.
 */

export interface MediaInfo {
  /** Seconds; 0 when ffprobe could not tell. */
  readonly durationSeconds: number;
  readonly videoCodec?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Resolves with what the file holds, or undefined when it cannot be probed (missing, unreadable, not media). */
export type ProbeMedia = (file: string) => Promise<MediaInfo | undefined>;
