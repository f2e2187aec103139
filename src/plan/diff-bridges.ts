// Diffs the bridges tnet owns: create missing ones, correct their MAC, MTU, state and gateway address.

import type { Action } from '../model/action.js';
import type { DesiredBridge } from '../model/desired.js';
import type { ObservedLink } from '../model/observed.js';

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
  for (const a of seen.addrs) if (a !== d.address) out.push({ op: 'addr-del', ns: null, dev: d.name, cidr: a });
  if (!seen.addrs.includes(d.address)) out.push({ op: 'addr-add', ns: null, dev: d.name, cidr: d.address });
  return [...out, ...addresses6(d, seen)];
}

/** The bridge's global IPv6 address: gateway6 on a dual-stack bridge, none otherwise (link-local ones are the kernel's). */
function addresses6(d: DesiredBridge, seen: ObservedLink): Action[] {
  const want = d.address6 ?? null;
  const have = seen.addrs6 ?? [];
  const out: Action[] = have.filter((a) => a !== want).map((a) => ({ op: 'addr-del', ns: null, dev: d.name, cidr: a }));
  if (want && !have.includes(want)) out.push({ op: 'addr-add', ns: null, dev: d.name, cidr: want });
  return out;
}
