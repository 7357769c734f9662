/** Tencent reports times as Beijing time (UTC+8) strings `YYYY-MM-DD HH:MM:SS`. */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

export function beijingTime(epochMs: number): string {
  return new Date(Number(epochMs) + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}
