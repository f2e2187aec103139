// Spec + allocation → the flat, resolved input the firewall rules are computed from.

import type { FirewallInput, FwContainer } from './firewall/input.js';
import type { ContainerSpec, Spec } from '../model/spec.js';
import { effectivePorts, portKey, type Allocation } from './allocate.js';
import { endpointKey } from '../ownership/marks.js';
import { containersOf, rootOf } from '../spec/lookup.js';
import type { DesireCache } from './cache.js';
import { hasDns } from './dns.js';
import { joined } from '../util/joined.js';

export function firewallInput(spec: Spec, alloc: Allocation, cache: DesireCache): FirewallInput {
  // Everything a container without links takes from beyond it, as in the last pass or not (Memo.within).
  const token = cache.remembers ? cache.firewallContext.get([spec.name, alloc.ips, alloc.ips6, alloc.hostIfs, alloc.hostPorts], () => ({})) : null;
  return {
    spec: spec.name,
    ipMasq: spec.host.ipMasq,
    ip6tables: spec.host.ip6tables,
    bridges: Object.values(spec.bridges).map((b) => ({
      name: b.name,
      subnet: b.subnet,
      gateway: b.gateway,
      icc: b.icc,
      internal: b.internal,
      external: b.external,
      dns: hasDns(b),
      overlay: b.overlay !== null,
      subnet6: b.subnet6,
      gateway6: b.gateway6,
    })),
    containers: entriesOf(spec, alloc, cache, token),
  };
}

/** Every container's entries, position by position the last pass's where the container and the token are. */
function entriesOf(spec: Spec, alloc: Allocation, cache: DesireCache, token: object | null): FwContainer[] {
  const each = (c: ContainerSpec) => container(spec, c, alloc, cache, token);
  if (token === null) return joined(containersOf(spec).map(each));
  return cache.joins.firewall.join(cache.firewallLists.map(containersOf(spec), token, each, (c) => c.links.length === 0));
}

/**
 * One entry per endpoint: a container on several bridges is in each bridge's rules with that bridge's address.
 * Ports are published on the default-route network only, as Docker does; links hold on every shared bridge.
 */
function container(spec: Spec, c: ContainerSpec, alloc: Allocation, cache: DesireCache, token: object | null): FwContainer[] {
  if (token === null) return entries(spec, c, alloc, effectivePorts(c));
  // Links reach the owners of other namespaces, which an edit of another container can change.
  if (c.links.length === 0) return cache.firewall.within(token, c, () => firewallKey(spec, c, alloc), () => entries(spec, c, alloc, effectivePorts(c)), c.name);
  return cache.firewall.get(c, firewallKey(spec, c, alloc), () => entries(spec, c, alloc, effectivePorts(c)), c.name);
}

function firewallKey(spec: Spec, c: ContainerSpec, alloc: Allocation): string {
  const ports = effectivePorts(c);
  // Besides the container itself: its addresses and host veth names, the host ports chosen for it, whom its
  // links reach. Built by concatenation, the words joined by spaces as a list would be: arrays of its parts
  // for ten thousand containers cost more than the memo saves.
  let key = spec.name;
  for (let i = 0; i < c.networks.length; i++) {
    const k = endpointKey(c.name, c.networks[i].network, i);
    key += ` ${alloc.ips[k]} ${alloc.ips6[k] ?? '-'} ${alloc.hostIfs[k]}`;
  }
  for (let j = 0; j < ports.length; j++) {
    const p = ports[j];
    key += ` ${p.hostPort === null ? alloc.hostPorts[portKey(c.name, p.proto, p.containerPort, j)] ?? '' : ''}`;
  }
  for (const l of c.links) key += ` ${rootOf(spec, spec.containers[l.target]).name}`;
  return key;
}

function entries(spec: Spec, c: ContainerSpec, alloc: Allocation, ports: ReturnType<typeof effectivePorts>): FwContainer[] {
  const primary = c.network.kind === 'bridge' ? c.network.bridge : null;
  return c.networks.map((e, i) => ({
    name: c.name,
    bridge: e.network,
    ip: alloc.ips[endpointKey(c.name, e.network, i)],
    ip6: alloc.ips6[endpointKey(c.name, e.network, i)] ?? null,
    hostIf: alloc.hostIfs[endpointKey(c.name, e.network, i)],
    ports: e.network !== primary ? [] : ports.map((p, j) => ({
      hostIp: p.hostIp,
      hostPort: p.hostPort ?? alloc.hostPorts[portKey(c.name, p.proto, p.containerPort, j)],
      containerPort: p.containerPort,
      proto: p.proto,
      ...(p.family ? { family: p.family } : {}),
    })),
    expose: c.expose.map((x) => ({ port: x.port, proto: x.proto })),
    // A link to a container:X member is a link to the namespace owner's endpoint.
    links: c.links.map((l) => rootOf(spec, spec.containers[l.target]).name),
  }));
}
