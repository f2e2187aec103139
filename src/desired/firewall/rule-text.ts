// Builds one rule's text in the exact argument order iptables-save prints, so desired == observed byte for byte.

import type { FwProto } from './input.js';

/** A value, or its negation (`! -s …`). */
export type Arg = string | { not: string };

export interface RuleParts {
  src?: Arg;
  dst?: Arg;
  in?: Arg;
  out?: Arg;
  proto?: FwProto;
  dport?: number;
  sport?: number;
  /** Extra matches after the protocol match, as printed (`-m conntrack --ctstate DNAT`). */
  matches?: string[];
  /** The owner's comment match, `-m comment --comment "tnet:<spec>"` (commentMatch), made once per rule set. */
  comment: string;
  target: string; // `-j` and its options: `DNAT --to-destination 172.17.0.2:80`
}

/** iptables-save and ip6tables-save print a bare address with its prefix. */
export const host = (ip: string): string => (ip.includes('/') ? ip : ip.includes(':') ? `${ip}/128` : `${ip}/32`);

/** A DNAT's `--to-destination` as printed: `172.17.0.2:80`, `[fd00::2]:80`. */
export const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** ` -s a` or ` ! -s a`; '' when absent. Strings, not arrays: a watch builds thousands of rules per edit. */
function opt(flag: string, a: Arg | undefined): string {
  if (a === undefined) return '';
  return typeof a === 'string' ? ` ${flag} ${a}` : ` ! ${flag} ${a.not}`;
}

function protoMatch(p: RuleParts): string {
  if (!p.proto) return '';
  if (p.dport === undefined && p.sport === undefined) return ` -p ${p.proto}`;
  const sport = p.sport === undefined ? '' : ` --sport ${p.sport}`;
  const dport = p.dport === undefined ? '' : ` --dport ${p.dport}`;
  return ` -p ${p.proto} -m ${p.proto}${sport}${dport}`;
}

/** Order as iptables-save: -s -d -i -o -p, protocol match, other matches, comment, -j. */
export function ruleText(p: RuleParts): string {
  const matches = p.matches?.length ? ` ${p.matches.join(' ')}` : '';
  const text = `${opt('-s', p.src)}${opt('-d', p.dst)}${opt('-i', p.in)}${opt('-o', p.out)}${protoMatch(p)}${matches} ${p.comment} -j ${p.target}`;
  return text.slice(1);
}
