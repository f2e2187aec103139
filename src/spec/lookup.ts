// Questions later stages ask of a valid spec: whose namespace a container shares.

import type { ContainerSpec, Spec } from '../model/spec.js';
import { listPatchOf } from '../util/patch.js';

/** container:X chains end at the container whose namespace they all share. */
export function rootOf(spec: Spec, c: ContainerSpec): ContainerSpec {
  let cur = c;
  while (cur.network.kind === 'container') cur = spec.containers[cur.network.target];
  return cur;
}

/**
 * The containers in spec order. Ten thousand entries make `spec.containers` a dictionary whose values V8 lists
 * by sorting (~3-5 ms a call), and a pass asks a dozen times: the list is made once per containers object.
 * Specs are never changed once made, so this is a lazily computed field of the spec rather than state: it
 * lives and dies with the object it was read from.
 */
export function containersOf(spec: Pick<Spec, 'containers'>): readonly ContainerSpec[] {
  let list = LISTS.get(spec.containers);
  if (list === undefined) {
    list = Object.values(spec.containers);
    LISTS.set(spec.containers, list);
  }
  return list;
}

/**
 * Whoever made `containers` from a list in that order (place.ts) gives it: no listing at all then. Not when a
 * name is an array index ("42"): objects list those first, and the list must be the order they give.
 */
export function listedAs(containers: Spec['containers'], list: readonly ContainerSpec[]): void {
  if (LISTS.has(containers)) return;
  // A list patched from one found fine, with the same names where it was patched (util/patch.ts), is fine.
  const patch = listPatchOf(list);
  const renamed = (p: NonNullable<typeof patch>) => p.at.some((i) => list[i].name !== p.from[i].name);
  if ((patch && NAMED.has(patch.from) && !renamed(patch)) || !list.some((c) => isIndex(c.name))) {
    LISTS.set(containers, list);
    NAMED.add(list);
  }
}

const isIndex = (name: string): boolean => name.charCodeAt(0) <= 57 && /^(0|[1-9]\d{0,9})$/.test(name);

const LISTS = new WeakMap<object, readonly ContainerSpec[]>();
/** Lists whose names are no array index. */
const NAMED = new WeakSet<readonly ContainerSpec[]>();
