/**
 * The pure mapping from five class probabilities to event 317's fields (moderation/to-result.ts),
 * as a table: each row is a score vector, thresholds, and the fields Tencent's receiver sees.
 * Also threshold validation, the 0–100 score format and the builder-shaped copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassScores } from '../../src/moderation/classes.js';
import { DEFAULT_THRESHOLDS, validateThresholds, type ModerationThresholds } from '../../src/moderation/thresholds.js';
import { toModerationResult, toPornDetectionFields, toScore, type ModerationResult } from '../../src/moderation/to-result.js';
import { pornDetected } from '../../src/events/builders.js';

/** Scores in class order Drawing, Hentai, Neutral, Porn, Sexy. */
const s = (Drawing: number, Hentai: number, Neutral: number, Porn: number, Sexy: number): ClassScores => ({ Drawing, Hentai, Neutral, Porn, Sexy });

type Row = [
  name: string,
  scores: ClassScores,
  thresholds: ModerationThresholds,
  expected: Pick<ModerationResult, 'suggestion' | 'label' | 'subLabel' | 'type' | 'score'> & { top: number },
];

const D = DEFAULT_THRESHOLDS;
const ONLY_SEXY_BLOCK: ModerationThresholds = { block: { Sexy: 0.6 }, review: {} };
const FLAG_EVERYTHING: ModerationThresholds = { block: {}, review: { Porn: 0, Hentai: 0, Sexy: 0 } };

const table: Row[] = [
  // Defaults: Porn/Hentai ≥ 0.8 Block, ≥ 0.5 Review; Sexy ≥ 0.8 Review; else Pass.
  ['neutral photo passes', s(0.05, 0.01, 0.9, 0.02, 0.02), D, { suggestion: 'Pass', label: 'Normal', subLabel: '', type: ['Normal'], score: [95], top: 95 }],
  ['drawing passes', s(0.98, 0.01, 0.01, 0, 0), D, { suggestion: 'Pass', label: 'Normal', subLabel: '', type: ['Normal'], score: [99], top: 99 }],
  ['porn 0.95 blocks', s(0, 0.02, 0.01, 0.95, 0.02), D, { suggestion: 'Block', label: 'Porn', subLabel: 'PornHigh', type: ['Porn'], score: [95], top: 95 }],
  ['porn exactly 0.8 blocks (≥)', s(0.05, 0.05, 0.05, 0.8, 0.05), D, { suggestion: 'Block', label: 'Porn', subLabel: 'PornHigh', type: ['Porn'], score: [80], top: 80 }],
  ['porn 0.79 is reviewed', s(0.05, 0.05, 0.06, 0.79, 0.05), D, { suggestion: 'Review', label: 'Porn', subLabel: 'Porn', type: ['Porn'], score: [79], top: 79 }],
  ['porn exactly 0.5 is reviewed', s(0.1, 0.1, 0.2, 0.5, 0.1), D, { suggestion: 'Review', label: 'Porn', subLabel: 'Porn', type: ['Porn'], score: [50], top: 50 }],
  ['porn 0.49 passes', s(0.1, 0.1, 0.21, 0.49, 0.1), D, { suggestion: 'Pass', label: 'Normal', subLabel: '', type: ['Normal'], score: [31], top: 31 }],
  ['hentai 0.9 blocks as Porn', s(0.05, 0.9, 0.02, 0.02, 0.01), D, { suggestion: 'Block', label: 'Porn', subLabel: 'HentaiHigh', type: ['Porn'], score: [90], top: 90 }],
  ['hentai 0.6 is reviewed as Porn', s(0.3, 0.6, 0.05, 0.03, 0.02), D, { suggestion: 'Review', label: 'Porn', subLabel: 'Hentai', type: ['Porn'], score: [60], top: 60 }],
  ['sexy 0.85 is reviewed, never blocked by default', s(0.01, 0.01, 0.1, 0.03, 0.85), D, { suggestion: 'Review', label: 'Sexy', subLabel: 'Sexy', type: ['Sexy'], score: [85], top: 85 }],
  ['sexy 0.79 passes', s(0.01, 0.01, 0.16, 0.03, 0.79), D, { suggestion: 'Pass', label: 'Normal', subLabel: '', type: ['Normal'], score: [17], top: 17 }],
  // Several classes reached: severity first, then score, then Porn > Hentai > Sexy.
  ['equal scores within a level: Porn before Sexy', s(0, 0, 0, 0.5, 0.5), { block: {}, review: { Porn: 0.5, Sexy: 0.5 } }, { suggestion: 'Review', label: 'Porn', subLabel: 'Porn', type: ['Porn', 'Sexy'], score: [50, 50], top: 50 }],
  ['sexy reviewed above porn reviewed: sexy first', s(0, 0, 0, 0.4, 0.6), { block: {}, review: { Porn: 0.3, Sexy: 0.5 } }, { suggestion: 'Review', label: 'Sexy', subLabel: 'Sexy', type: ['Sexy', 'Porn'], score: [60, 40], top: 60 }],
  ['a Block outranks a higher-scoring Review', s(0, 0, 0, 0.35, 0.65), { block: { Porn: 0.3 }, review: { Sexy: 0.5 } }, { suggestion: 'Block', label: 'Porn', subLabel: 'PornHigh', type: ['Porn', 'Sexy'], score: [35, 65], top: 35 }],
  ['porn and hentai both reached: one Porn label, best score', s(0, 0.45, 0, 0.55, 0), { block: {}, review: { Porn: 0.4, Hentai: 0.4 } }, { suggestion: 'Review', label: 'Porn', subLabel: 'Porn', type: ['Porn'], score: [55], top: 55 }],
  ['equal scores tie-break Porn before Hentai', s(0, 0.5, 0, 0.5, 0), { block: {}, review: { Porn: 0.5, Hentai: 0.5 } }, { suggestion: 'Review', label: 'Porn', subLabel: 'Porn', type: ['Porn'], score: [50], top: 50 }],
  // Custom thresholds.
  ['Sexy can be made to block', s(0.1, 0, 0.2, 0, 0.7), ONLY_SEXY_BLOCK, { suggestion: 'Block', label: 'Sexy', subLabel: 'SexyHigh', type: ['Sexy'], score: [70], top: 70 }],
  ['a class without thresholds never flags', s(0, 0, 0, 0.99, 0.01), ONLY_SEXY_BLOCK, { suggestion: 'Pass', label: 'Normal', subLabel: '', type: ['Normal'], score: [0], top: 0 }],
  ['zero thresholds flag a test pattern', s(0.9886, 0.0026, 0.0088, 0.0001, 0), FLAG_EVERYTHING, { suggestion: 'Review', label: 'Porn', subLabel: 'Hentai', type: ['Porn', 'Sexy'], score: [0, 0], top: 0 }],
];

for (const [name, scores, thresholds, expected] of table) {
  test(`toModerationResult: ${name}`, () => {
    const result = toModerationResult(scores, thresholds);
    const { top, ...fields } = expected;
    assert.deepEqual(
      { suggestion: result.suggestion, label: result.label, subLabel: result.subLabel, type: result.type, score: result.score },
      fields,
    );
    assert.equal(result.labelResults.length, 1);
    const [labelResult] = result.labelResults;
    assert.deepEqual(
      { Scene: labelResult!.Scene, Suggestion: labelResult!.Suggestion, Label: labelResult!.Label, SubLabel: labelResult!.SubLabel, Score: labelResult!.Score },
      { Scene: 'Porn', Suggestion: result.suggestion, Label: result.label, SubLabel: result.subLabel, Score: top },
    );
    assert.deepEqual(labelResult!.Details, [
      { Id: 0, Name: 'Drawing', Score: toScore(scores.Drawing) },
      { Id: 1, Name: 'Hentai', Score: toScore(scores.Hentai) },
      { Id: 2, Name: 'Neutral', Score: toScore(scores.Neutral) },
      { Id: 3, Name: 'Porn', Score: toScore(scores.Porn) },
      { Id: 4, Name: 'Sexy', Score: toScore(scores.Sexy) },
    ]);
    assert.equal(result.type.length, result.score.length, 'score has one entry per type');
  });
}

test('toModerationResult: defaults are used when no thresholds are given', () => {
  assert.equal(toModerationResult(s(0, 0, 0.1, 0.9, 0)).suggestion, 'Block');
});

test('toScore: probability → integer 0–100, clamped, NaN → 0', () => {
  const rows: [number, number][] = [[0, 0], [1, 100], [0.004, 0], [0.005, 1], [0.555, 56], [0.9999, 100], [1.2, 100], [-0.1, 0], [Number.NaN, 0]];
  for (const [p, score] of rows) assert.equal(toScore(p), score, `toScore(${p})`);
});

test('every score in a result is an integer 0–100', () => {
  const result = toModerationResult(s(0.123456, 0.2, 0.3, 0.276544, 0.1), FLAG_EVERYTHING);
  const all = [...result.score, ...result.labelResults.flatMap((r) => [r.Score, ...r.Details.map((d) => d.Score)])];
  for (const value of all) assert.ok(Number.isInteger(value) && value >= 0 && value <= 100, `${value}`);
});

test('toPornDetectionFields feeds pornDetected() with the same values', () => {
  const result = toModerationResult(s(0, 0.02, 0.01, 0.95, 0.02));
  const context = { appId: 1250000000, domain: 'push.example.com', appName: 'live', stream: 's1', streamParam: '', sequence: '' };
  const { payload } = pornDetected(context, { ...toPornDetectionFields(result), img: 'http://x/a.jpg', screenshotAt: 1_700_000_000_000, sentAt: 1_700_000_001_000 });
  assert.equal(payload.suggestion, 'Block');
  assert.equal(payload.label, 'Porn');
  assert.equal(payload.subLabel, 'PornHigh');
  assert.deepEqual(payload.type, ['Porn']);
  assert.deepEqual(payload.score, [95]);
  assert.deepEqual(payload.labelResults, result.labelResults);
});

test('validateThresholds: the defaults are valid; every problem is reported at once', () => {
  assert.deepEqual(validateThresholds(DEFAULT_THRESHOLDS), []);
  assert.deepEqual(validateThresholds({ block: {}, review: {} }), []);
  assert.deepEqual(validateThresholds({ block: { Porn: 1.5, Neutral: 0.5 }, review: { Sexy: '0.8' } }, 'moderation'), [
    'moderation.block.Porn: expected a probability between 0 and 1, got 1.5',
    'moderation.block.Neutral: unknown class (one of Porn, Hentai, Sexy)',
    'moderation.review.Sexy: expected a probability between 0 and 1, got "0.8"',
  ]);
  assert.deepEqual(validateThresholds({ block: null }), [
    'thresholds.block: expected an object of class → probability',
    'thresholds.review: expected an object of class → probability',
  ]);
  assert.deepEqual(validateThresholds(42), ['thresholds: expected an object with "block" and "review"']);
});
