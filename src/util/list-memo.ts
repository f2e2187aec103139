// Maps a list to a list again, reusing the result at each position where the item is the one of the last call.

import { listPatchOf, patchList } from './patch.js';

/**
 * Watch mode maps ten thousand containers to their endpoints, files and rules on every edit, and all but
 * one or two are the very objects of the last pass at the very same positions: a pointer compared per
 * position costs far less than a lookup in a weak map per container, and a list patched from the last one
 * (util/patch.ts) is not walked at all. `token` stands for everything else the results depend on: another
 * token, or a list reordered, maps afresh through `each` (which may have a memo of its own). A call whose
 * results are all the last call's gives back the last call's very list; one that differs at a few positions
 * notes them as its patch. Results are shared between calls: nothing may change them.
 */
export class ListMemo<I, O> {
  private items: readonly I[] = [];
  private outs: readonly O[] = [];
  private token: unknown = undefined;
  /** The positions whose item was not alone in the last call: they are mapped again on every call. */
  private lonely: ReadonlySet<number> = new Set();

  /**
   * `alone`: whether an item's result depends on it and the token only; the others are mapped afresh. It
   * must answer from the item alone (what else it depends on belongs in the token).
   */
  map(items: readonly I[], token: unknown, each: (item: I) => O, alone: (item: I) => boolean = () => true): O[] {
    const same = token !== undefined && token === this.token;
    const patch = same ? listPatchOf(items) : undefined;
    const out = patch && patch.from === this.items ? this.patched(items, patch.at, each, alone) : this.whole(items, same, each, alone);
    this.items = items;
    this.outs = out;
    this.token = token;
    return out;
  }

  private whole(items: readonly I[], same: boolean, each: (item: I) => O, alone: (item: I) => boolean): O[] {
    const before = this.items;
    const outs = this.outs;
    const out = new Array<O>(items.length);
    const lonely = new Set<number>();
    let changed = items.length !== outs.length;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const a = alone(item);
      if (!a) lonely.add(i);
      out[i] = same && before[i] === item && a ? outs[i] : each(item);
      changed ||= out[i] !== outs[i];
    }
    this.lonely = lonely;
    return changed ? out : (outs as O[]);
  }

  /** Only the positions the patch replaced, and those not alone, are mapped again. */
  private patched(items: readonly I[], at: readonly number[], each: (item: I) => O, alone: (item: I) => boolean): O[] {
    const outs = this.outs;
    const lonely = new Set(this.lonely);
    for (const i of at) {
      if (alone(items[i])) lonely.delete(i);
      else lonely.add(i);
    }
    const redo = [...new Set([...at, ...lonely])].sort((a, b) => a - b);
    const moved: number[] = [];
    const results: O[] = [];
    for (const i of redo) {
      const result = each(items[i]);
      if (result === outs[i]) continue;
      moved.push(i);
      results.push(result);
    }
    this.lonely = lonely;
    return moved.length === 0 ? (outs as O[]) : patchList(outs, moved, results);
  }
}

/**
 * list.filter(keep), for watch mode: a list patched from the last one, whose replaced items are kept or
 * dropped as the ones they replaced were, is filtered by patching the last result at their places (noted as
 * its patch, or the very last result when none of them is kept). `keep` must answer from the item alone.
 */
export class FilterMemo<T> {
  private last: { list: readonly T[]; out: T[]; places: readonly number[] } | null = null;

  filter(list: readonly T[], keep: (item: T) => boolean): T[] {
    const last = this.last;
    const patch = listPatchOf(list);
    if (last && patch && patch.from === last.list && patch.at.every((i) => keep(list[i]) === last.places[i] >= 0)) {
      const kept = patch.at.filter((i) => last.places[i] >= 0);
      const out = kept.length ? patchList(last.out, kept.map((i) => last.places[i]), kept.map((i) => list[i])) : last.out;
      this.last = { list, out, places: last.places };
      return out;
    }
    const out: T[] = [];
    const places = list.map((item) => (keep(item) ? out.push(item) - 1 : -1));
    this.last = { list, out, places };
    return out;
  }
}
