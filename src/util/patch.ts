// Records and lists made from another by replacing a few entries: later stages redo those, not all of them.

/**
 * Watch mode reads a spec of ten thousand containers again after an edit of one. Each stage walking all of
 * them to find the one that changed costs a few milliseconds; a record or list that says what it was made
 * from, and which entries differ, lets a stage that kept its result for the old one patch that instead.
 * A patch is a fact about two immutable values, so it is kept beside them (weakly), never in them.
 */
export interface RecordPatch {
  /** The record this one was made from: the very same keys, in the same order. */
  from: object;
  /** The keys whose values are not those of `from`. */
  keys: readonly string[];
}

export interface ListPatch<T> {
  /** The list this one was made from: the same length. */
  from: readonly T[];
  /** The positions whose items are not those of `from`, ascending. */
  at: readonly number[];
}

/**
 * What a patch was made from is held weakly: held strongly, each value would keep the one before it alive,
 * and that one its own, back to the first load (by hand at 10,000 containers, the heap grew 1.6 MB an edit).
 * A patch whose `from` is gone can be of no use: whoever compares with `from` holds what it compares.
 */
const RECORDS = new WeakMap<object, { from: WeakRef<object>; keys: readonly string[] }>();
const LISTS = new WeakMap<readonly unknown[], { from: WeakRef<readonly unknown[]>; at: readonly number[] }>();

export function recordPatchOf(record: object): RecordPatch | undefined {
  const p = RECORDS.get(record);
  const from = p?.from.deref();
  return p && from ? { from, keys: p.keys } : undefined;
}

export function listPatchOf<T>(list: readonly T[]): ListPatch<T> | undefined {
  const p = LISTS.get(list);
  const from = p?.from.deref() as readonly T[] | undefined;
  return p && from ? { from, at: p.at } : undefined;
}

/**
 * `from` with the values of `changes` (keys it has) in their place, as a new record noted as made from it.
 * Null when a key is not one of `from`'s own, or is `__proto__` (which an assignment would not make a key):
 * the caller then builds the record whole.
 */
export function patchRecord<T>(from: Readonly<Record<string, T>>, keys: readonly string[], changes: ReadonlyMap<string, T>): Record<string, T> | null {
  for (const k of changes.keys()) if (k === '__proto__' || !Object.hasOwn(from, k)) return null;
  // `keys`, `from`'s in order, set one by one: spreading a dictionary of 10,000 keys costs three times as much.
  const out = dictionary<T>();
  for (let i = 0; i < keys.length; i++) out[keys[i]] = from[keys[i]];
  for (const [k, v] of changes) out[k] = v;
  RECORDS.set(out, { from: new WeakRef(from), keys: [...changes.keys()] });
  return out;
}

/**
 * An empty record V8 keeps as a hash table from the start: one of 10,000 keys is one anyway, and filling a
 * plain `{}` first walks a thousand hidden classes to get there (a quarter of the time).
 */
function dictionary<T>(): Record<string, T> {
  const out: Record<string, T> = { _: undefined as T };
  delete out._;
  return out;
}

/** `from` with `items` at positions `at` (ascending), noted as made from it. */
export function patchList<T>(from: readonly T[], at: readonly number[], items: readonly T[]): T[] {
  const out = from.slice();
  for (let i = 0; i < at.length; i++) out[at[i]] = items[i];
  LISTS.set(out, { from: new WeakRef(from), at });
  return out;
}
