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
 * insert, an IN list).
 */
import type { Compilable, CompiledQuery, DialectAdapter, QueryResult } from 'kysely';
import type { Db } from './database.js';

const VALUE_OF = Symbol('precompiled value');

/** Stands in for a value of the call at build time; found again among the compiled parameters. */
interface Placeholder {
  readonly [VALUE_OF]: (args: unknown) => unknown;
}

const placeholder = (valueOf: (args: unknown) => unknown): Placeholder => ({ [VALUE_OF]: valueOf });
const isPlaceholder = (value: unknown): value is Placeholder => typeof value === 'object' && value !== null && VALUE_OF in value;

type Rows<T> = T extends readonly (infer Row)[] ? Row[] : never;

/** What a statement's build function uses in place of the call's values (typed as the values themselves). */
export interface Placeholders<A> {
  /** The argument `name`. */
  <K extends keyof A>(name: K): A[K];
  /** One placeholder per element of the array argument `name` (an IN list). */
  each<K extends keyof A>(name: K): A[K];
  /** One row of placeholders per row of the array argument `name`, with that row's columns (a multi-row insert). */
  rows<K extends keyof A>(name: K): Rows<A[K]>;
}

function placeholdersFor<A>(args: A): Placeholders<A> {
  const at = (args as Record<PropertyKey, unknown>);
  const $ = (<K extends keyof A>(name: K) => placeholder((a) => (a as A)[name]) as A[K]) as Placeholders<A>;
  $.each = (name) => (at[name as PropertyKey] as unknown[]).map((_, i) => placeholder((a) => ((a as A)[name] as unknown[])[i])) as A[typeof name];
  $.rows = (name) =>
    (at[name as PropertyKey] as Record<string, unknown>[]).map((row, i) =>
      Object.fromEntries(Object.keys(row).map((column) => [column, placeholder((a) => ((a as A)[name] as Record<string, unknown>[])[i]![column])])),
    ) as Rows<A[typeof name]>;
  return $;
}

/** The lengths of the array arguments: what changes an insert's or an IN list's SQL. */
const arrayLengths = (args: object): string => {
  let key = '';
  for (const value of Object.values(args)) if (Array.isArray(value)) key += `${value.length},`;
  return key;
};

// Kysely keeps no public handle on a query's dialect; its executor's adapter is one per database
// and tells the dialects apart.
const adapterOf = (db: Db): DialectAdapter => db.getExecutor().adapter;

/**
 * A statement compiled once per dialect and shape; calling it runs it with `args`.
 * `build` must use the placeholders for every value that varies between calls.
 */
export function precompiled<A extends object, R>(
  build: (db: Db, $: Placeholders<A>) => Compilable<R>,
): (db: Db, args: A) => Promise<QueryResult<R>> {
  const compiledFor = new WeakMap<DialectAdapter, Map<string, CompiledQuery<R>>>();
  return (db, args) => {
    const adapter = adapterOf(db);
    let byShape = compiledFor.get(adapter);
    if (!byShape) compiledFor.set(adapter, (byShape = new Map()));
    const key = arrayLengths(args);
    let compiled = byShape.get(key);
    if (!compiled) byShape.set(key, (compiled = build(db, placeholdersFor(args)).compile()));
    const parameters = compiled.parameters.map((p) => (isPlaceholder(p) ? p[VALUE_OF](args) : p));
    return db.executeQuery<R>({ ...compiled, parameters });
  };
}
