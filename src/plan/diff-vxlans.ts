// Diffs overlays' VXLAN devices: create or recreate them on their bridge, and keep one fdb entry per peer host.

import { FLOOD_MAC, type Action } from '../model/action.js';
import type { DesiredVxlan } from '../model/desired.js';
import type { ObservedFdb, ObservedLink } from '../model/observed.js';

export function diffVxlan(d: DesiredVxlan, seen: ObservedLink | undefined, fdb: ObservedFdb[]): Action[] {
  const same = seen?.kind === 'vxlan' && seen.vxlan && seen.vxlan.vni === d.vni && seen.vxlan.local === d.local && seen.vxlan.port === d.port && !seen.vxlan.learning;
  if (!seen || !same) {
    // A device tunnelling elsewhere cannot be changed in place: the kernel fixes id, local and port at creation.
    return [
      ...(seen ? [{ op: 'link-del', ns: null, dev: d.name } as const] : []),
      { op: 'vxlan-add', ns: null, name: d.name, vni: d.vni, local: d.local, port: d.port, mtu: d.mtu, mark: d.mark },
      { op: 'link-set', ns: null, dev: d.name, set: { master: d.bridge, ipv6: false, up: true } },
      ...d.peers.map((dst): Action => ({ op: 'fdb-add', dev: d.name, dst })),
    ];
  }
  const out: Action[] = [];
  const set: Record<string, unknown> = {};
  if (seen.master !== d.bridge) set.master = d.bridge;
  if (seen.mtu !== d.mtu) set.mtu = d.mtu;
  if (seen.alias !== d.mark) set.alias = d.mark;
  if (!seen.up) set.up = true;
  if (Object.keys(set).length) out.push({ op: 'link-set', ns: null, dev: d.name, set });
  const have = new Set(fdb.filter((f) => f.dev === d.name && f.mac === FLOOD_MAC).map((f) => f.dst));
  // A host dropped from the overlay loses its entry here: no more frames are flooded to it.
  for (const dst of [...have].sort()) if (!d.peers.includes(dst)) out.push({ op: 'fdb-del', dev: d.name, dst });
  for (const dst of d.peers) if (!have.has(dst)) out.push({ op: 'fdb-add', dev: d.name, dst });
  return out;
}
