/** Tencent reports times as Beijing time (UTC+8) strings `YYYY-MM-DD HH:MM:SS`. */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

export function beijingTime(epochMs: number): string {
  return new Date(Number(epochMs) + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

const BEIJING_FORMAT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parses `YYYY-MM-DD HH:MM:SS` as Beijing time; undefined when malformed. */
export function parseBeijingTime(text: string): number | undefined {
  const m = BEIJING_FORMAT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS;
  // Reject dates that Date.UTC silently rolls over (2026-02-31 and the like).
  return beijingTime(ms) === text ? ms : undefined;
}
