// Which keys of the checks across containers are held more than once, kept up to date load by load (watch mode).

import type { AcrossKeys } from './validate-across.js';

/** The kinds of key two containers must not share; each has its check in validate-across.ts. */
export const KINDS = ['ips', 'ips6', 'macs', 'netns', 'published'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * A container's keys as the index tracks them: `at` is its place in the last load's spec order, `seen` the
 * load it was last in (0: not in the index). Both are written by the index only.
 */
export interface Indexed extends AcrossKeys {
  name: string;
  at: number;
  seen: number;
}

function keysOf(f: AcrossKeys, kind: Kind): readonly (string | null)[] {
  if (kind === 'netns') return f.netns === null ? [] : [f.netns];
  if (kind === 'published') return f.published === null ? [] : f.published.map((p) => p.key);
  return f[kind] ?? [];
}

/** Holders of each key of one kind, a holder once per claim (a container may publish one port twice). */
class Claims<F> {
  private readonly holders = new Map<string, F[]>();
  readonly contested = new Set<string>();

  add(key: string, f: F): void {
    const list = this.holders.get(key);
    if (!list) return void this.holders.set(key, [f]);
    list.push(f);
    this.contested.add(key);
  }

  remove(key: string, f: F): void {
    const list = this.holders.get(key)!;
    list.splice(list.indexOf(f), 1);
    if (list.length < 2) this.contested.delete(key);
    if (list.length === 0) this.holders.delete(key);
  }

  holdersOf(key: string): readonly F[] {
    return this.holders.get(key) ?? [];
  }
}

/**
 * Each check across containers can only report for a key held twice: with none, it has nothing to say; with
 * some, it runs over their holders alone, in spec order, which reports exactly what the whole pass would.
 * A load updates the index by the containers it adds and drops, found by identity against the last load.
 */
export class AcrossIndex<F extends Indexed> {
  private load = 0;
  private last: readonly F[] = [];
  private readonly claims = new Map<Kind, Claims<F>>(KINDS.map((k) => [k, new Claims<F>()]));
  /** Names holding a dot or bracket, with how many containers bear each. */
  readonly dotted = new Map<string, number>();

  update(facts: readonly F[]): void {
    const load = ++this.load;
    for (let i = 0; i < facts.length; i++) {
      const f = facts[i];
      f.at = i;
      if (f.seen === 0) this.enter(f);
      f.seen = load;
    }
    for (const f of this.last) {
      if (f.seen === load) continue;
      this.leave(f);
      f.seen = 0;
    }
    this.last = facts;
  }

  /**
   * update, for facts that are the last ones but at positions `at` (a list patched from the last, an edit of
   * a few containers): only those leave and enter. The others keep the load they were last seen in, which
   * is all a later update asks of them (in the index or not).
   */
  updateAt(facts: readonly F[], at: readonly number[]): void {
    const load = ++this.load;
    for (const i of at) {
      const was = this.last[i];
      if (was === facts[i]) continue;
      this.leave(was);
      was.seen = 0;
    }
    for (const i of at) {
      const f = facts[i];
      f.at = i;
      if (f.seen === 0) this.enter(f);
      f.seen = load;
    }
    this.last = facts;
  }

  /** The containers holding a key of `kind` some other claim holds too, in spec order; empty when none. */
  involved(kind: Kind): F[] {
    const claims = this.claims.get(kind)!;
    if (claims.contested.size === 0) return [];
    const out = new Set<F>();
    for (const key of claims.contested) for (const f of claims.holdersOf(key)) out.add(f);
    return [...out].sort((a, b) => a.at - b.at);
  }

  private enter(f: F): void {
    for (const [kind, claims] of this.claims) for (const key of keysOf(f, kind)) if (key !== null) claims.add(key, f);
    if (isDotted(f.name)) this.dotted.set(f.name, (this.dotted.get(f.name) ?? 0) + 1);
  }

  private leave(f: F): void {
    for (const [kind, claims] of this.claims) for (const key of keysOf(f, kind)) if (key !== null) claims.remove(key, f);
    if (!isDotted(f.name)) return;
    const n = this.dotted.get(f.name)! - 1;
    if (n === 0) this.dotted.delete(f.name);
    else this.dotted.set(f.name, n);
  }
}

function isDotted(name: string): boolean {
  return name.includes('.') || name.includes('[');
}
