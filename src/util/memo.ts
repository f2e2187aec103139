// Remembers a value computed from an object, for as long as the object lives and the rest stays the same.

import { isDeepStrictEqual } from 'node:util';

/**
 * Watch mode recomputes the desired state of a thousand containers on every edit, most of them unchanged:
 * their spec objects are the same from one edit to the next (see normalize.ts), so what is derived from one
 * alone is looked up instead. `key` names everything else the value depends on. Values are shared between
 * reconciles: nothing may change them (the tests freeze them).
 */
export class Memo<O extends object, V> {
  private readonly values = new WeakMap<O, { key: string; value: V; token?: object }>();
  /** The last value computed under each name (named gets only): see get. */
  private readonly named = new Map<string, V>();

  /**
   * `name`: what identifies the object across edits (a container's name). A value computed anew that equals
   * the last one of that name is that very object: an edit of a field it does not depend on (a container's
   * ports, for its namespace) leaves it the same, and what is keyed by its identity further on (the plan's
   * memos, the namespaces vouched for) still holds.
   */
  get(of: O, key: string, compute: () => V, name?: string): V {
    const hit = this.values.get(of);
    if (hit !== undefined && hit.key === key) return hit.value;
    let value = compute();
    if (name !== undefined) {
      const before = this.named.get(name);
      if (before !== undefined && isDeepStrictEqual(before, value)) value = before;
      else this.named.set(name, value);
    }
    this.values.set(of, { key, value });
    return value;
  }

  /**
   * get, for a caller whose pass has a `token` that stands for everything else the value depends on being as
   * in the pass that last made or found it (a LastValue of those inputs): a value found in that pass is given
   * back without making its key, which for ten thousand containers costs as much as the lookups save.
   */
  within(token: object, of: O, key: () => string, compute: () => V, name?: string): V {
    const hit = this.values.get(of);
    if (hit !== undefined && hit.token === token) return hit.value;
    const value = this.get(of, key(), compute, name);
    this.values.get(of)!.token = token;
    return value;
  }

  /** Forgets the names once they outnumber `live` (the objects in use) twice: names that went stay bounded. */
  trim(live: number): void {
    if (this.named.size > 2 * live + 64) this.named.clear();
  }
}
