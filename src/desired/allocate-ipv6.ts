// IPv6 address allocation on dual-stack networks: fixed ip6 first, then what containers already hold, then the lowest free.

import type { Spec } from '../model/spec.js';
import { fail, ok, tnetError, type Result } from '../model/errors.js';
import { formatIpv6, last6, parseCidr6, parseIpv6 } from '../util/ipv6.js';
import { networkMembers, pickAddresses, type Member } from './pick-addresses.js';

/** Endpoint key → IPv6 address, for the endpoints on bridges with subnet6 only. */
export function allocateIps6(spec: Spec, held: Record<string, string>, byNetwork: Map<string, Member[]> = networkMembers(spec)): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const b of Object.values(spec.bridges)) {
    if (!b.subnet6 || !b.gateway6) continue;
    const subnet = parseCidr6(b.subnet6)!;
    const pool = b.ipRange6 ? parseCidr6(b.ipRange6)! : subnet;
    // As for IPv4: a plain bridge's range is usable whole; an overlay host's range starts with its bridge.
    // The subnet-router anycast address (the subnet's first) and the gateway are never handed out.
    const picked = pickAddresses(byNetwork.get(b.name) ?? [], held, {
      parse: parseIpv6,
      format: formatIpv6,
      fixed: (e) => e.ip6,
      pool: { first: pool.network, last: last6(pool) },
      first: b.ipRange6 !== null && !b.overlay ? pool.network : pool.network + 1n,
      last: last6(pool),
      reserved: [subnet.network, parseIpv6(b.gateway6)!],
    });
    if ('exhausted' in picked) {
      return fail(tnetError('pool-exhausted', `no free IPv6 address left for ${picked.exhausted.name} in ${b.ipRange6 ?? b.subnet6}`, {
        path: `bridges.${b.name}.${b.ipRange6 ? 'ipRange6' : 'subnet6'}`,
        hint: 'widen subnet6 or ipRange6, or give the container an explicit ip6',
      }));
    }
    Object.assign(out, picked.picked);
  }
  return ok(out);
}
