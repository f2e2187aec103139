// Remembers the value last computed from a list of inputs, and gives it back while the inputs are the same.

import { isDeepStrictEqual } from 'node:util';
import { listPatchOf, recordPatchOf } from './patch.js';

/**
 * A stage of watch mode's pass over ten thousand containers sees, edit after edit, the same objects but for a
 * few: a whole stage is skipped when its inputs are those of the last pass. Inputs compare by identity; lists
 * element by element, plain records key by key (both rebuilt each pass around the same elements), which
 * costs a walk of pointers, not of what they point to. `deep`: how many elements that are not the very same
 * may still be compared by value, for a stage fed pieces of spec that an edit recreates equal (a container's
 * networks when its ports changed). The value must not be changed by whoever gets it.
 */
export class LastValue<V> {
  private last: { inputs: readonly unknown[]; value: V } | null = null;

  constructor(private readonly deep = 0) {}

  get(inputs: readonly unknown[], compute: () => V): V {
    const last = this.last;
    if (last !== null && sameInputs(last.inputs, inputs, { left: this.deep })) {
      // The inputs of this pass from now on: the next one, made of them, then compares by identity alone.
      this.last = { inputs, value: last.value };
      return last.value;
    }
    const value = compute();
    this.last = { inputs, value };
    return value;
  }
}

interface Budget {
  left: number;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[], deep: Budget): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i], deep));
}

export function same(a: unknown, b: unknown, deep: Budget = { left: 0 }): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && sameItems(a, b, deep);
  if (isRecord(a) && isRecord(b)) return sameRecord(a, b, deep);
  return false;
}

/**
 * Deep equality of two values built around shared parts (a spec read again after an edit, whose unchanged
 * containers are the very objects they were): what is identical is not walked, where isDeepStrictEqual walks
 * ten thousand keys to find the one that differs.
 */
export function equalShared(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equalShared(x, b[i]));
  if (!isRecord(a) || !isRecord(b)) return isDeepStrictEqual(a, b);
  const patched = patchBetween(a, b);
  if (patched) return patched.every((k) => equalShared(a[k], b[k]));
  let keys = 0;
  for (const k in a) {
    keys++;
    if (!Object.hasOwn(b, k) || !equalShared(a[k], b[k])) return false;
  }
  for (const k in b) if (Object.hasOwn(b, k) && --keys < 0) return false;
  return keys === 0;
}

function equal(a: unknown, b: unknown, deep: Budget): boolean {
  return deep.left-- > 0 && isDeepStrictEqual(a, b);
}

/** The keys replaced when one record was patched from the other; null when neither was. */
function patchBetween(a: object, b: object): readonly string[] | null {
  const ab = recordPatchOf(b);
  if (ab?.from === a) return ab.keys;
  const ba = recordPatchOf(a);
  return ba?.from === b ? ba.keys : null;
}

/** The positions replaced when one list was patched from the other; null when neither was. */
function listPatchBetween(a: readonly unknown[], b: readonly unknown[]): readonly number[] | null {
  const ab = listPatchOf(b);
  if (ab?.from === a) return ab.at;
  const ba = listPatchOf(a);
  return ba?.from === b ? ba.at : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Lists of one length, item by item; one patched from the other (util/patch.ts) at its patch's positions only. */
function sameItems(a: readonly unknown[], b: readonly unknown[], deep: Budget): boolean {
  const at = listPatchBetween(a, b);
  if (at) return at.every((i) => a[i] === b[i] || equal(a[i], b[i], deep));
  return a.every((x, i) => x === b[i] || equal(x, b[i], deep));
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>, deep: Budget): boolean {
  // One patched from the other (util/patch.ts): the same keys, the same values but for the keys replaced.
  const patched = patchBetween(a, b);
  if (patched) return patched.every((k) => a[k] === b[k] || equal(a[k], b[k], deep));
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || (a[k] !== b[k] && !equal(a[k], b[k], deep))) return false;
  return true;
}
