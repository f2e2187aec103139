// One network's addresses of one family: fixed ones first, then what endpoints already hold, then the lowest free.

import { containersOf } from '../spec/lookup.js';
import type { EndpointSpec, Spec } from '../model/spec.js';
import { endpointKey } from '../ownership/marks.js';

/** An endpoint on the network: its key (endpointKey), its container, and the endpoint as the spec gives it. */
export interface Member {
  key: string;
  name: string;
  endpoint: EndpointSpec;
}

/** Every network's endpoints, in the spec's order, from one pass over the containers (not one per network). */
export function networkMembers(spec: Spec): Map<string, Member[]> {
  const out = new Map<string, Member[]>();
  for (const c of containersOf(spec)) {
    c.networks.forEach((e, i) => {
      const list = out.get(e.network) ?? [];
      if (list.length === 0) out.set(e.network, list);
      list.push({ key: endpointKey(c.name, e.network, i), name: c.name, endpoint: e });
    });
  }
  return out;
}

/** A family's addresses as bigints (IPv4's fit too), and where on the network they are picked. */
export interface AddressRange {
  parse(text: string): bigint | null;
  format(ip: bigint): string;
  /** The fixed address an endpoint asks for in this family, or null. */
  fixed(e: EndpointSpec): string | null;
  /** Where a held address may stay. */
  pool: { first: bigint; last: bigint };
  /** Where new ones are picked from, lowest first. */
  first: bigint;
  last: bigint;
  /** Never handed out: the subnet's own addresses and the gateway. */
  reserved: bigint[];
}

/** key → address, or the member left without one when the range is exhausted. */
export function pickAddresses(members: readonly Member[], held: Record<string, string>, r: AddressRange): { picked: Record<string, string> } | { exhausted: Member } {
  const out: Record<string, string> = {};
  const taken = new Set<bigint>(r.reserved);
  for (const m of members) {
    const ip = r.fixed(m.endpoint);
    if (ip) taken.add(r.parse(ip)!);
  }
  const rest: Member[] = [];
  for (const m of members) {
    const ip = r.fixed(m.endpoint);
    if (ip) {
      out[m.key] = ip;
      continue;
    }
    // An address once given stays with its container, whatever else is added or removed.
    const prev = held[m.key] ? r.parse(held[m.key]) : null;
    if (prev !== null && prev >= r.pool.first && prev <= r.pool.last && !taken.has(prev)) {
      taken.add(prev);
      out[m.key] = r.format(prev);
    } else rest.push(m);
  }
  let next = r.first;
  for (const m of rest) {
    while (next <= r.last && taken.has(next)) next++;
    if (next > r.last) return { exhausted: m };
    taken.add(next);
    out[m.key] = r.format(next);
  }
  return { picked: out };
}
