// Diffs the bridges tnet owns: create missing ones, correct their MAC, MTU, state and gateway address.

import type { Action } from '../model/action.js';
import type { DesiredBridge } from '../model/desired.js';
import type { ObservedLink } from '../model/observed.js';

export function diffBridge(d: DesiredBridge, seen: ObservedLink | undefined): Action[] {
  if (!d.owned) return [];
  if (!seen) {
    return [
      { op: 'bridge-add', name: d.name, mac: d.mac, mtu: d.mtu, mark: d.mark },
      { op: 'addr-add', ns: null, dev: d.name, cidr: d.address },
      { op: 'link-set', ns: null, dev: d.name, set: { up: true } },
    ];
  }
  const out: Action[] = [];
  const set: Record<string, unknown> = {};
  if (seen.mac !== d.mac) set.mac = d.mac;
  if (seen.mtu !== d.mtu) set.mtu = d.mtu;
  if (seen.alias !== d.mark) set.alias = d.mark;
  if (!seen.up) set.up = true;
  if (Object.keys(set).length) out.push({ op: 'link-set', ns: null, dev: d.name, set });
  for (const a of seen.addrs) if (a !== d.address) out.push({ op: 'addr-del', ns: null, dev: d.name, cidr: a });
  if (!seen.addrs.includes(d.address)) out.push({ op: 'addr-add', ns: null, dev: d.name, cidr: d.address });
  return out;
}
