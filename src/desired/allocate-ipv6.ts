// IPv6 address allocation on dual-stack networks: fixed ip6 first, then what containers already hold, then the lowest free.

import type { Spec } from '../model/spec.js';
import { endpointKey } from '../ownership/marks.js';
import { fail, ok, tnetError, type Result } from '../model/errors.js';
import { contains6, formatIpv6, last6, parseCidr6, parseIpv6 } from '../util/ipv6.js';

type Member6 = { key: string; name: string; ip6: string | null };

function members6(spec: Spec): Map<string, Member6[]> {
  const out = new Map<string, Member6[]>();
  for (const c of Object.values(spec.containers)) {
    c.networks.forEach((e, i) => {
      if (!spec.bridges[e.network]?.subnet6) return;
      const list = out.get(e.network) ?? [];
      if (list.length === 0) out.set(e.network, list);
      list.push({ key: endpointKey(c.name, e.network, i), name: c.name, ip6: e.ip6 });
    });
  }
  return out;
}

/** Endpoint key → IPv6 address, for the endpoints on bridges with subnet6 only. */
export function allocateIps6(spec: Spec, held: Record<string, string>): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  const byBridge = members6(spec);
  for (const b of Object.values(spec.bridges)) {
    if (!b.subnet6 || !b.gateway6) continue;
    const subnet = parseCidr6(b.subnet6)!;
    const pool = b.ipRange6 ? parseCidr6(b.ipRange6)! : subnet;
    // The subnet-router anycast address (the subnet's first) and the gateway are never handed out.
    const taken = new Set<bigint>([subnet.network, parseIpv6(b.gateway6)!]);
    const members = byBridge.get(b.name) ?? [];
    for (const c of members) if (c.ip6) taken.add(parseIpv6(c.ip6)!);
    const rest: Member6[] = [];
    for (const c of members) {
      if (c.ip6) out[c.key] = c.ip6;
      else {
        const prev = held[c.key] ? parseIpv6(held[c.key]) : null;
        if (prev !== null && contains6(pool, prev) && !taken.has(prev)) {
          taken.add(prev);
          out[c.key] = formatIpv6(prev);
        } else rest.push(c);
      }
    }
    // As for IPv4: a plain bridge's range is usable whole; an overlay host's range starts with its bridge.
    const first = b.ipRange6 !== null && !b.overlay ? pool.network : pool.network + 1n;
    const last = last6(pool);
    let next = first;
    for (const c of rest) {
      while (next <= last && taken.has(next)) next++;
      if (next > last) {
        return fail(tnetError('pool-exhausted', `no free IPv6 address left for ${c.name} in ${b.ipRange6 ?? b.subnet6}`, {
          path: `bridges.${b.name}.${b.ipRange6 ? 'ipRange6' : 'subnet6'}`,
          hint: 'widen subnet6 or ipRange6, or give the container an explicit ip6',
        }));
      }
      taken.add(next);
      out[c.key] = formatIpv6(next);
    }
  }
  return ok(out);
}
