/**
 * The NSFW model: nsfwjs 4.x ships MobileNetV2 inside the package as two browserify bundles
 * (`dist/models/mobilenet_v2/model.min.js`: the Keras layers-model JSON; `group1-shard1of1.min.js`:
 * the weights as one base64 string), reachable through the package export
 * `nsfwjs/models/mobilenet_v2`. Importing and decoding those costs seconds, so the first load
 * writes the same artifacts as plain files — `model.json` + `weights.bin`, the TensorFlow.js
 * layers format — under `<cacheDir>/nsfwjs-<version>-mobilenet_v2/`, and later loads read those.
 *
 * The cache is an optimisation only: a missing, unreadable or corrupt cache (size or SHA-256 of
 * weights.bin does not match model.json) falls back to the bundle and is rewritten; a cache that
 * cannot be written is reported through `warn` and the bundled model is used.
 * Writes go to a temporary sibling directory renamed into place, so two processes starting
 * together never see half a cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import { tf } from './tf-runtime.js';

export type ModelSource = 'bundled' | 'cache';

export interface ModelLoadInfo {
  readonly source: ModelSource;
  /** Reading the artifacts and building the model, in milliseconds (no warm-up). */
  readonly ms: number;
  /** Where the cache lives, or null when caching is off. */
  readonly cachePath: string | null;
  /** True when this load wrote (or rewrote) the cache. */
  readonly cacheWritten: boolean;
}

const MODEL_NAME = 'mobilenet_v2';
const WEIGHTS_FILE = 'weights.bin';

interface CachedModelJson extends tf.io.ModelJSON {
  /** What the files were made from, so a different nsfwjs version never reads a stale cache. */
  readonly livehook: { readonly source: string; readonly weightsBytes: number; readonly weightsSha256: string };
}

let nsfwjsVersionCache: string | undefined;

/** The installed nsfwjs version (its package.json is not exported, so it is found on disk). */
export async function nsfwjsVersion(): Promise<string> {
  if (nsfwjsVersionCache) return nsfwjsVersionCache;
  let dir = path.dirname(fileURLToPath(import.meta.resolve('nsfwjs')));
  for (;;) {
    try {
      const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nsfwjs' && pkg.version) return (nsfwjsVersionCache = pkg.version);
    } catch (rawError) {
      if ((rawError as NodeJS.ErrnoException).code !== 'ENOENT') throw rawError;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('moderation: cannot find the nsfwjs package.json');
    dir = parent;
  }
}

export async function cachePathFor(cacheDir: string): Promise<string> {
  return path.join(cacheDir, `nsfwjs-${await nsfwjsVersion()}-${MODEL_NAME}`);
}

/** The model exactly as nsfwjs ships it: layers-model JSON + weights decoded from base64. */
export async function readBundledArtifacts(): Promise<tf.io.ModelArtifacts> {
  const json = ((await MobileNetV2Model.modelJson()) as { default: tf.io.ModelJSON }).default;
  const bundles = MobileNetV2Model.weightBundles;
  if (bundles.length !== json.weightsManifest.flatMap((group) => group.paths).length) {
    throw new Error(`moderation: nsfwjs ${MODEL_NAME} lists ${bundles.length} weight bundles for ${json.weightsManifest.length} manifest groups`);
  }
  // Manifest paths and bundles are in the same order (nsfwjs names bundle i `group1-shard<i+1>of<n>`).
  const parts = await Promise.all(bundles.map(async (load) => Buffer.from(((await load()) as { default: string }).default, 'base64')));
  return artifactsOf(json, Buffer.concat(parts));
}

/** A layers-model JSON and its concatenated weights, as tfjs loads them. */
const artifactsOf = (json: tf.io.ModelJSON, weights: Uint8Array): tf.io.ModelArtifacts =>
  tf.io.getModelArtifactsForJSONSync(json, tf.io.getWeightSpecs(json.weightsManifest), toArrayBuffer(weights));

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Artifacts from the cache, or null when there is none; throws when it exists but is corrupt. */
export async function readCachedArtifacts(cachePath: string): Promise<tf.io.ModelArtifacts | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(cachePath, 'model.json'), 'utf8');
  } catch (rawError) {
    const code = (rawError as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw rawError;
  }
  const json = JSON.parse(text) as CachedModelJson;
  const weights = await fs.readFile(path.join(cachePath, WEIGHTS_FILE));
  if (!json.livehook || weights.length !== json.livehook.weightsBytes || sha256(weights) !== json.livehook.weightsSha256) {
    throw new Error(`moderation: model cache ${cachePath} does not match its manifest (${weights.length} bytes)`);
  }
  return artifactsOf(json, weights);
}

/** Writes model.json + weights.bin into `cachePath`, replacing whatever is there. */
export async function writeCachedArtifacts(cachePath: string, artifacts: tf.io.ModelArtifacts): Promise<void> {
  const { weightData, weightSpecs } = artifacts;
  if (!(weightData instanceof ArrayBuffer) || !weightSpecs) throw new Error('moderation: model artifacts without one weight buffer');
  const weights = new Uint8Array(weightData);
  const json: CachedModelJson = {
    modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? '',
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }],
    livehook: { source: `nsfwjs@${await nsfwjsVersion()}/${MODEL_NAME}`, weightsBytes: weights.length, weightsSha256: sha256(weights) },
  };
  await fs.mkdir(path.dirname(cachePath), { recursive: true });
  const temp = `${cachePath}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.mkdir(temp);
    await fs.writeFile(path.join(temp, WEIGHTS_FILE), weights);
    await fs.writeFile(path.join(temp, 'model.json'), JSON.stringify(json));
    await fs.rm(cachePath, { recursive: true, force: true });
    try {
      await fs.rename(temp, cachePath);
    } catch (rawError) {
      const code = (rawError as NodeJS.ErrnoException).code;
      // Another process renamed its copy into place between our rm and rename: theirs is as good.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw rawError;
    }
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
  }
}

export interface LoadModelOptions {
  /** Directory for the file cache (e.g. `<data-dir>/models`); null = always load the bundle. */
  readonly cacheDir: string | null;
  /** Told about cache problems that were worked around (the model still loads). */
  readonly warn?: (message: string, error: Error) => void;
}

/** Loads MobileNetV2 from the cache when it is there and sound, else from the bundle (and caches it). */
export async function loadNsfwModel(options: LoadModelOptions): Promise<{ model: tf.LayersModel; info: ModelLoadInfo }> {
  const started = performance.now();
  const cachePath = options.cacheDir === null ? null : await cachePathFor(options.cacheDir);
  let artifacts: tf.io.ModelArtifacts | null = null;
  if (cachePath) {
    try {
      artifacts = await readCachedArtifacts(cachePath);
    } catch (rawError) {
      options.warn?.('model cache unreadable; loading the bundled model and rewriting the cache', coerce(rawError));
    }
  }
  const source: ModelSource = artifacts ? 'cache' : 'bundled';
  let cacheWritten = false;
  if (!artifacts) {
    artifacts = await readBundledArtifacts();
    if (cachePath) {
      try {
        await writeCachedArtifacts(cachePath, artifacts);
        cacheWritten = true;
      } catch (rawError) {
        options.warn?.('cannot write the model cache; the bundled model will be loaded again next start', coerce(rawError));
      }
    }
  }
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return { model, info: { source, ms: performance.now() - started, cachePath, cacheWritten } };
}

function coerce(rawError: unknown): Error {
  return rawError instanceof Error ? rawError : new Error(String(rawError));
}
