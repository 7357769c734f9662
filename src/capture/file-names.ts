/**
 * Tencent's CosPrefix / CosFileName patterns for screenshot files, e.g.
 * `/{Year}-{Month}-{Day}` and `{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}`.
 * Times are Beijing time, as on Tencent. Unknown placeholders stay as written.
 */
export const DEFAULT_COS_PREFIX = '/{Year}-{Month}-{Day}';
export const DEFAULT_COS_FILE_NAME = '{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}';
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

export interface FileNameValues {
  readonly at: number;
  readonly streamId: string;
  readonly width: number;
  readonly height: number;
  readonly ext: string;
}

export function expandPattern(pattern: string, v: FileNameValues): string {
  const t = new Date(v.at + BEIJING_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  const values: Record<string, string> = {
    Year: String(t.getUTCFullYear()),
    Month: two(t.getUTCMonth() + 1),
    Day: two(t.getUTCDate()),
    Hour: two(t.getUTCHours()),
    Minute: two(t.getUTCMinutes()),
    Second: two(t.getUTCSeconds()),
    StreamID: v.streamId,
    Width: String(v.width),
    Height: String(v.height),
    Ext: v.ext,
  };
  return pattern.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `/<prefix>/<file>` with exactly one slash between parts and no `..` segments. */
export function snapshotPath(prefix: string, fileName: string, v: FileNameValues): string {
  const parts = [expandPattern(prefix, v), expandPattern(fileName, v)]
    .join('/')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  return '/' + parts.join('/');
}
