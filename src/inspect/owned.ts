// The inspect view without a spec: every object tnet owns on the host, of every spec, found by its mark.

import type { ObservedLink, ObservedRoute, ObservedState } from '../model/observed.js';
import { netnsOfKey, parseMark, vxlanName } from '../ownership/marks.js';
import { netnsPath } from '../ownership/paths.js';
import { addressesOf, blockOf, dnsOf, insideEnd, ipOf, linksByName, memberOf } from './kernel.js';
import { observedDnat, portsTo, type DnatRule } from './ports.js';
import type { BridgeView, ContainerView, EndpointView, InspectObject, OverlayView } from './view.js';

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Bridges and overlays first, then containers, each by name. */
export function ownedObjects(observed: ObservedState): InspectObject[] {
  const links = linksByName(observed);
  const veths = observed.links.filter((l) => l.owner?.kind === 'veth');
  // Bridges with an uplink, by name: looked up once per veth.
  const uplinked = new Set(observed.links.flatMap((u) => (u.owner?.kind === 'uplink' ? [u.owner.name] : [])));
  const endpoints = new Map<string, EndpointView[]>();
  for (const v of veths) {
    const container = netnsOfKey(v.owner!.name);
    endpoints.set(container, [...(endpoints.get(container) ?? []), endpointOf(observed, links, uplinked, container, v)]);
  }
  for (const list of endpoints.values()) list.sort((a, b) => (a.interface ?? '~').localeCompare(b.interface ?? '~'));
  const bridges = observed.links.filter((l) => l.kind === 'bridge' && l.owner?.kind === 'bridge').map((l) => bridgeOf(observed, l, endpoints));
  const rules = observedDnat(observed.firewall);
  const containers = Object.values(observed.netns).flatMap((ns) => containerOf(observed, ns.name, endpoints, rules));
  return [...bridges.sort(byName), ...containers.sort(byName)];
}

function endpointOf(observed: ObservedState, links: Map<string, ObservedLink>, uplinked: ReadonlySet<string>, container: string, v: ObservedLink): EndpointView {
  const inside = insideEnd(observed, container, v, null);
  const bridge = v.master ? links.get(v.master) : undefined;
  const key = v.owner!.name;
  // The network's gateway: the default route's over this interface, else its bridge's address. A bridge with
  // an uplink carries the host's address, not the segment's router: only a route tells that one.
  const ns = observed.netns[container];
  const via = (routes: ObservedRoute[] | undefined) => routes?.find((r) => r.dst === 'default' && r.dev === inside?.name)?.gateway ?? null;
  return {
    network: v.master ?? (key.includes('/') ? key.slice(key.indexOf('/') + 1) : ''),
    interface: inside?.name ?? null,
    ipv4: inside?.addrs[0] ?? null,
    ipv6: inside?.addrs6?.[0] ?? null,
    gateway: via(ns?.routes) ?? (v.master && uplinked.has(v.master) ? null : ipOf(bridge?.addrs[0])),
    gateway6: via(ns?.routes6) ?? ipOf(bridge?.addrs6?.[0]),
    mac: inside?.mac ?? null,
    hostVeth: v.name,
    aliases: null,
  };
}

function bridgeOf(observed: ObservedState, l: ObservedLink, endpoints: Map<string, EndpointView[]>): BridgeView | OverlayView {
  const uplink = observed.links.find((u) => u.owner?.kind === 'uplink' && u.owner.name === l.name);
  const mine = [...endpoints].flatMap(([name, list]) => list.filter((e) => e.network === l.name).map((e) => ({ name, e })));
  const bridge: BridgeView = {
    kind: 'bridge',
    name: l.name,
    spec: l.owner!.spec,
    state: 'owned',
    subnet: blockOf(l.addrs[0]),
    gateway: uplink ? mine.find((m) => m.e.gateway)?.e.gateway ?? null : ipOf(l.addrs[0]),
    subnet6: blockOf(l.addrs6?.[0]),
    gateway6: ipOf(l.addrs6?.[0]),
    mtu: l.mtu,
    mac: l.mac,
    icc: null,
    internal: null,
    external: false,
    uplink: uplink?.name ?? null,
    containers: mine.map(({ name, e }) => memberOf(name, e)).sort(byName),
    changes: [],
  };
  const vx = observed.links.find((x) => x.owner?.kind === 'vxlan' && x.owner.name === l.name);
  return vx ? overlayOf(observed, bridge, vx) : bridge;
}

/** A bridge with a VXLAN device of its spec is an overlay's part on this host. */
function overlayOf(observed: ObservedState, bridge: BridgeView, vx: ObservedLink): OverlayView {
  const forwarding = observed.fdb.filter((f) => f.dev === vx.name).map(({ mac, dst }) => ({ mac, dst }));
  const local = vx.vxlan?.local ?? null;
  const peers = [...new Set(forwarding.map((f) => f.dst))].sort();
  return {
    ...bridge,
    kind: 'overlay',
    vni: vx.vxlan?.vni ?? null,
    device: vx.name || vxlanName(bridge.name),
    local,
    port: vx.vxlan?.port ?? null,
    // The kernel knows the other hosts by their underlay addresses only.
    hosts: [...(local ? [local] : []), ...peers.filter((p) => p !== local)].map((underlay) => ({ name: null, underlay })),
    forwarding,
  };
}

function containerOf(observed: ObservedState, name: string, endpoints: Map<string, EndpointView[]>, rules: DnatRule[]): ContainerView[] {
  const m = parseMark(observed.netns[name].mark);
  if (!m || (m.kind !== 'netns' && m.kind !== 'netns-attached')) return [];
  // A second name of another container's namespace (container:X): the lo mark names X.
  const shares = m.name !== name;
  const networks = shares ? [] : endpoints.get(name) ?? [];
  return [{
    kind: 'container',
    name,
    spec: m.spec,
    state: 'owned',
    mode: shares ? `container:${m.name}` : networks.length ? 'bridge' : 'none',
    netns: netnsPath(name),
    hostname: null,
    networks,
    // Its spec's rules leading to any of its addresses: they lead to the default route's network only.
    ports: portsTo(rules, m.spec, new Set(networks.flatMap(addressesOf))),
    links: null,
    dns: dnsOf(observed, name),
    changes: [],
  }];
}
