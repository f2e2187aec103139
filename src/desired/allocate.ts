// Address, host-port and host veth name allocation: explicit values first, then what containers already
// hold, then the lowest free.

import { containersOf } from '../spec/lookup.js';
import type { ContainerSpec, EndpointSpec, PortMapping, Spec } from '../model/spec.js';
import { endpointKey } from '../ownership/marks.js';
import { tnetError, type Result, ok, fail } from '../model/errors.js';
import { EPHEMERAL_RANGE } from '../spec/ports.js';
import { broadcast, firstHost, formatIpv4, lastHost, parseCidr, parseIpv4 } from '../util/ipv4.js';
import { hostIfNames, type HeldLinks } from './veth-names.js';
import { allocateIps6 } from './allocate-ipv6.js';
import { networkMembers, pickAddresses, type Member } from './pick-addresses.js';
import { LastValue } from '../util/last-value.js';
import { ListMemo } from '../util/list-memo.js';

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
  /** false: no mapping of the spec leaves its host port to tnet (held.ts knows it), so none is chosen; absent: unknown. */
  chooses?: boolean;
}

const NO_LINKS: HeldLinks = { own: {}, names: [] };

/** What allocate chose apart from host ports: they depend on the containers' networks alone. */
export type Addresses = Omit<Allocation, 'hostPorts'>;

/**
 * Watch mode's, which an edit that leaves every container's networks as they were (a port, a hostname) does
 * not make walk ten thousand endpoints again: the lists it compares are what addresses and names depend on,
 * whole, each kept by position (ListMemo) so that a containers list patched from the last is compared by
 * its patch.
 */
export class AllocateMemo {
  readonly addresses = new LastValue<Result<Addresses>>(64);
  readonly names = new ListMemo<ContainerSpec, string>();
  readonly networks = new ListMemo<ContainerSpec, readonly EndpointSpec[]>();
}

export function allocate(spec: Spec, held: Held, memo: AllocateMemo | null = null): Result<Allocation> {
  const addresses = memo ? memo.addresses.get(addressInputs(spec, held, memo), () => allocateAddresses(spec, held)) : allocateAddresses(spec, held);
  if (!addresses.ok) return addresses;
  const hostPorts = held.chooses === false ? ok({}) : allocatePorts(spec, held.hostPorts, held.taken ?? [], new Set(held.inUse));
  if (!hostPorts.ok) return hostPorts;
  return ok({ ...addresses.value, hostPorts: hostPorts.value });
}

function allocateAddresses(spec: Spec, held: Held): Result<Addresses> {
  const byNetwork = networkMembers(spec);
  const ips = allocateIps(spec, held.ips, byNetwork);
  if (!ips.ok) return ips;
  const ips6 = allocateIps6(spec, held.ips6 ?? {}, byNetwork);
  if (!ips6.ok) return ips6;
  return ok({ ips: ips.value, ips6: ips6.value, hostIfs: hostIfNames(spec, held.links ?? NO_LINKS) });
}

/** Everything allocateAddresses reads: the spec's name and bridges, each container's name and networks in order, what is held. */
function addressInputs(spec: Spec, held: Held, memo: AllocateMemo): unknown[] {
  const containers = containersOf(spec);
  const links = held.links ?? NO_LINKS;
  const names = memo.names.map(containers, memo, (c) => c.name);
  const networks = memo.networks.map(containers, memo, (c) => c.networks);
  return [spec.name, Object.values(spec.bridges), names, networks, held.ips, held.ips6 ?? {}, links.own, links.names];
}

/** The address of a container on one of its networks; null when it is not on that network. */
export function addressOn(c: ContainerSpec, network: string, alloc: Allocation): string | null {
  const key = keyOn(c, network);
  return key === null ? null : alloc.ips[key] ?? null;
}

/** The key of the container's endpoint on a network (endpointKey); null when it is not on that network. */
function keyOn(c: ContainerSpec, network: string): string | null {
  const i = c.networks.findIndex((e) => e.network === network);
  return i < 0 ? null : endpointKey(c.name, network, i);
}

/** The address of the container's default-route network: where its ports are published and links land. */
export function primaryAddress(c: ContainerSpec, alloc: Allocation): string | null {
  return c.network.kind === 'bridge' ? addressOn(c, c.network.bridge, alloc) : null;
}

/** The container's IPv6 address on one of its networks; null when it is not there or the network is IPv4 only. */
export function address6On(c: ContainerSpec, network: string, alloc: Allocation): string | null {
  const key = keyOn(c, network);
  return key === null ? null : alloc.ips6[key] ?? null;
}

/** primaryAddress's IPv6 counterpart: where ports are published on IPv6. */
export function primaryAddress6(c: ContainerSpec, alloc: Allocation): string | null {
  return c.network.kind === 'bridge' ? address6On(c, c.network.bridge, alloc) : null;
}

function allocateIps(spec: Spec, held: Record<string, string>, byNetwork: Map<string, Member[]>): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const b of Object.values(spec.bridges)) {
    const subnet = parseCidr(b.subnet)!;
    const pool = b.ipRange ? parseCidr(b.ipRange)! : subnet;
    // Like Docker's --fixed-cidr, a range is usable whole, its first and last address included: only the
    // subnet's network, broadcast and gateway are never handed out. An overlay host's range is its share of
    // the segment, laid out as a subnet of its own: gateway first, containers after.
    const whole = b.ipRange !== null && !b.overlay;
    const [first, last] = whole ? [pool.network, broadcast(pool)] : [firstHost(pool), lastHost(pool)];
    const picked = pickAddresses(byNetwork.get(b.name) ?? [], held, {
      parse: (t) => {
        const n = parseIpv4(t);
        return n === null ? null : BigInt(n);
      },
      format: (n) => formatIpv4(Number(n)),
      fixed: (e) => e.ip,
      pool: { first: BigInt(pool.network), last: BigInt(broadcast(pool)) },
      first: BigInt(first),
      last: BigInt(last),
      reserved: [subnet.network, broadcast(subnet), parseIpv4(b.gateway)!].map(BigInt),
    });
    if ('exhausted' in picked) {
      return fail(tnetError('pool-exhausted', `no free address left for ${picked.exhausted.name} in ${b.ipRange ?? b.subnet}`, {
        path: `bridges.${b.name}.${b.ipRange ? 'ipRange' : 'subnet'}`,
        hint: 'widen the subnet or ipRange, or give the container an explicit ip',
      }));
    }
    Object.assign(out, picked.picked);
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
  const pending: { key: string; held: string; container: string; proto: string; range: [number, number] }[] = [];
  for (const c of containersOf(spec)) {
    effectivePorts(c).forEach((p, i) => {
      if (p.hostPort === null) pending.push({ key: portKey(c.name, p.proto, p.containerPort, i), held: heldPortKey(c.name, p.proto, p.containerPort), container: c.name, proto: p.proto, range: p.hostRange ?? EPHEMERAL_RANGE });
    });
  }
  // Nothing to choose (every mapping names its host port): the ports in use need not be listed.
  if (pending.length === 0) return ok({});
  const used = new Set<string>(taken);
  for (const c of containersOf(spec)) for (const p of effectivePorts(c)) if (p.hostPort !== null) used.add(`${p.proto}/${p.hostPort}`);
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
