// The inspect view with a spec: each bridge, overlay and container it declares, joined with what the kernel
// holds of it, and whether the kernel matches. A network's settings are the spec's (as Docker's network
// inspect shows its IPAM config); addresses, MACs, veths, ports and resolv.conf are the kernel's.

import type { Action } from '../model/action.js';
import type { DesiredEndpoint, DesiredState } from '../model/desired.js';
import type { ObservedLink, ObservedState } from '../model/observed.js';
import type { BridgeSpec, ContainerSpec, Spec } from '../model/spec.js';
import { netnsPath } from '../ownership/paths.js';
import { vxlanName } from '../ownership/marks.js';
import { concernsBridge, concernsContainer } from './changes.js';
import { addressesOf, dnsOf, insideEnd, linksByName, memberOf } from './kernel.js';
import { desiredDnat, formatPort, observedDnat, portKey, portsTo, withChosen, type DnatRule } from './ports.js';
import type { BridgeView, ContainerView, EndpointView, InspectObject, InspectState, OverlayView } from './view.js';

export interface JoinInputs {
  spec: Spec;
  desired: DesiredState;
  observed: ObservedState;
  /** The plan from `desired` to `observed`. */
  actions: readonly Action[];
  /** An action as a plan line (`+ netns web`): the caller's, which renders plans. */
  line: (a: Action) => string;
}

/** Bridges and overlays, then containers, in the spec's order. */
export function joinedObjects(i: JoinInputs): InspectObject[] {
  const links = linksByName(i.observed);
  const wanted = new Map<string, DesiredEndpoint[]>();
  for (const e of i.desired.endpoints) wanted.set(e.container, [...(wanted.get(e.container) ?? []), e]);
  const endpoints = new Map<string, EndpointView[]>();
  for (const [name, list] of wanted) {
    const c = i.spec.containers[name];
    endpoints.set(name, list.map((e) => endpointOf(i.observed, links, e, c?.networks.find((n) => n.network === e.bridge)?.aliases ?? [])));
  }
  const rules = { observed: observedDnat(i.observed.firewall), desired: desiredDnat(i.desired.firewall) };
  return [
    ...Object.values(i.spec.bridges).map((b) => bridgeOf(i, links, b, endpoints)),
    ...Object.values(i.spec.containers).map((c) => containerOf(i, c, wanted.get(c.name) ?? [], endpoints.get(c.name) ?? [], rules)),
  ];
}

/**
 * The kernel's side of a desired endpoint. A namespace not entered (its host veth's seal vouches for it)
 * holds what the seal says, which is what the spec asks.
 */
function endpointOf(observed: ObservedState, links: Map<string, ObservedLink>, e: DesiredEndpoint, aliases: string[]): EndpointView {
  const host = links.get(e.hostIf);
  const vouched = observed.netns[e.netns]?.read === false && host?.alias === e.seal;
  const inside = vouched ? null : insideEnd(observed, e.netns, host, e.ifname);
  return {
    network: e.bridge,
    interface: vouched ? e.ifname : inside?.name ?? null,
    ipv4: vouched ? e.address : inside?.addrs[0] ?? null,
    ipv6: vouched ? e.address6 ?? null : inside?.addrs6?.[0] ?? null,
    gateway: e.gateway,
    gateway6: e.gateway6 ?? null,
    mac: vouched ? e.mac : inside?.mac ?? null,
    hostVeth: host ? e.hostIf : null,
    aliases,
  };
}

function stateOf(missing: boolean, changes: string[]): InspectState {
  return missing ? 'missing' : changes.length ? 'differs' : 'in sync';
}

function bridgeOf(i: JoinInputs, links: Map<string, ObservedLink>, b: BridgeSpec, endpoints: Map<string, EndpointView[]>): BridgeView | OverlayView {
  const link = links.get(b.name);
  const changes = i.actions.filter((a) => concernsBridge(a, b.name)).map(i.line);
  const members = [...endpoints].flatMap(([name, list]) => list.filter((e) => e.network === b.name).map((e) => memberOf(name, e)));
  const bridge: BridgeView = {
    kind: 'bridge',
    name: b.name,
    spec: i.spec.name,
    state: stateOf(!link, changes),
    subnet: b.subnet,
    gateway: b.gateway,
    subnet6: b.subnet6,
    gateway6: b.gateway6,
    mtu: link?.mtu ?? null,
    mac: link?.mac ?? null,
    icc: b.icc,
    internal: b.internal,
    external: b.external,
    uplink: b.uplink,
    containers: members,
    changes,
  };
  if (!b.overlay) return bridge;
  const device = vxlanName(b.name);
  const vx = i.desired.vxlans.find((v) => v.bridge === b.name);
  const hosts = Object.entries(i.spec.overlays[b.name]?.hosts ?? {}).map(([name, h]) => ({ name, underlay: h.underlay }));
  return {
    ...bridge,
    kind: 'overlay',
    state: stateOf(!link || !links.has(device), changes),
    vni: b.overlay.vni,
    device,
    local: b.overlay.local,
    port: vx?.port ?? null,
    hosts,
    forwarding: i.observed.fdb.filter((f) => f.dev === device).map(({ mac, dst }) => ({ mac, dst })),
  };
}

/** `wanted`: its desired endpoints; `networks`: what the kernel holds of them. */
function containerOf(i: JoinInputs, c: ContainerSpec, wanted: DesiredEndpoint[], networks: EndpointView[], rules: { observed: DnatRule[]; desired: DnatRule[] }): ContainerView {
  const hasNetns = c.network.kind !== 'host';
  const hostVeths = new Set(wanted.map((e) => e.hostIf));
  // Where its rules lead: the addresses the kernel holds and those the spec asks (they differ before an apply).
  const asked = wanted.flatMap((e) => addressesOf({ ipv4: e.address, ipv6: e.address6 ?? null }));
  const ips = new Set([...networks.flatMap(addressesOf), ...asked]);
  const ports = withChosen(portsTo(rules.observed, i.spec.name, ips), c);
  const changes = [
    ...i.actions.filter((a) => hasNetns && concernsContainer(a, c.name, hostVeths)).map(i.line),
    ...portChanges(portsTo(rules.desired, i.spec.name, ips), ports),
  ];
  const missing = (hasNetns && !i.observed.netns[c.name]) || networks.some((e) => e.hostVeth === null);
  return {
    kind: 'container',
    name: c.name,
    spec: i.spec.name,
    state: stateOf(missing, changes),
    mode: c.network.kind === 'container' ? `container:${c.network.target}` : c.network.kind,
    netns: hasNetns ? netnsPath(c.name) : null,
    hostname: c.hostname,
    networks,
    ports,
    links: c.links.map((l) => ({ target: l.target, alias: l.alias })),
    dns: hasNetns ? dnsOf(i.observed, c.name) : null,
    changes,
  };
}

/** The ports the rules would publish that the kernel lacks, and those it holds that it would drop, as plan lines. */
function portChanges(wanted: ReturnType<typeof portsTo>, held: ReturnType<typeof portsTo>): string[] {
  const have = new Set(held.map(portKey));
  const want = new Set(wanted.map(portKey));
  return [
    ...wanted.filter((p) => !have.has(portKey(p))).map((p) => `+ publish ${formatPort(p)}`),
    ...held.filter((p) => !want.has(portKey(p))).map((p) => `- publish ${formatPort(p)}`),
  ];
}
