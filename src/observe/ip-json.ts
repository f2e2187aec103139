// Turns `ip -j -d addr show` and `ip -j route show` output into ObservedLink and ObservedRoute values.

import type { ObservedLink, ObservedRoute } from '../model/observed.js';
import { parseMark } from '../ownership/marks.js';

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  flags?: string[];
  mtu: number;
  group?: string;
  address?: string;
  ifalias?: string;
  master?: string;
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: {
    info_kind?: string;
    info_data?: { id?: number; local?: string; port?: number; learning?: boolean };
    info_slave_kind?: string;
    info_slave_data?: { hairpin?: boolean };
  };
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
}

interface IpRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

export function parseLinks(json: string): ObservedLink[] {
  return (JSON.parse(json) as IpAddrJson[]).map(toLink);
}

/** One element of `ip -j -d addr show` (or `link show`), parsed. */
export function linkOf(json: string): ObservedLink {
  return toLink(JSON.parse(json) as IpAddrJson);
}

function toLink(j: IpAddrJson): ObservedLink {
  const kind = j.linkinfo?.info_kind ?? '';
  return {
    ifindex: j.ifindex,
    // `ip` prints a veth as `name@peer` only in text mode; JSON keeps the plain name.
    name: j.ifname,
    kind,
    up: (j.flags ?? []).includes('UP'),
    mtu: j.mtu,
    mac: (j.address ?? '').toLowerCase(),
    alias: j.ifalias ?? null,
    owner: parseMark(j.ifalias ?? null),
    master: j.master ?? null,
    peerIfindex: kind === 'veth' ? (j.link_index ?? null) : null,
    peerNetnsId: j.link_netnsid ?? null,
    hairpin: j.linkinfo?.info_slave_kind === 'bridge' ? Boolean(j.linkinfo.info_slave_data?.hairpin) : null,
    group: groupOf(j.group),
    addrs: (j.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
    // Global ones only: link-local addresses are the kernel's own, made per link, never tnet's to diff.
    addrs6: (j.addr_info ?? []).filter((a) => a.family === 'inet6' && (a.scope ?? 'global') === 'global').map((a) => `${a.local}/${a.prefixlen}`),
    ...(kind === 'vxlan' ? { vxlan: vxlanInfo(j.linkinfo?.info_data ?? {}) } : {}),
  };
}

/** `ip` names group 0 `default`, and any group /etc/iproute2/group names: those cannot be told apart here. */
function groupOf(g: string | undefined): number | null {
  if (g === undefined || g === 'default') return 0;
  return /^\d+$/.test(g) ? Number(g) : null;
}

function vxlanInfo(d: { id?: number; local?: string; port?: number; learning?: boolean }): NonNullable<ObservedLink['vxlan']> {
  return { vni: d.id ?? 0, local: d.local ?? null, port: d.port ?? 0, learning: d.learning ?? true };
}

export function parseRoutes(json: string): ObservedRoute[] {
  return (JSON.parse(json) as IpRouteJson[]).map(toRoute);
}

/** One element of `ip -j route show`, parsed. */
export function routeOf(json: string): ObservedRoute {
  return toRoute(JSON.parse(json) as IpRouteJson);
}

function toRoute(r: IpRouteJson): ObservedRoute {
  return { dst: r.dst, gateway: r.gateway ?? null, dev: r.dev ?? null, protocol: r.protocol ?? null };
}

/** `ip -j -batch` prints one JSON document per command, each on its own line. */
export function splitJsonLines(out: string): string[] {
  return out.split('\n').filter((l) => l.trim().startsWith('['));
}
