// Spec + allocation → the flat, resolved input the firewall rules are computed from.

import type { FirewallInput, FwContainer } from '../firewall/input.js';
import type { ContainerSpec, Spec } from '../model/spec.js';
import { effectivePorts, portKey, type Allocation } from './allocate.js';
import { hostIfName } from './marks.js';
import { rootOf } from './desired.js';

export function firewallInput(spec: Spec, alloc: Allocation): FirewallInput {
  return {
    spec: spec.name,
    ipMasq: spec.host.ipMasq,
    bridges: Object.values(spec.bridges).map((b) => ({
      name: b.name,
      subnet: b.subnet,
      gateway: b.gateway,
      icc: b.icc,
      internal: b.internal,
    })),
    containers: Object.values(spec.containers).flatMap((c) => container(spec, c, alloc)),
  };
}

function container(spec: Spec, c: ContainerSpec, alloc: Allocation): FwContainer[] {
  if (c.network.kind !== 'bridge') return [];
  return [{
    name: c.name,
    bridge: c.network.bridge,
    ip: alloc.ips[c.name],
    hostIf: hostIfName(spec.name, c.name, c.network.bridge),
    ports: effectivePorts(c).map((p, i) => ({
      hostIp: p.hostIp,
      hostPort: p.hostPort ?? alloc.hostPorts[portKey(c.name, p.proto, p.containerPort, i)],
      containerPort: p.containerPort,
      proto: p.proto,
    })),
    expose: c.expose.map((e) => ({ port: e.port, proto: e.proto })),
    // A link to a container:X member is a link to the namespace owner's endpoint.
    links: c.links.map((l) => rootOf(spec, spec.containers[l.target]).name),
  }];
}
