/**
 * Statements of the hot paths (a hook's push-session writes, every event's outbox rows), built
 * with Kysely once per shape and then run as compiled SQL. Building and compiling a query costs
 * more than SQLite takes to run a small one (a single-row update: 10.5 µs through the builder,
 * 3.5 µs precompiled; a 30-row insert: 5.2 against 2.8 µs a row), and these run thousands of
 * times a second.
 *
 * How: the query is built with placeholders where the call's values go (`$('id')`, one per element
 * with `$.each`, one per column of each row with `$.rows`), compiled by the database's own
 * compiler (so SQLite and PostgreSQL each get their SQL), and kept per dialect and shape; a call
 * only puts its values where the placeholders landed in the compiled parameter list. Kysely still
 * executes it, so types, transactions and the store's watched driver are unchanged.
 *
 * The shape is what changes the SQL text: the length of every array argument (rows of an
 * insert, an IN list). An IN list is built for the next power of two of its length, its last
 * element repeated to fill it (which changes nothing an IN tests): a list of any length from 1 to
 * 500 is one of 10 shapes, not one of 500, each compiled once and prepared once by the database.
 * Rows cannot be padded, so a multi-row statement of 32 rows or more runs in parts of 256, 128,
 * 64 or 32 rows and a rest of fewer than 32 (results joined in order): a statement has at most 35
 * shapes of rows, not 500. SQLite holds ~1.2 KB per row of a prepared 12-column insert, 39 MB
 * for the shapes from 1 to 256 rows, and the statement cache keeps 500 statements.
 */
import type { Compilable, CompiledQuery, DialectAdapter, QueryResult, RootOperationNode } from 'kysely';
import type { Db } from './database.js';

const PATH = Symbol('precompiled path');

/**
 * Stands in for a value of the call at build time, found again among the compiled parameters: the
 * path to the value in the call's arguments (`[name]`, `[name, index]` or `[name, index, column]`).
 * A path, not a closure: the compiled SQL of every shape is kept for the life of the process, and
 * closures built from the first call's arguments kept those arguments (payloads, response excerpts)
 * and one closure per value alive with it, ~1,800 for a 256-row insert of 7 columns.
 */
interface Placeholder {
  readonly [PATH]: Path;
}

type Path = readonly [name: PropertyKey, index?: number, column?: string];

/**
 * One path object per place, shared by every shape of a statement: shapes of 1 to 256 rows of 7
 * columns would otherwise keep ~230,000 paths where 1,792 places exist.
 */
type Paths = Map<string, Path>;

function placeholder(paths: Paths, ...path: Path): Placeholder {
  const key = path.map(String).join('\u0000');
  let shared = paths.get(key);
  if (!shared) paths.set(key, (shared = path));
  return { [PATH]: shared };
}
const isPlaceholder = (value: unknown): value is Placeholder => typeof value === 'object' && value !== null && PATH in value;

type Rows<T> = T extends readonly (infer Row)[] ? Row[] : never;

/** What a statement's build function uses in place of the call's values (typed as the values themselves). */
export interface Placeholders<A> {
  /** The argument `name`. */
  <K extends keyof A>(name: K): A[K];
  /** One placeholder per element of the array argument `name`, padded to a power of two (an IN list: see the header). */
  each<K extends keyof A>(name: K): A[K];
  /** One row of placeholders per row of the array argument `name`, with that row's columns (a multi-row insert). */
  rows<K extends keyof A>(name: K): Rows<A[K]>;
}

/** The length an IN list of `length` elements is built for. */
const paddedLength = (length: number): number => (length <= 1 ? length : 2 ** Math.ceil(Math.log2(length)));

/** Rows below which a multi-row statement runs whole, and the largest part it runs in above that. */
const MIN_ROW_PART = 32;
const MAX_ROW_PART = 256;

/** A multi-row statement of `count` rows runs as parts of these sizes, in this order. */
export function rowParts(count: number): number[] {
  const parts: number[] = [];
  let left = count;
  while (left >= MIN_ROW_PART) {
    let part = MAX_ROW_PART;
    while (part > left) part /= 2;
    parts.push(part);
    left -= part;
  }
  if (left > 0) parts.push(left);
  return parts;
}

/** What the build uses its array arguments as, learnt at the first build. */
interface ArrayUses {
  readonly inLists: Set<PropertyKey>;
  readonly rows: Set<PropertyKey>;
}

function placeholdersFor<A>(args: A, paths: Paths, uses: ArrayUses): Placeholders<A> {
  const at = args as Record<PropertyKey, unknown>;
  const $ = (<K extends keyof A>(name: K) => placeholder(paths, name) as A[K]) as Placeholders<A>;
  $.each = (name) => {
    uses.inLists.add(name);
    const length = paddedLength((at[name as PropertyKey] as unknown[]).length);
    return Array.from({ length }, (_, i) => placeholder(paths, name, i)) as A[typeof name];
  };
  $.rows = (name) => {
    uses.rows.add(name);
    return (at[name as PropertyKey] as Record<string, unknown>[]).map((row, i) =>
      Object.fromEntries(Object.keys(row).map((column) => [column, placeholder(paths, name, i, column)])),
    ) as Rows<A[typeof name]>;
  };
  return $;
}

/** Where each compiled parameter comes from: a value fixed at build time, or a path into the call's arguments. */
type Source = { readonly fixed: unknown } | Path;

const sourcesOf = (parameters: readonly unknown[]): Source[] => parameters.map((p) => (isPlaceholder(p) ? p[PATH] : { fixed: p }));

function valueAt(args: Record<PropertyKey, unknown>, source: Source): unknown {
  if (!Array.isArray(source)) return (source as { fixed: unknown }).fixed;
  const [name, index, column] = source as Path;
  const value = args[name];
  if (index === undefined) return value;
  const list = value as unknown[];
  // Past the end of a padded IN list: its last element again.
  const element = list[Math.min(index, list.length - 1)];
  return column === undefined ? element : (element as Record<string, unknown>)[column];
}

/** The shape of a call: the length of each array argument, an IN list's padded. */
function shapeOf(args: object, inLists: ReadonlySet<PropertyKey>): string {
  let key = '';
  for (const [name, value] of Object.entries(args)) {
    if (Array.isArray(value)) key += `${inLists.has(name) ? paddedLength(value.length) : value.length},`;
  }
  return key;
}

// Kysely keeps no public handle on a query's dialect; its executor's adapter is one per database
// and tells the dialects apart.
const adapterOf = (db: Db): DialectAdapter => db.getExecutor().adapter;

/** The results of a statement's parts, as one statement's. */
function joined<R>(results: readonly QueryResult<R>[]): QueryResult<R> {
  const total = (pick: (r: QueryResult<R>) => bigint | undefined): bigint | undefined =>
    results.reduce<bigint | undefined>((sum, r) => (pick(r) === undefined ? sum : (sum ?? 0n) + pick(r)!), undefined);
  const numAffectedRows = total((r) => r.numAffectedRows);
  const numChangedRows = total((r) => r.numChangedRows);
  const insertId = results.findLast((r) => r.insertId !== undefined)?.insertId;
  return {
    rows: results.flatMap((r) => r.rows),
    ...(numAffectedRows === undefined ? {} : { numAffectedRows }),
    ...(numChangedRows === undefined ? {} : { numChangedRows }),
    ...(insertId === undefined ? {} : { insertId }),
  };
}

/**
 * A statement compiled once per dialect and shape; calling it runs it with `args`.
 * `build` must use the placeholders for every value that varies between calls, and a statement
 * with `$.rows` must treat each row on its own (an insert), since it may run in parts.
 */
export function precompiled<A extends object, R>(
  build: (db: Db, $: Placeholders<A>) => Compilable<R>,
): (db: Db, args: A) => Promise<QueryResult<R>> {
  const compiledFor = new WeakMap<DialectAdapter, Map<string, { query: CompiledQuery<R>; sources: Source[] }>>();
  const paths: Paths = new Map();
  const uses: ArrayUses = { inLists: new Set(), rows: new Set() };
  let learnt = false;

  const runShape = (db: Db, args: A): Promise<QueryResult<R>> => {
    const adapter = adapterOf(db);
    let byShape = compiledFor.get(adapter);
    if (!byShape) compiledFor.set(adapter, (byShape = new Map()));
    const key = shapeOf(args, uses.inLists);
    let compiled = byShape.get(key);
    if (!compiled) {
      const query = build(db, placeholdersFor(args, paths, uses)).compile();
      // Kept: the SQL, where each value comes from, and of the operation tree only its kind (what
      // the store's watched driver reads; drivers read the SQL), not a node per value of the build.
      const node = { kind: query.query.kind } as RootOperationNode;
      byShape.set(key, (compiled = { query: { ...query, query: node, parameters: [] }, sources: sourcesOf(query.parameters) }));
    }
    const { query, sources } = compiled;
    const at = args as Record<PropertyKey, unknown>;
    const parameters = new Array<unknown>(sources.length);
    for (let i = 0; i < sources.length; i++) parameters[i] = valueAt(at, sources[i]!);
    return db.executeQuery<R>({ ...query, parameters });
  };

  return async (db, args) => {
    // The first call learns what the build uses its arrays as (built, not compiled), so that no
    // shape is ever keyed or compiled before the lists are padded and the rows split.
    if (!learnt) {
      build(db, placeholdersFor(args, new Map(), uses));
      learnt = true;
    }
    const [rowsName, ...others] = uses.rows;
    const rows = rowsName === undefined || others.length > 0 ? undefined : ((args as Record<PropertyKey, unknown>)[rowsName] as unknown[]);
    if (!rows || rows.length < MIN_ROW_PART) return runShape(db, args);
    const results: QueryResult<R>[] = [];
    let from = 0;
    for (const size of rowParts(rows.length)) {
      results.push(await runShape(db, { ...args, [rowsName!]: rows.slice(from, from + size) }));
      from += size;
    }
    return joined(results);
  };
}
