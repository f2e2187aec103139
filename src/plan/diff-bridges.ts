// Diffs the bridges tnet owns: create missing ones, correct their MAC, MTU, state and gateway address.

import type { Action } from '../model/action.js';
import type { DesiredBridge } from '../model/desired.js';
import type { ObservedLink } from '../model/observed.js';
import { linkLocal6 } from '../util/ipv6.js';
import { diffAddresses } from './diff-addresses.js';

/** `uplink`: the observed uplink of a bridge that has one, whose MAC the bridge takes (diff-uplinks moves the rest). */
export function diffBridge(d: DesiredBridge, seen: ObservedLink | undefined, uplink?: ObservedLink): Action[] {
  if (!d.owned) return [];
  const mac = d.mac ?? uplink?.mac ?? null;
  if (!seen) {
    return [
      // Without a MAC of its own the kernel would give the bridge a random one, then its first port's.
      { op: 'bridge-add', name: d.name, mac: mac ?? '', mtu: d.mtu, mark: d.mark },
      ...(d.address ? [{ op: 'addr-add', ns: null, dev: d.name, cidr: d.address } as const] : []),
      ...(d.address6 ? [{ op: 'addr-add', ns: null, dev: d.name, cidr: d.address6 } as const] : []),
      // The host asks for a container's MAC (to forward or DNAT to it) from the bridge's link-local address
      // only: the kernel's own would be tentative (DAD) for a second or two after the first port comes up,
      // and every packet routed into the bridge meanwhile dropped. The same address, given without DAD.
      ...(d.address6 && mac ? [{ op: 'addr-add', ns: null, dev: d.name, cidr: linkLocal6(mac) } as const] : []),
      { op: 'link-set', ns: null, dev: d.name, set: { up: true } },
    ];
  }
  const out: Action[] = [];
  const set: Record<string, unknown> = {};
  if (mac !== null && seen.mac !== mac) set.mac = mac;
  if (seen.mtu !== d.mtu) set.mtu = d.mtu;
  if (seen.alias !== d.mark) set.alias = d.mark;
  if (!seen.up) set.up = true;
  if (Object.keys(set).length) out.push({ op: 'link-set', ns: null, dev: d.name, set });
  // A bridge with an uplink carries the uplink's addresses: diff-uplinks keeps those.
  if (d.address === null) return out;
  // IPv6: gateway6 on a dual-stack bridge, no global address otherwise.
  return [...out, ...diffAddresses(null, d.name, seen.addrs, d.address), ...diffAddresses(null, d.name, seen.addrs6 ?? [], d.address6 ?? null)];
}
