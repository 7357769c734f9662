/**
 * When a frame is `Block`, `Review` or `Pass`: per-class probability thresholds (0–1, compared
 * with ≥). A class missing from a level never triggers that level. Block is checked first, so a
 * class whose Block threshold is below its Review threshold simply blocks earlier.
 */
import type { FlaggableClass } from './classes.js';

export type ClassThresholds = Readonly<Partial<Record<FlaggableClass, number>>>;

export interface ModerationThresholds {
  /** A class at or above its threshold here makes the frame `Block`. */
  readonly block: ClassThresholds;
  /** Otherwise, a class at or above its threshold here makes the frame `Review`. */
  readonly review: ClassThresholds;
}

/**
 * Defaults: explicit content is blocked when the model is confident and sent for review when it
 * leans that way; "sexy" (suggestive, not explicit) is only ever reviewed, and only when confident.
 */
export const DEFAULT_THRESHOLDS: ModerationThresholds = Object.freeze({
  block: Object.freeze({ Porn: 0.8, Hentai: 0.8 }),
  review: Object.freeze({ Porn: 0.5, Hentai: 0.5, Sexy: 0.8 }),
});

const FLAGGABLE: readonly FlaggableClass[] = ['Porn', 'Hentai', 'Sexy'];

/** Every problem at once (empty = valid); `where` prefixes each message, e.g. a config key. */
export function validateThresholds(value: unknown, where = 'thresholds'): string[] {
  if (typeof value !== 'object' || value === null) return [`${where}: expected an object with "block" and "review"`];
  const problems: string[] = [];
  for (const level of ['block', 'review'] as const) {
    const table: unknown = (value as Record<string, unknown>)[level];
    if (typeof table !== 'object' || table === null) {
      problems.push(`${where}.${level}: expected an object of class → probability`);
      continue;
    }
    for (const [name, threshold] of Object.entries(table)) {
      if (!(FLAGGABLE as readonly string[]).includes(name)) {
        problems.push(`${where}.${level}.${name}: unknown class (one of ${FLAGGABLE.join(', ')})`);
      } else if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
        problems.push(`${where}.${level}.${name}: expected a probability between 0 and 1, got ${JSON.stringify(threshold)}`);
      }
    }
  }
  return problems;
}
