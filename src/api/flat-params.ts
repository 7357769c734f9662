/**
 * Parameters that arrive flattened as strings (a GET query, a form body, every v1 request):
 * `Filters.0.Name=x&Limit=10` becomes `{Filters: [{Name: "x"}], Limit: 10}`, typed as the action's
 * schema expects, so the JSON path's validation and error codes apply unchanged
 * (docs/api-signing.md, "Parameters outside JSON"). This is the one place strings are coerced.
 */
import { z } from 'zod';
import { apiError } from './errors.js';

/** Hostile-input bounds: far above any action's real parameters. */
const MAX_PARAMS = 1000;
const MAX_INDEX = 999;
const MAX_DEPTH = 8;

type Tree = { [key: string]: Tree } | string;

/** An array index as Tencent writes it: `0`, `1`, … (no sign, no leading zero). */
const INDEX = /^(0|[1-9]\d*)$/;

function invalid(name: string, why: string): never {
  throw apiError('InvalidParameter', `The parameter \`${name}\` is malformed: ${why}.`);
}

/** Nested objects keyed by name segment; numeric-keyed objects become arrays in `toValue`. */
function buildTree(pairs: ReadonlyArray<readonly [string, string]>): { [key: string]: Tree } {
  if (pairs.length > MAX_PARAMS) throw apiError('InvalidParameter', `At most ${MAX_PARAMS} parameters are accepted.`);
  const root: { [key: string]: Tree } = Object.create(null);
  for (const [name, value] of pairs) {
    const segments = name.split('.');
    if (segments.length > MAX_DEPTH || segments.some((s) => s === '')) invalid(name, 'empty segment or nested too deep');
    let node = root;
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      const existing = node[segment];
      if (last) {
        if (existing !== undefined) invalid(name, 'given more than once, or both as a value and as a parent');
        node[segment] = value;
        return;
      }
      if (typeof existing === 'string') invalid(name, 'given both as a value and as a parent');
      node = existing ?? (node[segment] = Object.create(null) as { [key: string]: Tree });
    });
  }
  return root;
}

/** An object whose keys are exactly 0…n-1 is an array (`X.0`, `X.1`); gaps are refused. */
function toValue(tree: Tree, name: string): unknown {
  if (typeof tree === 'string') return tree;
  const keys = Object.keys(tree);
  if (keys.length > 0 && keys.every((k) => INDEX.test(k))) {
    const indexes = keys.map(Number).sort((a, b) => a - b);
    if (indexes.some((index, i) => index !== i || index > MAX_INDEX)) invalid(name, 'array indexes must run 0, 1, 2, … without gaps');
    return indexes.map((i) => toValue(tree[String(i)]!, `${name}.${i}`));
  }
  if (keys.some((k) => /^\d+$/.test(k))) invalid(name, 'mixes array indexes and names, or writes an index with leading zeros');
  return Object.fromEntries(keys.map((k) => [k, toValue(tree[k]!, name === '' ? k : `${name}.${k}`)]));
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** What a string should become for the schema at this point; anything else is left for zod to refuse. */
function coerce(schema: z.core.$ZodType, value: unknown): unknown {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
      return coerce(def.innerType as z.core.$ZodType, value);
    case 'pipe':
      return coerce(def.in as z.core.$ZodType, value);
    case 'number':
      return typeof value === 'string' && NUMBER.test(value) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'literal':
      return coerceLiteral(def.values as readonly unknown[], value);
    case 'union':
      return coerceUnion(def.options as readonly z.core.$ZodType[], value);
    case 'array':
      return Array.isArray(value) ? value.map((v) => coerce(def.element as z.core.$ZodType, v)) : value;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const shape = def.shape as Record<string, z.core.$ZodType>;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, Object.hasOwn(shape, k) ? coerce(shape[k]!, v) : v]),
      );
    }
    default:
      return value;
  }
}

function coerceLiteral(values: readonly unknown[], value: unknown): unknown {
  if (typeof value !== 'string' || values.includes(value)) return value;
  const matching = values.find((v) => (typeof v === 'number' || typeof v === 'boolean') && String(v) === value);
  return matching ?? value;
}

/** The first option under which the coerced value parses wins; a string stays a string if an option takes it. */
function coerceUnion(options: readonly z.core.$ZodType[], value: unknown): unknown {
  let fallback = value;
  for (const option of options) {
    const candidate = coerce(option, value);
    if (z.safeParse(option, candidate).success) return candidate;
    if (candidate !== value) fallback = candidate;
  }
  return fallback;
}

/** The action's parameters from flattened name/value pairs, typed as `schema` expects. */
export function flatParams(schema: z.ZodType, pairs: ReadonlyArray<readonly [string, string]>): Record<string, unknown> {
  return coerce(schema, toValue(buildTree(pairs), '')) as Record<string, unknown>;
}
