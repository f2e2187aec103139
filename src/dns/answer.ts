// What one query gets, by the rules of Docker's embedded DNS: an answer from the names its asker may see, or upstreams.

import type { Answer, Packet } from 'dns-packet';
import { formatIpv6 } from '../util/ipv6.js';
import { RCODE, reply, type Query } from './packets.js';
import {
  addresses6, addressesOf, addressOf, canonicalName, containerOnHost, knownOnHost, namesIn, querierAt,
  type DnsView, type Held, type NetworkView, type Querier,
} from './view.js';

/**
 * A response to send, and how many turns of round robin its answers have (1: the same query in the same scope
 * always gets it); or the upstreams to ask, in order.
 */
export type Decision = { response: Packet; turns: number } | { forward: readonly string[] };

/** Docker's TTL for the names it answers. */
export const TTL = 600;

/** What the asker sees: its link aliases, then the names of `scope`'s networks, the first network that has one. */
interface Seen {
  querier: Querier | undefined;
  scope: readonly NetworkView[];
}

/**
 * `network`: where the query arrived (from the address it was sent to); `source`: the asker's address there.
 * Names the asker may not see but the host knows are NXDOMAIN, not forwarded: Docker scopes answers by who
 * asks, and a container's name must not leak upstream. `turn` rotates the addresses of a name several
 * containers share, as Docker's round robin does.
 */
export function answer(view: DnsView, network: string, source: string, query: Query, turn = 0): Decision {
  if (query.opcode !== undefined && query.opcode !== 'QUERY') return fixed(reply(query, RCODE.NOTIMP, [], false));
  if (query.questions?.length !== 1) return fixed(reply(query, RCODE.FORMERR, [], false));
  const net = view.networks.get(network);
  if (net === undefined) return fixed(reply(query, RCODE.REFUSED, [], false));
  const querier = querierAt(net, source);
  const seen: Seen = { querier, scope: scopeOf(view, net, querier) };
  const q = query.questions[0];
  const name = canonicalName(q.name);
  const ours = q.class === 'IN' || q.class === 'ANY' ? local(seen, query, name, turn) : null;
  if (ours !== null) return ours;
  if (knownOnHost(view, name) || reverseOnHost(view, name)) return fixed(reply(query, RCODE.NXDOMAIN));
  if (querier === undefined) return fixed(reply(query, RCODE.REFUSED, [], false));
  const upstreams = querier.profile.upstreams;
  if (upstreams.length === 0) return fixed(reply(query, RCODE.SERVFAIL, [], false));
  return { forward: upstreams };
}

/** The network the query arrived on, then the asker's others in order; an unknown asker sees that network only. */
function scopeOf(view: DnsView, arrival: NetworkView, querier: Querier | undefined): NetworkView[] {
  const scope = [arrival];
  for (const n of querier?.profile.networks ?? []) {
    const net = view.networks.get(n);
    if (net !== undefined && net !== arrival) scope.push(net);
  }
  return scope;
}

/** The answer from the asker's own names, or null when it sees no such name. */
function local(seen: Seen, query: Query, name: string, turn: number): Decision | null {
  // dns-packet's types leave out ANY (255), which it decodes by that name.
  const type: string = query.questions![0].type;
  const asked = query.questions![0].name;
  const reverse = reverseIp(name) ?? reverseIp6(name);
  if (reverse !== null) {
    const ptr = ptrName(seen.scope, reverse);
    if (ptr === null) return null;
    return fixed(reply(query, RCODE.NOERROR, type === 'PTR' ? [{ type: 'PTR', name: asked, ttl: TTL, class: 'IN', data: ptr }] : []));
  }
  const link = linked(seen, name);
  const held = link ?? named(seen.scope, name);
  if (held === undefined) return null;
  // Every other type of a name we hold is NODATA, never forwarded; so is AAAA of a name without IPv6.
  if (type !== 'A' && type !== 'AAAA' && type !== 'ANY') return fixed(reply(query, RCODE.NOERROR));
  const ips = type === 'AAAA' ? [] : addressesOf(held);
  const ips6 = type === 'A' ? [] : link !== undefined ? linked6(seen, name) : named6(seen.scope, name);
  const answers: Answer[] = [
    ...rotate(ips, turn).map((ip): Answer => ({ type: 'A', name: asked, ttl: TTL, class: 'IN', data: ip })),
    ...rotate(ips6, turn).map((ip): Answer => ({ type: 'AAAA', name: asked, ttl: TTL, class: 'IN', data: ip })),
  ];
  // ANY rotates both lists by the same turn; its cycle is the IPv4 one's.
  return { response: reply(query, RCODE.NOERROR, answers), turns: Math.max(1, ips.length || ips6.length) };
}

/** A link alias of the asker: its target's address on the first network of the scope they share. */
function linked(seen: Seen, name: string): Held | undefined {
  const target = seen.querier?.profile.links.get(name);
  if (target === undefined) return undefined;
  for (const net of seen.scope) {
    const ip = addressOf(net, target);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

function named(scope: readonly NetworkView[], name: string): Held | undefined {
  for (const net of scope) {
    const ips = namesIn(net, name);
    if (ips !== undefined) return ips;
  }
  return undefined;
}

/**
 * AAAA looks past the networks where the name has no IPv6 address, as Docker's resolver does: the first
 * network of the scope where it has some. Empty: the name is there, without IPv6 (NODATA).
 */
function named6(scope: readonly NetworkView[], name: string): readonly string[] {
  for (const net of scope) {
    const held = namesIn(net, name);
    const ips = held === undefined ? [] : addresses6(net, held);
    if (ips.length > 0) return ips;
  }
  return [];
}

/** A link alias's target's IPv6 address on the first network of the scope where they share one. */
function linked6(seen: Seen, name: string): readonly string[] {
  const target = seen.querier!.profile.links.get(name)!;
  for (const net of seen.scope) {
    const ip = addressOf(net, target);
    const ips = ip === undefined ? [] : addresses6(net, ip);
    if (ips.length > 0) return ips;
  }
  return [];
}

/** Docker's reverse name of a container: `<container>.<network>`, for its IPv4 or IPv6 address there. */
function ptrName(scope: readonly NetworkView[], ip: string): string | null {
  for (const net of scope) {
    const c = querierAt(net, ip);
    if (c !== undefined) return `${c.name}.${net.name}`;
  }
  return null;
}

/** `d.c.b.a.in-addr.arpa` → `a.b.c.d`, or null for any other name (a partial reverse zone included). */
export function reverseIp(name: string): string | null {
  if (!name.endsWith('.in-addr.arpa')) return null;
  const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
  if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return null;
  return octets.reverse().join('.');
}

/**
 * `b.a.9.8.….ip6.arpa`, 32 nibbles, the last first → the address as the records write it (RFC 5952), or null
 * for any other name (a partial reverse zone included).
 */
export function reverseIp6(name: string): string | null {
  if (!name.endsWith('.ip6.arpa')) return null;
  const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
  if (nibbles.length !== 32 || !nibbles.every((n) => n.length === 1 && HEX.includes(n))) return null;
  return formatIpv6(BigInt(`0x${nibbles.reverse().join('')}`));
}

const HEX = '0123456789abcdef';

function reverseOnHost(view: DnsView, name: string): boolean {
  const ip = reverseIp(name) ?? reverseIp6(name);
  return ip !== null && containerOnHost(view, ip);
}

function rotate(ips: readonly string[], turn: number): readonly string[] {
  if (ips.length < 2) return ips;
  const k = turn % ips.length;
  return k === 0 ? ips : [...ips.slice(k), ...ips.slice(0, k)];
}

function fixed(response: Packet): Decision {
  return { response, turns: 1 };
}
