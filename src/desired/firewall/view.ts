// Resolves the firewall input into per-bridge groups with normalised published ports, sorted for stable rules,
// for one address family: IPv6's view has the dual-stack bridges only, with their IPv6 subnets and addresses.

import type { FwFamily } from '../../model/firewall.js';
import type { FirewallInput, FwBridge, FwContainer } from './input.js';
import { PortRulesMemo, type PortRules, type Published, type ServedPort } from './port-rules.js';
import { commentMatch, specOwner } from '../../ownership/rule-owner.js';

export type { Published, ServedPort };

export interface BridgeView {
  family: FwFamily;
  /** For IPv6, `subnet` and `gateway` are the bridge's IPv6 ones. */
  bridge: FwBridge;
  /** For IPv6, `ip` is the container's IPv6 address; containers without one are not in the view. */
  containers: FwContainer[];
  /** Each container's published ports and their rules, in the order of `containers`. */
  ports: PortRules[];
  /** Empty on internal bridges: Docker publishes no port on an internal network. */
  published: Published[];
  /** Container name → the distinct (container port, proto) pairs it serves through published ports. */
  served: ReadonlyMap<string, ServedPort[]>;
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The dual-stack bridges and their containers with IPv6 addresses, as IPv4's view has them. */
function ipv6Input(input: FirewallInput): Pick<FirewallInput, 'bridges' | 'containers'> {
  if (input.ip6tables === false) return { bridges: [], containers: [] };
  const bridges = input.bridges.flatMap((b) => (b.subnet6 && b.gateway6 ? [{ ...b, subnet: b.subnet6, gateway: b.gateway6 }] : []));
  if (bridges.length === 0) return { bridges, containers: [] };
  const containers = input.containers.flatMap((c) => (c.ip6 ? [{ ...c, ip: c.ip6 }] : []));
  return { bridges, containers };
}

/** `memo`: the rules of containers seen before (watch mode keeps one across reconciles). */
export function bridgeViews(input: FirewallInput, family: FwFamily = 4, memo = new PortRulesMemo()): BridgeView[] {
  const source = family === 4 ? input : ipv6Input(input);
  const comment = commentMatch(specOwner(input.spec));
  // Grouped in one pass: a filter of every container per bridge grows with N × bridges.
  const members = new Map(source.bridges.map((b) => [b.name, [] as FwContainer[]]));
  for (const c of source.containers) members.get(c.bridge)?.push(c);
  return [...source.bridges].sort(byName).map((bridge) => {
    const mine = members.get(bridge.name)!.sort(byName);
    const ports = mine.map((c) => memo.of(c, family, bridge.internal, comment));
    const served = new Map<string, ServedPort[]>();
    mine.forEach((c, i) => ports[i].served.length && served.set(c.name, ports[i].served));
    return { family, bridge, containers: mine, ports, published: ports.flatMap((p) => p.published), served };
  });
}

export const isLoopback = (ip: string | null): boolean => ip !== null && ip.startsWith('127.');

/**
 * A port on every host address answers on 127.0.0.1 too, as Docker's proxy does (`curl localhost:8080`).
 * IPv4 only: nothing carries ::1 to a container (see ownership/chains.ts, NAT_JUMPS6).
 */
export const reachesLoopback = (ip: string | null): boolean => ip === null || isLoopback(ip);
