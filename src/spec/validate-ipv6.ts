// Semantic checks of the IPv6 fields: subnet6, gateway6, ipRange6 of bridges and overlays, ip6 of endpoints, IPv6 port addresses.

import type { BridgeSpec, ContainerSpec, EndpointSpec, OverlaySpec, PortMapping, Spec } from '../model/spec.js';
import { contains6, containsCidr6, formatCidr6, overlaps6, parseCidr6, parseIpv6, parseIpv6Prefix, type Cidr6 } from '../util/ipv6.js';
import { joinPath } from './yaml.js';
import { endpointPath, type Report, type Written } from './checks.js';
import { formatPortMapping, portFamilies } from './ports.js';

/** An IPv6 subnet smaller than this leaves no room: the gateway and a container, as /30 does for IPv4. */
const MAX_PREFIX6 = 126;

export function checkCidr6(text: string, path: string, what: string, report: Report): Cidr6 | null {
  const raw = parseIpv6Prefix(text);
  const cidr = parseCidr6(text);
  if (!raw || !cidr) {
    report(path, `${what} "${text}" is not an IPv6 CIDR like fd00:1::/64`);
    return null;
  }
  if (raw.ip !== cidr.network) {
    report(path, `${what} ${text} has host bits set`, `did you mean ${formatCidr6(cidr)}?`);
    return null;
  }
  return cidr;
}

export function checkBridge6(b: BridgeSpec, report: Report): void {
  const at = (f: string) => joinPath(['bridges', b.name, f]);
  if (b.subnet6 === null) {
    if (b.gateway6 !== null) report(at('gateway6'), `gateway6 needs subnet6 on bridge ${b.name}`, 'add subnet6: the IPv6 CIDR the gateway is in');
    if (b.ipRange6 !== null) report(at('ipRange6'), `ipRange6 needs subnet6 on bridge ${b.name}`, 'add subnet6: the IPv6 CIDR the range is in');
    return;
  }
  if (b.uplink !== null) {
    return report(at('subnet6'), `bridge ${b.name} has an uplink: tnet moves only IPv4 addresses onto such a bridge`, 'drop subnet6, or use a bridge without uplink');
  }
  const subnet = checkCidr6(b.subnet6, at('subnet6'), 'subnet6', report);
  if (!subnet) return;
  if (subnet.prefix > MAX_PREFIX6) return report(at('subnet6'), `subnet6 ${b.subnet6} is too small: a bridge needs a /${MAX_PREFIX6} or larger`);
  checkGateway6(b, subnet, report);
  if (b.ipRange6 === null) return;
  const range = checkCidr6(b.ipRange6, at('ipRange6'), 'ipRange6', report);
  if (range && !containsCidr6(subnet, range)) report(at('ipRange6'), `ipRange6 ${b.ipRange6} is not inside subnet6 ${b.subnet6}`);
}

function checkGateway6(b: BridgeSpec, subnet: Cidr6, report: Report): void {
  const path = joinPath(['bridges', b.name, 'gateway6']);
  const gw = parseIpv6(b.gateway6 ?? '');
  if (gw === null) return report(path, `gateway6 "${b.gateway6}" is not an IPv6 address`);
  if (!contains6(subnet, gw)) return report(path, `gateway6 ${b.gateway6} is outside subnet6 ${b.subnet6}`);
  if (gw === subnet.network) report(path, `gateway6 ${b.gateway6} is the subnet-router anycast address of ${b.subnet6}`, 'use the first address after it, as Docker does');
}

/** subnet6 of bridges and overlays, each pair disjoint. */
export function checkOverlaps6(spec: Spec, report: Report): void {
  const nets = [
    ...Object.values(spec.bridges).map((b) => ({ kind: 'bridge', name: b.name, text: b.subnet6, path: joinPath(['bridges', b.name, 'subnet6']) })),
    ...Object.values(spec.overlays).map((o) => ({ kind: 'overlay', name: o.name, text: o.subnet6, path: joinPath(['overlays', o.name, 'subnet6']) })),
  ].flatMap((n) => {
    const c = n.text ? parseCidr6(n.text) : null;
    return c ? [{ ...n, c }] : [];
  });
  nets.forEach((n, i) => {
    for (const other of nets.slice(0, i)) {
      if (overlaps6(n.c, other.c)) report(n.path, `subnet6 ${n.text} of ${n.kind} ${n.name} overlaps ${other.text} of ${other.kind} ${other.name}`);
    }
  });
}

export function checkOverlay6(o: OverlaySpec, report: Report): void {
  const at = (...f: string[]) => joinPath(['overlays', o.name, ...f]);
  const subnet = o.subnet6 === null ? null : checkCidr6(o.subnet6, at('subnet6'), 'subnet6', report);
  const ranges: { host: string; cidr: Cidr6 }[] = [];
  for (const [host, h] of Object.entries(o.hosts)) {
    const path = at('hosts', host, 'ipRange6');
    if (o.subnet6 === null) {
      if (h.ipRange6 !== null) report(path, `ipRange6 needs subnet6 on overlay ${o.name}`);
      continue;
    }
    if (h.ipRange6 === null) {
      report(joinPath(['overlays', o.name, 'hosts', host]), `host ${host} of dual-stack overlay ${o.name} needs ipRange6`, 'give each host its own part of subnet6, as ipRange of subnet', true);
      continue;
    }
    const range = checkCidr6(h.ipRange6, path, 'ipRange6', report);
    if (!range || !subnet) continue;
    if (!containsCidr6(subnet, range)) {
      report(path, `ipRange6 ${h.ipRange6} of host ${host} is not inside subnet6 ${o.subnet6} of overlay ${o.name}`);
      continue;
    }
    if (range.prefix > MAX_PREFIX6) {
      report(path, `ipRange6 ${h.ipRange6} is too small: the host's bridge takes its first address, containers need more`);
      continue;
    }
    const clash = ranges.find((r) => overlaps6(r.cidr, range));
    if (clash) report(path, `ipRange6 ${h.ipRange6} of host ${host} overlaps ${o.hosts[clash.host].ipRange6} of host ${clash.host}`, 'each host allocates from its own range: they must not overlap');
    ranges.push({ host, cidr: range });
  }
}

/** The network's IPv6 subnet and the address no container may take (the bridge's, or on an overlay each host's). */
function network6(spec: Spec, name: string, host: string | null): { subnet: string; reserved: bigint[]; range: string | null } | null {
  const b = spec.bridges[name];
  if (b) return b.subnet6 === null ? null : { subnet: b.subnet6, reserved: b.gateway6 ? [parseIpv6(b.gateway6)!].filter((x) => x !== null) : [], range: null };
  const o = spec.overlays[name];
  if (!o || o.subnet6 === null) return null;
  const hosts = Object.values(o.hosts).flatMap((h) => (h.ipRange6 && parseCidr6(h.ipRange6) ? [parseCidr6(h.ipRange6)!.network + 1n] : []));
  return { subnet: o.subnet6, reserved: hosts, range: host ? o.hosts[host]?.ipRange6 ?? null : null };
}

export function checkEndpoint6(spec: Spec, c: ContainerSpec, e: EndpointSpec, report: Report, written: Written): void {
  if (e.ip6 === null || (!spec.bridges[e.network] && !spec.overlays[e.network])) return;
  const path = endpointPath(c, e, 'ip6', written);
  const ip = parseIpv6(e.ip6);
  if (ip === null) return report(path, `ip6 "${e.ip6}" is not an IPv6 address`);
  const net = network6(spec, e.network, c.host);
  if (!net) return report(path, `ip6 ${e.ip6} on network ${e.network}, which has no subnet6`, `add subnet6 to ${e.network}, or drop ip6`);
  const subnet = parseCidr6(net.subnet);
  if (!subnet) return;
  if (!contains6(subnet, ip)) return report(path, `ip6 ${e.ip6} is outside subnet6 ${net.subnet} of ${e.network}`);
  if (ip === subnet.network) return report(path, `ip6 ${e.ip6} is the subnet-router anycast address of ${net.subnet}`);
  if (net.reserved.includes(ip)) return report(path, `ip6 ${e.ip6} is the gateway of ${e.network}`);
  const range = net.range ? parseCidr6(net.range) : null;
  if (range && !contains6(range, ip)) report(path, `ip6 ${e.ip6} is outside ipRange6 ${net.range} of host ${c.host} on overlay ${e.network}`, 'each host allocates from its own range: fixed addresses must come from it too');
  else if (spec.overlays[e.network] && c.host === null) report(path, `container ${c.name} is on every host of overlay ${e.network} (no host:), so it cannot have a fixed ip6`, 'place it with host:, or let each host allocate');
}

/** A port published on IPv6 only needs the container to have an IPv6 address where ports are published. */
export function checkPorts6(spec: Spec, c: ContainerSpec, report: Report): void {
  if (c.network.kind !== 'bridge') return;
  const dual = network6(spec, c.network.bridge, c.host) !== null;
  c.ports.forEach((m: PortMapping) => {
    if (dual || !portFamilies(m).every((f) => f === 6)) return;
    report(joinPath(['containers', c.name, 'ports']), `${c.name} publishes ${formatPortMapping(m)} on IPv6, but its network ${c.network.kind === 'bridge' ? c.network.bridge : ''} has no subnet6`,
      'tnet runs no proxy from IPv6 to IPv4: add subnet6 to the network, or publish on an IPv4 address');
  });
}
