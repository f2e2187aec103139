// The addresses a spec's containers already hold: from sealed host veths, or read inside their namespaces.

import type { ObservedLink, ObservedNetns } from '../model/observed.js';
import { parseMark, parseSeal } from '../ownership/marks.js';

/** `links`: the host's; `netns`: the namespaces read inside (none before they are entered). */
export function heldIps(spec: string, links: ObservedLink[], netns: Record<string, ObservedNetns>): Record<string, string> {
  const ips: Record<string, string> = {};
  for (const l of links) {
    const m = parseMark(l.alias);
    const sealed = parseSeal(l.alias);
    if (m?.spec === spec && m.kind === 'veth' && sealed) ips[m.name] = sealed.address.split('/')[0];
  }
  for (const ns of Object.values(netns)) {
    const m = parseMark(ns.mark);
    if (m?.spec !== spec || m.name !== ns.name) continue;
    const addr = ns.links.find((l) => l.name === 'eth0')?.addrs[0];
    if (addr) ips[ns.name] = addr.split('/')[0];
  }
  return ips;
}
