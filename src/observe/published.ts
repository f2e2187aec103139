// Reads published ports back from tnet's DNAT rules, of iptables and ip6tables: which host ports each spec holds.

import type { FirewallObserved, FwFamily, FwRule, FwTableObserved } from '../model/firewall.js';
import { dnatRuleLists, dnatRulesOf } from '../ownership/chains.js';
import { ownerOf } from '../ownership/rule-owner.js';

export interface PublishedRule {
  owner: string | null; // `tnet:<spec>`
  /** 6: an ip6tables rule (`--to-destination [ip6]:port`). */
  family: FwFamily;
  hostIp: string | null; // null: every address of the family
  proto: string;
  hostPort: number;
  toIp: string;
  toPort: number;
}

const DNAT = /-p (\w+) .*--dport (\d+) .*-j DNAT --to-destination (?:([\d.]+)|\[([0-9a-fA-F:.]+)\]):(\d+)$/;
const BOUND = /^-d ([0-9a-fA-F:.]+)\/(?:32|128) /;

export function parseDnat(rule: FwRule): PublishedRule | null {
  const m = DNAT.exec(rule);
  if (!m) return null;
  const bound = BOUND.exec(rule);
  return {
    owner: ownerOf(rule),
    family: m[4] === undefined ? 4 : 6,
    hostIp: bound ? bound[1] : null,
    proto: m[1],
    hostPort: Number(m[2]),
    toIp: m[3] ?? m[4],
    toPort: Number(m[5]),
  };
}

/**
 * Every DNAT rule in tnet's nat chains (TNET and the bridges' chains it jumps to), whichever spec wrote it;
 * `only`: those whose text passes it.
 */
export function publishedRules(nat: FwTableObserved | undefined, only?: (rule: FwRule) => boolean): PublishedRule[] {
  return parsedDnat(dnatRulesOf((c) => nat?.chains[c]?.rules), only);
}

/** The DNAT rules among `rules` as published ports; `only`: those whose text passes it, the others not parsed. */
export function parsedDnat(rules: readonly FwRule[], only?: (rule: FwRule) => boolean): PublishedRule[] {
  const out: PublishedRule[] = [];
  for (const r of rules) {
    const p = only === undefined || only(r) ? parseDnat(r) : null;
    if (p) out.push(p);
  }
  return out;
}

/** The DNAT rules of both families, those of ip6tables when they were read. */
export function allPublished(fw: FirewallObserved | null | undefined, only?: (rule: FwRule) => boolean): PublishedRule[] {
  return parsedDnat(dnatListsOf(fw).flat(), only);
}

/**
 * The same rules unparsed, as dnatRuleLists gives them, IPv4's then IPv6's: each bridge's DNAT chain is the
 * array read, for what is derived from it to be kept by its identity.
 */
export function dnatListsOf(fw: FirewallObserved | null | undefined): (readonly FwRule[])[] {
  const lists = (tables: FwTableObserved[] | null | undefined) => {
    const chains = tables?.find((t) => t.table === 'nat')?.chains;
    return dnatRuleLists((c) => chains?.[c]?.rules);
  };
  return [...lists(fw?.tables), ...lists(fw?.tables6)];
}

type Where = Omit<PublishedRule, 'owner' | 'toIp' | 'toPort'>;

/**
 * Docker's rule: the same proto and port clash when either side takes every address, or both the same one,
 * within one family: `0.0.0.0:8080` and `[::]:8080` are two ports.
 */
export const clashes = (a: Where, b: Where): boolean =>
  a.family === b.family && a.proto === b.proto && a.hostPort === b.hostPort && (a.hostIp === null || b.hostIp === null || a.hostIp === b.hostIp);
