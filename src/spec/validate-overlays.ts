// Semantic checks of overlays and of where containers are placed (`host:`): VNIs, ranges, underlays, hosts.

import type { ContainerSpec, OverlaySpec, Spec } from '../model/spec.js';
import { contains, containsCidr, firstHost, overlaps, parseCidr, parseIpv4, type Cidr } from '../util/ipv4.js';
import { joinPath } from './yaml.js';
import { vxlanName } from '../ownership/marks.js';
import { VXLAN_OVERHEAD } from './normalize.js';
import { checkOverlay6 } from './validate-ipv6.js';
import { checkCidr, checkMtu, endpointPath, ifnameProblem, type Report, type Written } from './checks.js';

const MAX_VNI = 16777215;

export function checkOverlays(spec: Spec, report: Report): void {
  const vnis = new Map<number, string>();
  for (const o of Object.values(spec.overlays)) {
    const at = (...f: (string | number)[]) => joinPath(['overlays', o.name, ...f]);
    const problem = ifnameProblem(vxlanName(o.name));
    if (problem) report(at(), `overlay name "${o.name}" is too long or invalid: its VXLAN device vx-${o.name} ${problem}`, undefined, true);
    if (spec.bridges[o.name]) report(at(), `overlay ${o.name} has the name of a bridge: on each host the overlay is a bridge of that name`, undefined, true);
    if (o.vni < 1 || o.vni > MAX_VNI) report(at('vni'), `vni ${o.vni} is outside 1-${MAX_VNI}`);
    const first = vnis.get(o.vni);
    if (first) report(at('vni'), `vni ${o.vni} is also the VNI of overlay ${first}`, 'each overlay needs its own VNI: the VNI is what keeps them apart');
    else vnis.set(o.vni, o.name);
    checkMtu(o.mtu - VXLAN_OVERHEAD, at('mtu'), report);
    const subnet = checkCidr(o.subnet, at('subnet'), 'subnet', report);
    checkHosts(o, subnet, report);
    checkOverlay6(o, report);
    for (const b of Object.values(spec.bridges)) {
      const bs = b.subnet ? parseCidr(b.subnet) : null;
      if (subnet && bs && overlaps(subnet, bs)) report(at('subnet'), `subnet ${o.subnet} of overlay ${o.name} overlaps ${b.subnet} of bridge ${b.name}`);
    }
  }
  const overlays = Object.values(spec.overlays);
  overlays.forEach((o, i) => {
    const a = parseCidr(o.subnet);
    for (const other of overlays.slice(0, i)) {
      const b = parseCidr(other.subnet);
      if (a && b && overlaps(a, b)) report(joinPath(['overlays', o.name, 'subnet']), `subnet ${o.subnet} of overlay ${o.name} overlaps ${other.subnet} of overlay ${other.name}`);
    }
  });
}

function checkHosts(o: OverlaySpec, subnet: Cidr | null, report: Report): void {
  const ranges: { host: string; cidr: Cidr }[] = [];
  const underlays = new Map<string, string>();
  for (const [host, h] of Object.entries(o.hosts)) {
    const at = (f: string) => joinPath(['overlays', o.name, 'hosts', host, f]);
    if (parseIpv4(h.underlay) === null) report(at('underlay'), `underlay "${h.underlay}" is not an IPv4 address`);
    else if (underlays.has(h.underlay)) report(at('underlay'), `underlay ${h.underlay} is also the address of host ${underlays.get(h.underlay)}`);
    else underlays.set(h.underlay, host);
    const range = checkCidr(h.ipRange, at('ipRange'), 'ipRange', report);
    if (!range) continue;
    if (subnet && !containsCidr(subnet, range)) {
      report(at('ipRange'), `ipRange ${h.ipRange} of host ${host} is not inside subnet ${o.subnet} of overlay ${o.name}`);
      continue;
    }
    if (range.prefix > 30) {
      report(at('ipRange'), `ipRange ${h.ipRange} is too small: the host's bridge takes its first address, containers need more`, 'use a /30 or larger');
      continue;
    }
    const clash = ranges.find((r) => overlaps(r.cidr, range));
    if (clash) report(at('ipRange'), `ipRange ${h.ipRange} of host ${host} overlaps ${o.hosts[clash.host].ipRange} of host ${clash.host}`, 'each host allocates from its own range: they must not overlap');
    ranges.push({ host, cidr: range });
  }
}

/** Every host some overlay names: the hosts a spec knows, for `host:` and `--host`. */
export function knownHosts(spec: Spec): Set<string> {
  return new Set(Object.values(spec.overlays).flatMap((o) => Object.keys(o.hosts)));
}

/** What placement checks need of the whole spec, found once a load. */
export interface Placement {
  known: Set<string>;
  overlays: boolean;
}

export function placementOf(spec: Spec): Placement {
  return { known: knownHosts(spec), overlays: Object.keys(spec.overlays).length > 0 };
}

/** One container's `host:` against the overlays and bridges it joins. */
export function checkPlaced(spec: Spec, c: ContainerSpec, { known, overlays }: Placement, report: Report, written: Written): void {
  // Without host: and without overlays there is nothing to check here.
  if (c.host === null && !overlays) return;
  const path = joinPath(['containers', c.name, 'host']);
  const joined = c.networks.filter((e) => spec.overlays[e.network]);
  if (c.host !== null && known.size > 0 && joined.length === 0 && !known.has(c.host)) {
    report(path, `host ${c.host} is not a host of any overlay (${[...known].sort().join(', ')})`, 'name a host listed under overlays.<name>.hosts');
  }
  if (c.host !== null && c.network.kind === 'container') report(path, `conflicting options: host: and network: container:${c.network.target}`, 'the container goes where its namespace\'s owner is');
  for (const e of joined) checkOverlayEndpoint(spec.overlays[e.network], c, e, report, written);
  for (const e of c.networks) {
    const b = spec.bridges[e.network];
    if (b?.uplink && c.host !== null && e.ip === null) {
      report(endpointPath(c, e, null, written), `container ${c.name} on uplink bridge ${b.name} is placed on host ${c.host} and needs an explicit ip`, 'each host allocates only for its own containers: on a shared segment, give addresses');
    }
  }
}

function checkOverlayEndpoint(o: OverlaySpec, c: ContainerSpec, e: ContainerSpec['networks'][number], report: Report, written: Written): void {
  const hosts = Object.keys(o.hosts);
  if (c.host === null) {
    // A container on every host would hold the same address and MAC on every host of one layer-2 network.
    if (e.ip !== null) report(endpointPath(c, e, 'ip', written), `container ${c.name} is on every host of overlay ${o.name} (no host:), so it cannot have a fixed ip`, 'place it with host:, or let each host allocate');
    if (e.mac !== null) report(endpointPath(c, e, 'mac', written), `container ${c.name} is on every host of overlay ${o.name} (no host:), so it cannot have a fixed mac`, 'place it with host:');
    return;
  }
  const h = o.hosts[c.host];
  if (!h) {
    report(joinPath(['containers', c.name, 'host']), `host ${c.host} is not one of the hosts of overlay ${o.name} (${hosts.join(', ') || 'none'})`, `add ${c.host} under overlays.${o.name}.hosts, or place the container on one of them`);
    return;
  }
  const range = parseCidr(h.ipRange);
  const ip = e.ip === null ? null : parseIpv4(e.ip);
  if (range && ip !== null && !contains(range, ip)) {
    report(endpointPath(c, e, 'ip', written), `ip ${e.ip} is outside ipRange ${h.ipRange} of host ${c.host} on overlay ${o.name}`, 'each host allocates from its own range: fixed addresses must come from it too');
  } else if (range && ip === firstHost(range)) {
    report(endpointPath(c, e, 'ip', written), `ip ${e.ip} is the address of host ${c.host}'s bridge on overlay ${o.name}`);
  }
}
