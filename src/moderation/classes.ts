/**
 * The NSFW model's vocabulary: its five output classes in output order, and the input it expects.
 * Shared by the worker (which produces scores), the classifier and the pure mapping to event 317.
 */

/** Output order of nsfwjs' MobileNetV2 (`NSFW_CLASSES` in nsfwjs): index = Details[].Id. */
export const NSFW_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

export type NsfwClass = (typeof NSFW_CLASSES)[number];

/** The classes that can make a frame anything but `Pass`. */
export type FlaggableClass = 'Porn' | 'Hentai' | 'Sexy';

/** Softmax probabilities in [0, 1], one per class; they sum to 1 (± float rounding). */
export type ClassScores = Record<NsfwClass, number>;

/** The model's input edge in pixels: frames are 224×224. */
export const INPUT_SIZE = 224;

/** Bytes of one raw frame as ffmpeg writes it with `-f rawvideo -pix_fmt rgb24 -s 224x224`. */
export const RGB224_BYTES = INPUT_SIZE * INPUT_SIZE * 3;
