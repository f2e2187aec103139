// What one query gets, by the rules of Docker's embedded DNS: an answer from the names its asker may see, or upstreams.

import type { Answer, Packet } from 'dns-packet';
import { RCODE, reply, type Query } from './packets.js';
import { addressesOf, addressOf, canonicalName, containerOnHost, knownOnHost, namesIn, type DnsView, type Held, type NetworkView, type Querier } from './view.js';

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
  const querier = net.queriers.get(source);
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
  const reverse = reverseIp(name);
  if (reverse !== null) {
    const ptr = ptrName(seen.scope, reverse);
    if (ptr === null) return null;
    return fixed(reply(query, RCODE.NOERROR, type === 'PTR' ? [{ type: 'PTR', name: query.questions![0].name, ttl: TTL, class: 'IN', data: ptr }] : []));
  }
  const held = linked(seen, name) ?? named(seen.scope, name);
  if (held === undefined) return null;
  // No IPv6 yet: AAAA and every other type of a name we hold is NODATA, never forwarded.
  if (type !== 'A' && type !== 'ANY') return fixed(reply(query, RCODE.NOERROR));
  const ips = addressesOf(held);
  const answers: Answer[] = rotate(ips, turn).map((ip) => ({ type: 'A', name: query.questions![0].name, ttl: TTL, class: 'IN', data: ip }));
  return { response: reply(query, RCODE.NOERROR, answers), turns: ips.length };
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

/** Docker's reverse name of a container: `<container>.<network>`. */
function ptrName(scope: readonly NetworkView[], ip: string): string | null {
  for (const net of scope) {
    const c = net.queriers.get(ip);
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

function reverseOnHost(view: DnsView, name: string): boolean {
  const ip = reverseIp(name);
  return ip !== null && containerOnHost(view, ip);
}

function rotate(ips: readonly string[], turn: number): readonly string[] {
  const k = turn % ips.length;
  return k === 0 ? ips : [...ips.slice(k), ...ips.slice(0, k)];
}

function fixed(response: Packet): Decision {
  return { response, turns: 1 };
}
