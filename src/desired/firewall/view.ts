// Resolves the firewall input into per-bridge groups with normalised published ports, sorted for stable rules,
// for one address family: IPv6's view has the dual-stack bridges only, with their IPv6 subnets and addresses.

import type { FwFamily } from '../../model/firewall.js';
import type { FirewallInput, FwBridge, FwContainer, FwPort, FwProto } from './input.js';

export interface Published {
  container: FwContainer;
  port: FwPort; // hostIp normalised: null for every address
}

export interface BridgeView {
  family: FwFamily;
  /** For IPv6, `subnet` and `gateway` are the bridge's IPv6 ones. */
  bridge: FwBridge;
  /** For IPv6, `ip` is the container's IPv6 address; containers without one are not in the view. */
  containers: FwContainer[];
  /** Empty on internal bridges: Docker publishes no port on an internal network. */
  published: Published[];
  /** Container name → the distinct (container port, proto) pairs it serves through published ports. */
  served: ReadonlyMap<string, ServedPort[]>;
}

export interface ServedPort {
  port: number;
  proto: FwProto;
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The port as one family publishes it, or null when it does not: an address is of one family, `0.0.0.0`
 * and `::` are every address of theirs, none is every address of both unless `family` narrows it.
 */
export function normalisePort(p: FwPort, family: FwFamily): FwPort | null {
  if (p.hostIp !== null && p.hostIp !== '') {
    if (p.hostIp.includes(':') !== (family === 6)) return null;
    return p.hostIp === '0.0.0.0' || p.hostIp === '::' ? { ...p, hostIp: null } : p;
  }
  if (p.family !== undefined && p.family !== family) return null;
  return p.hostIp === null ? p : { ...p, hostIp: null };
}

function publishedOf(c: FwContainer, family: FwFamily): Published[] {
  const seen = new Set<string>();
  const out: Published[] = [];
  for (const raw of c.ports) {
    const port = normalisePort(raw, family);
    const key = port && `${port.hostIp}|${port.hostPort}|${port.proto}`;
    if (!port || !key || seen.has(key)) continue;
    seen.add(key);
    out.push({ container: c, port });
  }
  return out;
}

/** The dual-stack bridges and their containers with IPv6 addresses, as IPv4's view has them. */
function ipv6Input(input: FirewallInput): Pick<FirewallInput, 'bridges' | 'containers'> {
  if (input.ip6tables === false) return { bridges: [], containers: [] };
  const bridges = input.bridges.flatMap((b) => (b.subnet6 && b.gateway6 ? [{ ...b, subnet: b.subnet6, gateway: b.gateway6 }] : []));
  if (bridges.length === 0) return { bridges, containers: [] };
  const containers = input.containers.flatMap((c) => (c.ip6 ? [{ ...c, ip: c.ip6 }] : []));
  return { bridges, containers };
}

export function bridgeViews(input: FirewallInput, family: FwFamily = 4): BridgeView[] {
  const source = family === 4 ? input : ipv6Input(input);
  const containers = [...source.containers].sort(byName);
  return [...source.bridges].sort(byName).map((bridge) => {
    const mine = containers.filter((c) => c.bridge === bridge.name);
    const published = bridge.internal ? [] : mine.flatMap((c) => publishedOf(c, family));
    return { family, bridge, containers: mine, published, served: servedPorts(published) };
  });
}

/** Grouped once per bridge: a scan of every published port for each container grows with N². */
function servedPorts(published: Published[]): Map<string, ServedPort[]> {
  const seen = new Map<string, Map<string, ServedPort>>();
  for (const p of published) {
    const mine = seen.get(p.container.name) ?? new Map<string, ServedPort>();
    seen.set(p.container.name, mine);
    mine.set(`${p.port.containerPort}/${p.port.proto}`, { port: p.port.containerPort, proto: p.port.proto });
  }
  return new Map([...seen].map(([name, ports]) => [name, [...ports.values()]]));
}

export const isLoopback = (ip: string | null): boolean => ip !== null && ip.startsWith('127.');

/**
 * A port on every host address answers on 127.0.0.1 too, as Docker's proxy does (`curl localhost:8080`).
 * IPv4 only: nothing carries ::1 to a container (see ownership/chains.ts, NAT_JUMPS6).
 */
export const reachesLoopback = (ip: string | null): boolean => ip === null || isLoopback(ip);
