/**
 * What capture asks of moderation: classify one frame and say whether it becomes event 317.
 * The classifier (worker threads holding the model) starts on the first frame, not at process
 * start: most livehook instances never see a PornFlag template, and each worker costs ~100 MB.
 */
import type { Logger } from 'pino';
import { createClassifier, type Classifier, type ClassifierStats } from './classifier.js';
import type { ModerationThresholds } from './thresholds.js';
import { toModerationResult, toPornDetectionFields } from './to-result.js';

export interface ModeratorOptions {
  /** Directory for the model file cache; null = load the bundled model every start. */
  readonly modelCacheDir: string | null;
  readonly thresholds: ModerationThresholds;
  /** Send event 317 for every classified frame, Pass included. */
  readonly sendAll: boolean;
  readonly workers: number;
  readonly log: Logger;
}

export type Verdict = ReturnType<typeof toPornDetectionFields>;

export class Moderator {
  #classifier: Classifier | undefined;

  constructor(private readonly options: ModeratorOptions) {}

  /** The event-317 fields for a 224×224 rgb24 frame, or null when it passes (or was dropped). */
  async review(streamKey: string, rgb224: Uint8Array): Promise<Verdict | null> {
    this.#classifier ??= createClassifier({
      modelCacheDir: this.options.modelCacheDir,
      workers: this.options.workers,
      log: this.options.log,
    });
    const scores = await this.#classifier.classify(streamKey, rgb224);
    if (!scores) return null;
    const result = toModerationResult(scores, this.options.thresholds);
    return result.suggestion === 'Pass' && !this.options.sendAll ? null : toPornDetectionFields(result);
  }

  /** Null until the first frame started the classifier. */
  stats(): ClassifierStats | null {
    return this.#classifier?.stats() ?? null;
  }

  async close(): Promise<void> {
    await this.#classifier?.close();
  }
}
