// diffFirewall: (desired, observed) firewall → at most one atomic fw-update per table (of iptables and ip6tables), touching only what tnet owns.

import type { Action, FwTableUpdate } from '../model/action.js';
import type { FirewallDesired, FirewallObserved, FwFamily, FwRule, FwTableDesired, FwTableName, FwTableObserved } from '../model/firewall.js';
import { isTnetChain, notOwnedBy, ownerOf, specOfOwner, specOwner } from '../ownership/rule-owner.js';
import { diffChains, type FwContext } from './fw-chains.js';
import { diffJumps } from './fw-jumps.js';

const TABLES: FwTableName[] = ['filter', 'nat'];

/**
 * Sysctls and hairpin mode, which the rules also need, are planned with the links (plan.ts), not here.
 * A desired without a table removes this spec's rules from it, and tnet's chains and jumps with them
 * unless another spec still uses them; TNET-USER stays when it holds the admin's rules. The IPv6 tables
 * are diffed the same way, apart, when they were read (`observed.tables6`); unread, they are left alone.
 */
export function diffFirewall(desired: FirewallDesired, observed: FirewallObserved): Action[] {
  const owner = specOwner(desired.spec);
  return [
    ...diffFamily(desired.tables, observed.tables, owner, 4),
    ...(observed.tables6 ? diffFamily(desired.tables6 ?? [], observed.tables6, owner, 6) : []),
  ];
}

/** One family's tables: at most one fw-update per table. */
function diffFamily(desired: FwTableDesired[], observed: FwTableObserved[], owner: string, family: FwFamily): Action[] {
  const ctx: FwContext = { owner, othersPresent: othersPresent(observed, owner) };
  return TABLES.flatMap((table): Action[] => {
    const ot = observed.find((t) => t.table === table) ?? { table, chains: {} };
    const update = diffTable(desired.find((t) => t.table === table), ot, ctx);
    if (isEmpty(update)) return [];
    return [family === 6 ? { op: 'fw-update', table, family, update } : { op: 'fw-update', table, update }];
  });
}

function diffTable(dt: FwTableDesired | undefined, ot: FwTableObserved, ctx: FwContext): FwTableUpdate {
  const chains = diffChains(dt, ot, ctx);
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
function othersPresent(tables: FwTableObserved[], owner: string): boolean {
  const foreign = notOwnedBy(owner);
  const other = (r: FwRule): boolean => {
    if (!foreign(r)) return false;
    const o = ownerOf(r);
    return specOfOwner(o) !== null && o !== owner;
  };
  return tables.some((t) => Object.entries(t.chains).some(([name, c]) => isTnetChain(name) && c.rules.some(other)));
}

function isEmpty(u: FwTableUpdate): boolean {
  return (
    u.createChains.length + u.deleteChains.length + u.deleteRules.length + u.insertRules.length === 0 &&
    Object.keys(u.replaceChains).length === 0
  );
}
