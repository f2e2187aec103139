// The names of tnet's chains (the shared ones and those of each bridge), the fixed jumps into them from the built-in chains, and the DNAT rules read through TNET's jumps.

import type { FwJump, FwRule } from '../model/firewall.js';
import { commentMatch, SHARED_OWNER } from './rule-owner.js';

export const CHAIN = {
  user: 'TNET-USER',
  isolation1: 'TNET-ISOLATION-1',
  isolation2: 'TNET-ISOLATION-2',
  forward: 'TNET-FORWARD',
  input: 'TNET-INPUT',
  dnat: 'TNET',
  postrouting: 'TNET-POSTROUTING',
} as const;

/**
 * The per-port rules of one bridge live in chains of that bridge, each jumped to once from the shared chain
 * they used to fill: an edit of one port then touches a chain of one bridge's containers (at most 1023), not
 * one of every container on the host (iptables-nft-restore fetches whole each chain it edits). The bridge's
 * name follows the prefix: 13 + 15 characters fit iptables' 28.
 */
export const BRIDGE_CHAIN = {
  /** nat: the bridge's DNATs, jumped to from TNET. */
  dnat: 'TNET-DNAT-',
  /** filter: the accepts of its published ports, jumped to from TNET-FORWARD with `-o br`. */
  ports: 'TNET-PORTS-',
  /** nat: the masquerades of its containers reaching their own ports, from TNET-POSTROUTING with `-o br`. */
  hairpin: 'TNET-HAIRPIN-',
} as const;

export type BridgeChainKind = keyof typeof BRIDGE_CHAIN;

export const bridgeChain = (kind: BridgeChainKind, bridge: string): string => `${BRIDGE_CHAIN[kind]}${bridge}`;

/** The kind and bridge of a per-bridge chain; null for any other chain. */
export function parseBridgeChain(name: string): { kind: BridgeChainKind; bridge: string } | null {
  for (const kind of Object.keys(BRIDGE_CHAIN) as BridgeChainKind[]) {
    const prefix = BRIDGE_CHAIN[kind];
    if (name.startsWith(prefix) && name.length > prefix.length) return { kind, bridge: name.slice(prefix.length) };
  }
  return null;
}

/** The shared chain whose rules a chain holds: a per-bridge chain stands for the one that jumps to it. */
export function baseChain(name: string): string {
  const kind = parseBridgeChain(name)?.kind;
  return kind === 'dnat' ? CHAIN.dnat : kind === 'ports' ? CHAIN.forward : kind === 'hairpin' ? CHAIN.postrouting : name;
}

const JUMP = / -[jg] (\S+)$/;

/**
 * The DNAT rules of a nat table, in the order TNET walks them: TNET's own (a host written by a version that
 * kept them there) and, at each jump into a bridge's DNAT chain, that chain's. `rulesOf` reads one chain.
 */
export function dnatRulesOf(rulesOf: (chain: string) => readonly FwRule[] | undefined): FwRule[] {
  return dnatRuleLists(rulesOf).flat();
}

/**
 * The same as lists in that order: each bridge's DNAT chain as the very array `rulesOf` gave (what is derived
 * from one can be kept by its identity), TNET's own rules between the jumps as lists of their own.
 */
export function dnatRuleLists(rulesOf: (chain: string) => readonly FwRule[] | undefined): (readonly FwRule[])[] {
  const out: (readonly FwRule[])[] = [];
  let own: FwRule[] = [];
  for (const r of rulesOf(CHAIN.dnat) ?? []) {
    const target = JUMP.exec(r)?.[1];
    if (!target || parseBridgeChain(target)?.kind !== 'dnat') {
      own.push(r);
      continue;
    }
    if (own.length) out.push(own);
    own = [];
    out.push(rulesOf(target) ?? []);
  }
  if (own.length) out.push(own);
  return out;
}

const shared = commentMatch(SHARED_OWNER);

/** TNET-USER's only rule when tnet creates it; admins insert theirs above it. */
export const USER_SEED = `${shared} -j RETURN`;

/**
 * FORWARD starts with these three, in this order: the admin's chain, isolation, then tnet's accepts/drops.
 * INPUT starts with the martian filter: an ACCEPT of another tool above it would let the martians in.
 */
export const FILTER_JUMPS: FwJump[] = [
  { from: 'INPUT', rule: `${shared} -j ${CHAIN.input}`, position: 'first' },
  { from: 'FORWARD', rule: `${shared} -j ${CHAIN.user}`, position: 'first' },
  { from: 'FORWARD', rule: `${shared} -j ${CHAIN.isolation1}`, position: 'first' },
  { from: 'FORWARD', rule: `${shared} -j ${CHAIN.forward}`, position: 'first' },
];

/**
 * The OUTPUT jump has no `! -d 127.0.0.0/8`: ports bound to 127.x, or to every address, must be DNATed from
 * the host itself (see rules.ts). The PREROUTING jump has it: a packet arriving from anywhere else (a
 * neighbour, a container) addressed to 127.x is not the host's own, and DNATing it would forward it to a
 * port published on 127.0.0.1 only, before the kernel's martian check ever sees it.
 */
export const NAT_JUMPS: FwJump[] = [
  { from: 'PREROUTING', rule: `! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL ${shared} -j ${CHAIN.dnat}`, position: 'any' },
  { from: 'OUTPUT', rule: `-m addrtype --dst-type LOCAL ${shared} -j ${CHAIN.dnat}`, position: 'any' },
  { from: 'POSTROUTING', rule: `${shared} -j ${CHAIN.postrouting}`, position: 'any' },
];

/**
 * ip6tables' nat jumps: both skip ::1. IPv6 has no route_localnet: a packet from ::1 DNATed to a container
 * never leaves the host, so taking [::1]:port over would only hide a host service listening there.
 */
export const NAT_JUMPS6: FwJump[] = [
  { from: 'PREROUTING', rule: `! -d ::1/128 -m addrtype --dst-type LOCAL ${shared} -j ${CHAIN.dnat}`, position: 'any' },
  { from: 'OUTPUT', rule: `! -d ::1/128 -m addrtype --dst-type LOCAL ${shared} -j ${CHAIN.dnat}`, position: 'any' },
  { from: 'POSTROUTING', rule: `${shared} -j ${CHAIN.postrouting}`, position: 'any' },
];
