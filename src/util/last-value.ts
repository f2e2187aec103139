// Remembers the value last computed from a list of inputs, and gives it back while the inputs are the same.

/**
 * A stage of watch mode's pass over ten thousand containers sees, edit after edit, the same objects but for a
 * few: a whole diff is skipped when its inputs are those of the last pass. Inputs compare by identity; lists
 * element by element, plain records key by key (both rebuilt each pass around the same elements), which
 * costs a walk of pointers, not of what they point to. The value must not be changed by whoever gets it.
 */
export class LastValue<V> {
  private last: { inputs: readonly unknown[]; value: V } | null = null;

  get(inputs: readonly unknown[], compute: () => V): V {
    const last = this.last;
    if (last !== null && sameInputs(last.inputs, inputs)) return last.value;
    const value = compute();
    this.last = { inputs, value };
    return value;
  }
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]));
}

export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  if (isRecord(a) && isRecord(b)) return sameRecord(a, b);
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k] || !Object.hasOwn(b, k)) return false;
  return true;
}
