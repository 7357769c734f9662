/**
 * What capture asks of moderation: classify one frame and say whether it becomes event 317.
 * The classifier (worker threads holding the model) starts on the first frame, not at process
 * start: most livehook instances never see a PornFlag template, and each worker costs ~100 MB.
 * A classifier that fails as a whole stays failed, so it is dropped and, after `retryAfterMs`
 * (frames are refused meanwhile, so a model that cannot load is not reloaded for every frame),
 * the next frame starts a new one.
 */
import type { Logger } from 'pino';
import { createClassifier, type ClassScores, type Classifier, type ClassifierOptions, type ClassifierStats } from './classifier.js';
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
  /** After a classifier failure, how long frames are refused before a new one starts. Default 30 s. */
  readonly retryAfterMs?: number;
  /** Makes the classifier; tests hand in one that fails. */
  readonly createClassifier?: (options: ClassifierOptions) => Classifier;
}

const DEFAULT_RETRY_AFTER_MS = 30_000;

export type Verdict = ReturnType<typeof toPornDetectionFields>;

export class Moderator {
  #classifier: Classifier | undefined;
  #failure: { readonly error: unknown; readonly retryAt: number } | undefined;

  constructor(private readonly options: ModeratorOptions) {}

  /** The event-317 fields for a 224×224 rgb24 frame, or null when it passes (or was dropped). */
  async review(streamKey: string, rgb224: Uint8Array): Promise<Verdict | null> {
    const classifier = this.#classifier ?? this.#start();
    let scores: ClassScores | null;
    try {
      scores = await classifier.classify(streamKey, rgb224);
    } catch (rawError) {
      if (classifier.broken && this.#classifier === classifier) {
        this.#classifier = undefined;
        this.#failure = { error: rawError, retryAt: Date.now() + (this.options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) };
        // Its workers are gone already; closing only settles what is left of it.
        classifier.close().catch(() => undefined);
      }
      throw rawError;
    }
    if (!scores) return null;
    const result = toModerationResult(scores, this.options.thresholds);
    return result.suggestion === 'Pass' && !this.options.sendAll ? null : toPornDetectionFields(result);
  }

  #start(): Classifier {
    if (this.#failure && Date.now() < this.#failure.retryAt) throw this.#failure.error;
    const create = this.options.createClassifier ?? createClassifier;
    this.#classifier = create({ modelCacheDir: this.options.modelCacheDir, workers: this.options.workers, log: this.options.log });
    return this.#classifier;
  }

  /** Null until the first frame started the classifier. */
  stats(): ClassifierStats | null {
    return this.#classifier?.stats() ?? null;
  }

  async close(): Promise<void> {
    await this.#classifier?.close();
  }
}
