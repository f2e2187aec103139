// Whether one rule's matches hold for a packet: yes, no, or unknown for the forms `why` cannot evaluate.

import type { WhyProto } from '../model/why.js';
import { contains, parseCidr, parseIpv4, parseIpv4Prefix } from '../util/ipv4.js';
import type { Match, ParsedRule } from './rule-parse.js';

/** A packet as a hook sees it. Ports are null where they are a client's ephemeral port, or for ICMP. */
export interface Packet {
  src: string;
  dst: string;
  proto: WhyProto;
  sport: number | null;
  dport: number | null;
  /** '' where the hook has none (OUTPUT has no input interface), as the kernel's empty name. */
  in: string;
  out: string;
  /** Conntrack states that hold: NEW or ESTABLISHED, and DNAT/SNAT once the connection was translated. */
  ct: readonly string[];
  /** The first packet of a connection (a TCP SYN, an echo request), or a reply. */
  first: boolean;
}

export interface MatchContext {
  isLocal(ip: string): boolean;
  /** The kernel's ip_local_port_range: where an ephemeral port lies. */
  ephemeral: readonly [number, number];
}

export type Tri = 'yes' | 'no' | 'unknown';

export interface RuleMatch {
  result: Tri;
  /** For unknown: the matches that could not be evaluated, as written. */
  reason?: string;
}

/** Every match must hold: one that does not decides `no`, even beside a match that cannot be evaluated. */
export function matchRule(r: ParsedRule, p: Packet, ctx: MatchContext): RuleMatch {
  const unknown: string[] = [];
  for (const m of r.matches) {
    const got = matchOne(m, p, ctx);
    const res = got === 'unknown' || !m.neg ? got : got === 'yes' ? 'no' : 'yes';
    if (res === 'no') return { result: 'no' };
    if (res === 'unknown') unknown.push(m.kind === 'unknown' ? m.value : `${m.neg ? '! ' : ''}${m.kind} ${m.value}`);
  }
  return unknown.length ? { result: 'unknown', reason: unknown.join('; ') } : { result: 'yes' };
}

function matchOne(m: Match, p: Packet, ctx: MatchContext): Tri {
  switch (m.kind) {
    case 'src':
      return inPrefix(p.src, m.value);
    case 'dst':
      return inPrefix(p.dst, m.value);
    case 'in':
      return ifaceMatch(p.in, m.value);
    case 'out':
      return ifaceMatch(p.out, m.value);
    case 'proto':
      return protoMatch(p.proto, m.value);
    case 'dport':
    case 'sport':
      return portMatch(m, p, ctx);
    case 'ctstate':
      return m.value.split(',').some((s) => p.ct.includes(s)) ? 'yes' : 'no';
    case 'dsttype':
      return addrType(p.dst, m.value, ctx);
    case 'srctype':
      return addrType(p.src, m.value, ctx);
    case 'icmp':
      return icmpMatch(p, m.value);
    case 'syn':
      return p.proto !== 'tcp' ? 'no' : p.first ? 'yes' : 'no';
    default:
      return 'unknown';
  }
}

/** `a.b.c.d/p` or a bare address; a mask iptables-save prints dotted (not a prefix) is not read. */
function inPrefix(ip: string, value: string): Tri {
  const n = parseIpv4(ip);
  const text = value.includes('/') ? value : `${value}/32`;
  const c = parseCidr(text);
  if (n === null || !c || !parseIpv4Prefix(text)) return 'unknown';
  return contains(c, n) ? 'yes' : 'no';
}

/** iptables' interface names: `docker+` is every name starting with `docker`. */
function ifaceMatch(name: string, value: string): Tri {
  if (value.endsWith('+')) return name.startsWith(value.slice(0, -1)) ? 'yes' : 'no';
  return name === value ? 'yes' : 'no';
}

const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '132': 'sctp', '0': 'all' };

function protoMatch(proto: WhyProto, value: string): Tri {
  const v = PROTO_NUMBERS[value] ?? value.toLowerCase();
  return v === 'all' || v === proto ? 'yes' : 'no';
}

/** `80`, `8000:8010`, multiport's `80,443,9000:9010`; an ephemeral port is unknown where the set meets the range. */
function portMatch(m: Match, p: Packet, ctx: MatchContext): Tri {
  if (p.proto === 'icmp' || (m.module !== 'multiport' && m.module !== p.proto)) return 'no';
  const port = m.kind === 'dport' ? p.dport : p.sport;
  const ranges = m.value.split(',').map((r) => r.split(':').map(Number) as [number, number?]).map(([a, b]) => [a, b ?? a] as const);
  if (port !== null) return ranges.some(([a, b]) => port >= a && port <= b) ? 'yes' : 'no';
  const [lo, hi] = ctx.ephemeral;
  if (ranges.some(([a, b]) => a <= lo && b >= hi)) return 'yes';
  return ranges.some(([a, b]) => b >= lo && a <= hi) ? 'unknown' : 'no';
}

/** LOCAL only: the host's own addresses. Any other type is unknown unless LOCAL already holds. */
function addrType(ip: string, value: string, ctx: MatchContext): Tri {
  const types = value.split(',');
  if (types.includes('LOCAL') && ctx.isLocal(ip)) return 'yes';
  return types.every((t) => t === 'LOCAL') ? 'no' : 'unknown';
}

const ICMP_TYPES: Record<string, number> = { 'echo-request': 8, 'echo-reply': 0, any: -1 };

/** The echo request is type 8, its reply type 0. */
function icmpMatch(p: Packet, value: string): Tri {
  if (p.proto !== 'icmp') return 'no';
  const type = ICMP_TYPES[value] ?? Number(value.split('/')[0]);
  if (Number.isNaN(type)) return 'unknown';
  return type === -1 || type === (p.first ? 8 : 0) ? 'yes' : 'no';
}
