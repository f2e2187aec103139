// The host's addresses and routing as `why` needs them: which addresses are local, where a route leads, and
// which source address the kernel picks for an interface.

import type { ObservedLink, ObservedRoute } from '../model/observed.js';
import type { NetView, WhyEndpoint } from '../model/why.js';
import { contains, parseCidr, parseIpv4 } from '../util/ipv4.js';

export interface RouteTo {
  dev: string | null;
  gateway: string | null;
}

export const isLoopback = (ip: string): boolean => ip.startsWith('127.');

/** The host's own addresses (any interface), and 127.0.0.0/8: the kernel's `local` table, as addrtype sees it. */
export function hostIsLocal(view: Pick<NetView, 'links'>): (ip: string) => boolean {
  const mine = new Set(view.links.flatMap((l) => l.addrs.map((a) => a.split('/')[0])));
  return (ip) => isLoopback(ip) || mine.has(ip);
}

/** Longest-prefix match on a main table; a bare `dst` is a host route. */
export function lookupRoute(routes: readonly ObservedRoute[], ip: string): RouteTo | null {
  const n = parseIpv4(ip);
  if (n === null) return null;
  let best: { prefix: number; r: ObservedRoute } | null = null;
  for (const r of routes) {
    const c = r.dst === 'default' ? { network: 0, prefix: 0 } : parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    if (c && contains(c, n) && (!best || c.prefix > best.prefix)) best = { prefix: c.prefix, r };
  }
  return best ? { dev: best.r.dev, gateway: best.r.gateway } : null;
}

/** The address an interface sends from towards `nextHop`: the one on its subnet, else its first. */
export function sourceOn(links: readonly ObservedLink[], dev: string, nextHop: string): string | null {
  const addrs = links.find((l) => l.name === dev)?.addrs ?? [];
  const n = parseIpv4(nextHop);
  const near = addrs.find((a) => n !== null && contains(parseCidr(a)!, n));
  return (near ?? addrs[0])?.split('/')[0] ?? null;
}

/** The host's address named `host`: the default route's source, else the first address of an interface not tnet's nor a bridge. */
export function mainAddress(view: Pick<NetView, 'links' | 'routes'>): string | null {
  const def = lookupRoute(view.routes.filter((r) => r.dst === 'default'), '0.0.0.0');
  if (def?.dev) return sourceOn(view.links, def.dev, def.gateway ?? '0.0.0.0');
  const plain = view.links.find((l) => l.name !== 'lo' && l.kind !== 'bridge' && !l.owner && l.addrs.length);
  return plain ? plain.addrs[0].split('/')[0] : null;
}

export function endpointOn(view: Pick<NetView, 'endpoints'>, bridge: string, ip: string): WhyEndpoint | null {
  return view.endpoints.find((e) => e.bridge === bridge && e.ip === ip) ?? null;
}

/** Ports of a bridge that are not tnet's containers (an uplink, a VXLAN device, another tool's veth). */
export function otherPorts(view: Pick<NetView, 'links' | 'endpoints'>, bridge: string): string[] {
  const ours = new Set(view.endpoints.map((e) => e.hostIf));
  return view.links.filter((l) => l.master === bridge && !ours.has(l.name)).map((l) => l.name);
}

export const isBridge = (view: Pick<NetView, 'links'>, dev: string): boolean => view.links.some((l) => l.name === dev && l.kind === 'bridge');
