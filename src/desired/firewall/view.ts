// Resolves the firewall input into per-bridge groups with normalised published ports, sorted for stable rules.

import type { FirewallInput, FwBridge, FwContainer, FwPort, FwProto } from './input.js';

export interface Published {
  container: FwContainer;
  port: FwPort; // hostIp normalised: null for every address
}

export interface BridgeView {
  bridge: FwBridge;
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

/** 0.0.0.0 means every address; IPv6 host addresses are not iptables' business (ip6tables is not written). */
function normalisePort(p: FwPort): FwPort | null {
  if (p.hostIp !== null && p.hostIp.includes(':')) return null;
  const hostIp = p.hostIp === null || p.hostIp === '' || p.hostIp === '0.0.0.0' ? null : p.hostIp;
  return { ...p, hostIp };
}

function publishedOf(c: FwContainer): Published[] {
  const seen = new Set<string>();
  const out: Published[] = [];
  for (const raw of c.ports) {
    const port = normalisePort(raw);
    const key = port && `${port.hostIp}|${port.hostPort}|${port.proto}`;
    if (!port || !key || seen.has(key)) continue;
    seen.add(key);
    out.push({ container: c, port });
  }
  return out;
}

export function bridgeViews(input: FirewallInput): BridgeView[] {
  const containers = [...input.containers].sort(byName);
  return [...input.bridges].sort(byName).map((bridge) => {
    const mine = containers.filter((c) => c.bridge === bridge.name);
    const published = bridge.internal ? [] : mine.flatMap(publishedOf);
    return { bridge, containers: mine, published, served: servedPorts(published) };
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

/** A port on every host address answers on 127.0.0.1 too, as Docker's proxy does (`curl localhost:8080`). */
export const reachesLoopback = (ip: string | null): boolean => ip === null || isLoopback(ip);
