// Reads published ports back from tnet's DNAT rules: which host ports each spec already holds.

import type { FwRule, FwTableObserved } from '../model/firewall.js';
import { CHAIN } from '../ownership/chains.js';
import { ownerOf } from '../ownership/rule-owner.js';

export interface PublishedRule {
  owner: string | null; // `tnet:<spec>`
  hostIp: string | null; // null: every address (`! -d 127.0.0.0/8`)
  proto: string;
  hostPort: number;
  toIp: string;
  toPort: number;
}

const DNAT = /-p (\w+) .*--dport (\d+) .*-j DNAT --to-destination ([\d.]+):(\d+)$/;
const BOUND = /^-d ([\d.]+)\/32 /;

export function parseDnat(rule: FwRule): PublishedRule | null {
  const m = DNAT.exec(rule);
  if (!m) return null;
  const bound = BOUND.exec(rule);
  return { owner: ownerOf(rule), hostIp: bound ? bound[1] : null, proto: m[1], hostPort: Number(m[2]), toIp: m[3], toPort: Number(m[4]) };
}

/** Every DNAT rule in tnet's nat chain, whichever spec wrote it. */
export function publishedRules(nat: FwTableObserved | undefined): PublishedRule[] {
  return (nat?.chains[CHAIN.dnat]?.rules ?? []).flatMap((r) => parseDnat(r) ?? []);
}

/** Docker's rule: the same proto and port clash when either side takes every address, or both the same one. */
export const clashes = (a: Omit<PublishedRule, 'owner' | 'toIp' | 'toPort'>, b: Omit<PublishedRule, 'owner' | 'toIp' | 'toPort'>): boolean =>
  a.proto === b.proto && a.hostPort === b.hostPort && (a.hostIp === null || b.hostIp === null || a.hostIp === b.hostIp);
