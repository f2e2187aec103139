// Address, host-port and host veth name allocation: explicit values first, then what containers already
// hold, then the lowest free.

import type { ContainerSpec, PortMapping, Spec } from '../model/spec.js';
import { endpointKey } from '../ownership/marks.js';
import { tnetError, type Result, ok, fail } from '../model/errors.js';
import { EPHEMERAL_RANGE } from '../spec/ports.js';
import { broadcast, firstHost, formatIpv4, lastHost, parseCidr, parseIpv4, contains } from '../util/ipv4.js';
import { hostIfNames, type HeldLinks } from './veth-names.js';
import { allocateIps6 } from './allocate-ipv6.js';

/**
 * Addresses and host veth names are keyed by endpointKey (the container's name for eth0,
 * `<container>/<network>` for the others); allocated ports by portKey, held ports (read back from the kernel)
 * by heldPortKey.
 */
export interface Allocation {
  ips: Record<string, string>;
  /** IPv6 addresses of the endpoints on dual-stack networks, same keys; absent on the others. */
  ips6: Record<string, string>;
  hostPorts: Record<string, number>;
  hostIfs: Record<string, string>;
}

export interface Held {
  ips: Record<string, string>;
  /** IPv6 addresses the endpoints hold (seals, namespaces); absent: none. */
  ips6?: Record<string, string>;
  hostPorts: Record<string, number>;
  /** `proto/port` host ports other specs on the host already publish: never chosen for this one. */
  taken?: string[];
  /**
   * `proto/port` host ports sockets of the host hold: never chosen anew, but a port chosen earlier stays
   * (its DNAT rule came first; the service that bound it since cannot receive there anyway).
   */
  inUse?: string[];
  /** The host's interfaces, which host veth names keep or avoid (veth-names.ts); absent: none. */
  links?: HeldLinks;
}

const NO_LINKS: HeldLinks = { own: {}, names: [] };

export function allocate(spec: Spec, held: Held): Result<Allocation> {
  const ips = allocateIps(spec, held.ips);
  if (!ips.ok) return ips;
  const ips6 = allocateIps6(spec, held.ips6 ?? {});
  if (!ips6.ok) return ips6;
  const hostPorts = allocatePorts(spec, held.hostPorts, held.taken ?? [], new Set(held.inUse));
  if (!hostPorts.ok) return hostPorts;
  return ok({ ips: ips.value, ips6: ips6.value, hostPorts: hostPorts.value, hostIfs: hostIfNames(spec, held.links ?? NO_LINKS) });
}

/** The endpoints on one bridge, each with its key and fixed address, in the spec's container order. */
type Member = { key: string; name: string; ip: string | null };

/** Every bridge's endpoints, in the spec's order, from one pass over the containers (not one per bridge). */
function bridgeMembers(spec: Spec): Map<string, Member[]> {
  const out = new Map<string, Member[]>();
  for (const c of Object.values(spec.containers)) {
    c.networks.forEach((e, i) => {
      const list = out.get(e.network) ?? [];
      if (list.length === 0) out.set(e.network, list);
      list.push({ key: endpointKey(c.name, e.network, i), name: c.name, ip: e.ip });
    });
  }
  return out;
}

/** The address of a container on one of its networks; null when it is not on that network. */
export function addressOn(c: ContainerSpec, network: string, alloc: Allocation): string | null {
  const i = c.networks.findIndex((e) => e.network === network);
  return i < 0 ? null : alloc.ips[endpointKey(c.name, network, i)] ?? null;
}

/** The address of the container's default-route network: where its ports are published and links land. */
export function primaryAddress(c: ContainerSpec, alloc: Allocation): string | null {
  return c.network.kind === 'bridge' ? addressOn(c, c.network.bridge, alloc) : null;
}

/** The container's IPv6 address on one of its networks; null when it is not there or the network is IPv4 only. */
export function address6On(c: ContainerSpec, network: string, alloc: Allocation): string | null {
  const i = c.networks.findIndex((e) => e.network === network);
  return i < 0 ? null : alloc.ips6[endpointKey(c.name, network, i)] ?? null;
}

/** primaryAddress's IPv6 counterpart: where ports are published on IPv6. */
export function primaryAddress6(c: ContainerSpec, alloc: Allocation): string | null {
  return c.network.kind === 'bridge' ? address6On(c, c.network.bridge, alloc) : null;
}

function allocateIps(spec: Spec, held: Record<string, string>): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  const byBridge = bridgeMembers(spec);
  for (const b of Object.values(spec.bridges)) {
    const subnet = parseCidr(b.subnet)!;
    const pool = b.ipRange ? parseCidr(b.ipRange)! : subnet;
    const taken = new Set<number>([subnet.network, broadcast(subnet), parseIpv4(b.gateway)!]);
    const members = byBridge.get(b.name) ?? [];
    for (const c of members) if (c.ip) taken.add(parseIpv4(c.ip)!);
    const rest: typeof members = [];
    for (const c of members) {
      if (c.ip) out[c.key] = c.ip;
      else {
        // An address once given stays with its container, whatever else is added or removed.
        const prev = held[c.key] ? parseIpv4(held[c.key]) : null;
        if (prev !== null && contains(pool, prev) && !taken.has(prev)) {
          taken.add(prev);
          out[c.key] = held[c.key];
        } else rest.push(c);
      }
    }
    // Like Docker's --fixed-cidr, a range is usable whole, its first and last address included: only the
    // subnet's network, broadcast and gateway (in `taken`) are never handed out. An overlay host's range is
    // its share of the segment, laid out as a subnet of its own: gateway first, containers after.
    const whole = b.ipRange !== null && !b.overlay;
    const [first, last] = whole ? [pool.network, broadcast(pool)] : [firstHost(pool), lastHost(pool)];
    let next = first;
    for (const c of rest) {
      while (next <= last && taken.has(next)) next++;
      if (next > last) {
        return fail(tnetError('pool-exhausted', `no free address left for ${c.name} in ${b.ipRange ?? b.subnet}`, {
          path: `bridges.${b.name}.${b.ipRange ? 'ipRange' : 'subnet'}`,
          hint: 'widen the subnet or ipRange, or give the container an explicit ip',
        }));
      }
      taken.add(next);
      out[c.key] = formatIpv4(next);
    }
  }
  return ok(out);
}

/** The container's mappings, plus with publishAll every exposed port not mapped yet (docker -P). */
export function effectivePorts(c: ContainerSpec): PortMapping[] {
  if (!c.publishAll) return c.ports;
  const mapped = new Set(c.ports.map((p) => `${p.proto}/${p.containerPort}`));
  const extra = c.expose
    .filter((e) => !mapped.has(`${e.proto}/${e.port}`))
    .map((e): PortMapping => ({ hostIp: null, hostPort: null, hostRange: EPHEMERAL_RANGE, containerPort: e.port, proto: e.proto }));
  return [...c.ports, ...extra];
}

export const portKey = (container: string, proto: string, containerPort: number, index: number): string =>
  `${container}/${proto}/${containerPort}/${index}`;

export const heldPortKey = (container: string, proto: string, containerPort: number): string => `${container}/${proto}/${containerPort}`;

function allocatePorts(spec: Spec, held: Record<string, number>, taken: string[], inUse: ReadonlySet<string>): Result<Record<string, number>> {
  const used = new Set<string>(taken);
  const pending: { key: string; held: string; container: string; proto: string; range: [number, number] }[] = [];
  for (const c of Object.values(spec.containers)) {
    effectivePorts(c).forEach((p, i) => {
      if (p.hostPort !== null) used.add(`${p.proto}/${p.hostPort}`);
      else pending.push({ key: portKey(c.name, p.proto, p.containerPort, i), held: heldPortKey(c.name, p.proto, p.containerPort), container: c.name, proto: p.proto, range: p.hostRange ?? EPHEMERAL_RANGE });
    });
  }
  const out: Record<string, number> = {};
  const keep = (key: string, proto: string, port: number) => {
    used.add(`${proto}/${port}`);
    out[key] = port;
  };
  const rest = pending.filter((p) => {
    const prev = held[p.held];
    const fits = prev !== undefined && prev >= p.range[0] && prev <= p.range[1] && !used.has(`${p.proto}/${prev}`);
    if (fits) keep(p.key, p.proto, prev);
    return !fits;
  });
  const free = (proto: string, port: number) => !used.has(`${proto}/${port}`) && !inUse.has(`${proto}/${port}`);
  for (const p of rest) {
    let port = p.range[0];
    while (port <= p.range[1] && !free(p.proto, port)) port++;
    if (port > p.range[1]) {
      return fail(tnetError('port-exhausted', `no free ${p.proto} host port left in ${p.range[0]}-${p.range[1]} for ${p.container}`, {
        path: `containers.${p.container}.ports`,
        hint: 'widen the host port range, or give the mapping an explicit host port',
      }));
    }
    keep(p.key, p.proto, port);
  }
  return ok(out);
}
