/**
 * Tencent's CosPrefix / CosFileName patterns for screenshot files, e.g.
 * `/{Year}-{Month}-{Day}` and `{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}`.
 * Times are Beijing time, as on Tencent. Unknown placeholders stay as written.
 */
export const DEFAULT_COS_PREFIX = '/{Year}-{Month}-{Day}';
export const DEFAULT_COS_FILE_NAME = '{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}';
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

interface FileNameValues {
  readonly at: number;
  readonly streamId: string;
  readonly width: number;
  readonly height: number;
  readonly ext: string;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Each placeholder's value, from the Beijing-time clock `t` and the file's own values. */
const PLACEHOLDER_VALUES = {
  Year: (t) => String(t.getUTCFullYear()),
  Month: (t) => two(t.getUTCMonth() + 1),
  Day: (t) => two(t.getUTCDate()),
  Hour: (t) => two(t.getUTCHours()),
  Minute: (t) => two(t.getUTCMinutes()),
  Second: (t) => two(t.getUTCSeconds()),
  StreamID: (_t, v) => v.streamId,
  Width: (_t, v) => String(v.width),
  Height: (_t, v) => String(v.height),
  Ext: (_t, v) => v.ext,
} satisfies Record<string, (t: Date, v: FileNameValues) => string>;

type Placeholder = keyof typeof PLACEHOLDER_VALUES;

/** The placeholders CosPrefix and CosFileName may use: the ones expandPattern fills in. */
export const SNAPSHOT_PLACEHOLDERS: readonly string[] = Object.keys(PLACEHOLDER_VALUES);

function expandPattern(pattern: string, v: FileNameValues): string {
  const t = new Date(v.at + BEIJING_OFFSET_MS);
  return pattern.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(PLACEHOLDER_VALUES, name) ? PLACEHOLDER_VALUES[name as Placeholder](t, v) : whole,
  );
}

/** `/<prefix>/<file>` with exactly one slash between parts and no `..` segments. */
export function snapshotPath(prefix: string, fileName: string, v: FileNameValues): string {
  const parts = [expandPattern(prefix, v), expandPattern(fileName, v)]
    .join('/')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  return '/' + parts.join('/');
}
