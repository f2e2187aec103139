// Remembers a value computed from an object, for as long as the object lives and the rest stays the same.

/**
 * Watch mode recomputes the desired state of a thousand containers on every edit, most of them unchanged:
 * their spec objects are the same from one edit to the next (see normalize.ts), so what is derived from one
 * alone is looked up instead. `key` names everything else the value depends on. Values are shared between
 * reconciles: nothing may change them (the tests freeze them).
 */
export class Memo<O extends object, V> {
  private readonly values = new WeakMap<O, { key: string; value: V }>();

  get(of: O, key: string, compute: () => V): V {
    const hit = this.values.get(of);
    if (hit !== undefined && hit.key === key) return hit.value;
    const value = compute();
    this.values.set(of, { key, value });
    return value;
  }
}
