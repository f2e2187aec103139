// diffFirewall: (desired, observed) firewall → at most one atomic fw-update per table (of iptables and ip6tables), touching only what tnet owns.

import type { Action, FwTableUpdate } from '../model/action.js';
import type { FirewallDesired, FirewallObserved, FwFamily, FwRule, FwTableDesired, FwTableName, FwTableObserved } from '../model/firewall.js';
import { isTnetChain, notOwnedBy, ownerOf, specOfOwner, specOwner } from '../ownership/rule-owner.js';
import { diffChains, type ChainsMemo, type FwContext } from './fw-chains.js';
import { Memo } from '../util/memo.js';
import { diffJumps } from './fw-jumps.js';

const TABLES: FwTableName[] = ['filter', 'nat'];

/**
 * Sysctls and hairpin mode, which the rules also need, are planned with the links (plan.ts), not here.
 * A desired without a table removes this spec's rules from it, and tnet's chains and jumps with them
 * unless another spec still uses them; TNET-USER stays when it holds the admin's rules. The IPv6 tables
 * are diffed the same way, apart, when they were read (`observed.tables6`); unread, they are left alone.
 */
export function diffFirewall(desired: FirewallDesired, observed: FirewallObserved, memo: FirewallPlanMemo | null = null): Action[] {
  const owner = specOwner(desired.spec);
  return [
    ...diffFamily(desired.tables, observed.tables, owner, 4, memo),
    ...(observed.tables6 ? diffFamily(desired.tables6 ?? [], observed.tables6, owner, 6, memo) : []),
  ];
}

/**
 * Watch mode's, kept across passes: each table's chains diffed (fw-chains.ts), and whether each chain holds
 * other specs' rules (finding out reads every rule of every tnet chain), both by the chains' arrays.
 */
export class FirewallPlanMemo {
  readonly chains = new Map<string, ChainsMemo>();
  /** Whether a chain's rules observed hold another spec's, by the chain's array (parsing keeps unchanged ones). */
  readonly others = new Memo<readonly FwRule[], boolean>();
}

/** One family's tables: at most one fw-update per table. */
function diffFamily(desired: FwTableDesired[], observed: FwTableObserved[], owner: string, family: FwFamily, memo: FirewallPlanMemo | null): Action[] {
  const ctx: FwContext = { owner, othersPresent: othersPresent(observed, owner, memo) };
  return TABLES.flatMap((table): Action[] => {
    const ot = observed.find((t) => t.table === table) ?? { table, chains: {} };
    const chains = memo ? slot(memo.chains, `${family} ${table}`, (): ChainsMemo => new Map()) : null;
    const update = diffTable(desired.find((t) => t.table === table), ot, ctx, chains);
    if (isEmpty(update)) return [];
    return [family === 6 ? { op: 'fw-update', table, family, update } : { op: 'fw-update', table, update }];
  });
}

function slot<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

function diffTable(dt: FwTableDesired | undefined, ot: FwTableObserved, ctx: FwContext, memo: ChainsMemo | null): FwTableUpdate {
  const chains = diffChains(dt, ot, ctx, memo);
  const survivors = new Set([...Object.keys(ot.chains), ...chains.createChains]);
  for (const c of chains.deleteChains) survivors.delete(c);
  const jumps = diffJumps(dt, ot, survivors, ctx);
  // Every -D before every -I in the restore: the chains' edits and the jumps' insert positions both assume it.
  return {
    ...chains,
    deleteRules: [...chains.deleteRules, ...jumps.deleteRules],
    insertRules: [...chains.insertRules, ...jumps.insertRules],
  };
}

/** Rules of another spec (`tnet:<other>`) in any tnet chain of any table of the family. */
function othersPresent(tables: FwTableObserved[], owner: string, memo: FirewallPlanMemo | null): boolean {
  const foreign = notOwnedBy(owner);
  const other = (r: FwRule): boolean => {
    if (!foreign(r)) return false;
    const o = ownerOf(r);
    return specOfOwner(o) !== null && o !== owner;
  };
  const inChain = (rules: readonly FwRule[]): boolean => (memo ? memo.others.get(rules, owner, () => rules.some(other)) : rules.some(other));
  return tables.some((t) => Object.entries(t.chains).some(([name, c]) => isTnetChain(name) && inChain(c.rules)));
}

function isEmpty(u: FwTableUpdate): boolean {
  return (
    u.createChains.length + u.deleteChains.length + u.deleteRules.length + u.insertRules.length === 0 &&
    Object.keys(u.replaceChains).length === 0
  );
}
