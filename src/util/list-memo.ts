// Maps a list to a list again, reusing the result at each position where the item is the one of the last call.

/**
 * Watch mode maps ten thousand containers to their endpoints, files and rules on every edit, and all but
 * one or two are the very objects of the last pass at the very same positions: a pointer compared per
 * position costs far less than a lookup in a weak map per container. `token` stands for everything else the
 * results depend on: another token, or a list reordered, maps afresh through `each` (which may have a memo
 * of its own). Results are shared between calls: nothing may change them.
 */
export class ListMemo<I, O> {
  private items: readonly I[] = [];
  private outs: readonly O[] = [];
  private token: unknown = undefined;

  /** `alone`: whether an item's result depends on it and the token only; the others are mapped afresh. */
  map(items: readonly I[], token: unknown, each: (item: I) => O, alone: (item: I) => boolean = () => true): O[] {
    const same = token !== undefined && token === this.token;
    const before = this.items;
    const outs = this.outs;
    const out = new Array<O>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      out[i] = same && before[i] === item && alone(item) ? outs[i] : each(item);
    }
    this.items = items;
    this.outs = out;
    this.token = token;
    return out;
  }
}
