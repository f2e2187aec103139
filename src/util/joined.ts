// Joins a list of lists into one, by pushes; again by the lists replaced when the list of lists is a patch.

import { listPatchOf, patchList } from './patch.js';

/** For ten thousand small arrays (a container's endpoints, its files), several times faster than flat(). */
export function joined<U>(lists: readonly (readonly U[])[]): U[] {
  const out: U[] = [];
  for (const list of lists) for (const u of list) out.push(u);
  return out;
}

/**
 * joined, for watch mode: the very last result for the very last lists, and for lists patched from them
 * (ListMemo's) whose replaced lists keep their lengths, the last result with those items replaced in place,
 * noted as its patch. Anything else is joined whole.
 */
export class JoinedMemo<U> {
  private lists: readonly (readonly U[])[] = [];
  private out: U[] = [];
  /** Where each list's items start in `out`. */
  private starts: number[] = [];

  join(lists: readonly (readonly U[])[]): U[] {
    if (lists === this.lists) return this.out;
    const patch = listPatchOf(lists);
    const out = patch && patch.from === this.lists && patch.at.every((i) => lists[i].length === patch.from[i].length)
      ? this.patched(lists, patch.at)
      : this.whole(lists);
    this.lists = lists;
    this.out = out;
    return out;
  }

  private whole(lists: readonly (readonly U[])[]): U[] {
    const out: U[] = [];
    const starts = new Array<number>(lists.length);
    for (let i = 0; i < lists.length; i++) {
      starts[i] = out.length;
      for (const u of lists[i]) out.push(u);
    }
    this.starts = starts;
    return out;
  }

  private patched(lists: readonly (readonly U[])[], at: readonly number[]): U[] {
    // `at` ascends, and so do the lists' starts: so do the places moved, as patchList wants them.
    const moved: number[] = [];
    const items: U[] = [];
    for (const i of at) {
      const from = this.starts[i];
      lists[i].forEach((u, k) => {
        if (this.out[from + k] === u) return;
        moved.push(from + k);
        items.push(u);
      });
    }
    return moved.length === 0 ? this.out : patchList(this.out, moved, items);
  }
}
