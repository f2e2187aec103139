// Diffs the addresses of one interface for one family: the one it should hold, none other.

import type { Action, Ns } from '../model/action.js';

/** `want` null: none of that family (link-local ones are never read, so never removed). Deletes come first. */
export function diffAddresses(ns: Ns, dev: string, have: readonly string[], want: string | null): Action[] {
  const out: Action[] = have.filter((a) => a !== want).map((cidr) => ({ op: 'addr-del', ns, dev, cidr }));
  if (want !== null && !have.includes(want)) out.push({ op: 'addr-add', ns, dev, cidr: want });
  return out;
}
