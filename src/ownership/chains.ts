// The names of tnet's chains and the fixed jumps into them from the built-in chains (shared by every spec).

import type { FwJump } from '../model/firewall.js';
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
