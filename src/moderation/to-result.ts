/**
 * Pure mapping from the model's five class probabilities to Tencent's event-317 fields.
 *
 * Tencent's moderation names a highest-priority negative `label` with a `subLabel`, a
 * `suggestion`, the `type`/`score` arrays and one `labelResults` entry per scene. The model has
 * no scenes beyond porn, so there is one entry, Scene `Porn`, whose `Details` lists all five
 * classes (Id = the model's output index). The table, for a class that reaches a threshold:
 *
 *   class    label   subLabel at Review   subLabel at Block
 *   Porn     Porn    Porn                 PornHigh
 *   Hentai   Porn    Hentai               HentaiHigh      (drawn porn is porn to Tencent)
 *   Sexy     Sexy    Sexy                 SexyHigh        (only if a Block threshold is set)
 *
 * Nothing reached: `Pass`, label `Normal`, subLabel '', score = Drawing + Neutral.
 * Several classes reached: the most severe level wins, then the higher probability, then the
 * order Porn, Hentai, Sexy. `type` lists each reached label once in that order, `score` its
 * best class's score. Scores are integers 0–100 (probability × 100, rounded).
 */
import type { PornDetectionInfo } from '../events/builders.js';
import type { LabelResult, ModerationSuggestion } from '../events/payloads.js';
import { NSFW_CLASSES, type ClassScores, type FlaggableClass } from './classes.js';
import { DEFAULT_THRESHOLDS, type ModerationThresholds } from './thresholds.js';

export type ModerationLabel = 'Porn' | 'Sexy' | 'Normal';

export interface ModerationResult {
  readonly suggestion: ModerationSuggestion;
  readonly label: ModerationLabel;
  readonly subLabel: string;
  readonly type: ModerationLabel[];
  readonly score: number[];
  readonly labelResults: LabelResult[];
}

export const SCENE = 'Porn';

const LABEL_OF: Record<FlaggableClass, ModerationLabel> = { Porn: 'Porn', Hentai: 'Porn', Sexy: 'Sexy' };
/** Tie-break order when two classes reach the same level with the same score. */
const PRIORITY: readonly FlaggableClass[] = ['Porn', 'Hentai', 'Sexy'];
const SEVERITY: Record<ModerationSuggestion, number> = { Block: 2, Review: 1, Pass: 0 };

/** Probability → Tencent's 0–100 integer score. */
export function toScore(probability: number): number {
  if (!Number.isFinite(probability)) return 0;
  return Math.round(Math.min(1, Math.max(0, probability)) * 100);
}

function levelOf(cls: FlaggableClass, p: number, t: ModerationThresholds): ModerationSuggestion {
  const block = t.block[cls];
  if (block !== undefined && p >= block) return 'Block';
  const review = t.review[cls];
  if (review !== undefined && p >= review) return 'Review';
  return 'Pass';
}

export function toModerationResult(scores: ClassScores, thresholds: ModerationThresholds = DEFAULT_THRESHOLDS): ModerationResult {
  const details = NSFW_CLASSES.map((name, id) => ({ Id: id, Name: name, Score: toScore(scores[name]) }));
  const hits = PRIORITY.map((cls, order) => ({ cls, order, p: scores[cls], level: levelOf(cls, scores[cls], thresholds) }))
    .filter((hit) => hit.level !== 'Pass')
    .sort((a, b) => SEVERITY[b.level] - SEVERITY[a.level] || b.p - a.p || a.order - b.order);
  const top = hits[0];
  if (!top) {
    const normal = toScore(scores.Drawing + scores.Neutral);
    return {
      suggestion: 'Pass',
      label: 'Normal',
      subLabel: '',
      type: ['Normal'],
      score: [normal],
      labelResults: [{ Scene: SCENE, Suggestion: 'Pass', Label: 'Normal', SubLabel: '', Score: normal, Details: details }],
    };
  }
  const label = LABEL_OF[top.cls];
  const subLabel = top.level === 'Block' ? `${top.cls}High` : top.cls;
  const type: ModerationLabel[] = [];
  const score: number[] = [];
  for (const hit of hits) {
    if (type.includes(LABEL_OF[hit.cls])) continue;
    type.push(LABEL_OF[hit.cls]);
    score.push(toScore(hit.p));
  }
  return {
    suggestion: top.level,
    label,
    subLabel,
    type,
    score,
    labelResults: [{ Scene: SCENE, Suggestion: top.level, Label: label, SubLabel: subLabel, Score: toScore(top.p), Details: details }],
  };
}

/** The same result under the names `pornDetected()` (events/builders.ts) takes. */
export function toPornDetectionFields(result: ModerationResult): Omit<PornDetectionInfo, 'img' | 'screenshotAt' | 'sentAt'> {
  return {
    suggestion: result.suggestion,
    label: result.label,
    subLabel: result.subLabel,
    types: [...result.type],
    scores: [...result.score],
    labelResults: result.labelResults,
  };
}
