// The namespaces a warm pass found vouched for, kept while the kernel view and the namespaces desired are the same.

import { isDeepStrictEqual } from 'node:util';
import type { DesiredEndpoint, DesiredNetns, DesiredState } from '../model/desired.js';
import type { ObservedNetns } from '../model/observed.js';
import type { KernelView } from '../observe/observe.js';

interface Kept {
  spec: string;
  kernel: KernelView;
  endpoints: readonly DesiredEndpoint[];
  netns: readonly DesiredNetns[];
  observed: Record<string, ObservedNetns>;
}

/** The same objects, but for the few an edit made anew (equal or not): those are compared by value. */
const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i] || isDeepStrictEqual(x, b[i]));

/**
 * Watch mode plans an edit of ten thousand containers against a kernel view nothing changed since the last
 * pass (watch/host-reads.ts). When that view is the same, and so are the desired endpoints and namespaces (the
 * same objects but for the edited containers': desired/cache.ts), the seals vouch for the same namespaces as
 * before: checking them again and listing the namespaces again would give the same record. Kept only when
 * that pass entered no namespace: what is inside one is not in the kernel view, and a namespace read is one
 * about to be configured.
 */
export class InsideMemo {
  private kept: Kept | null = null;

  get(kernel: KernelView, desired: DesiredState): Record<string, ObservedNetns> | null {
    const k = this.kept;
    // The view's parts: each pass wraps the same kept host and list in an object of its own.
    if (!k || k.kernel.host !== kernel.host || k.kernel.listed !== kernel.listed || k.spec !== desired.spec) return null;
    return sameItems(k.endpoints, desired.endpoints) && sameItems(k.netns, desired.netns) ? k.observed : null;
  }

  set(kernel: KernelView, desired: DesiredState, observed: Record<string, ObservedNetns>, enteredNone: boolean): void {
    this.kept = enteredNone ? { spec: desired.spec, kernel, endpoints: desired.endpoints, netns: desired.netns, observed } : null;
  }
}
