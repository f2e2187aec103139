// Resolves the firewall input into per-bridge groups with normalised published ports, sorted for stable rules,
// for one address family: IPv6's view has the dual-stack bridges only, with their IPv6 subnets and addresses.

import type { CausedRule, FwFamily } from '../../model/firewall.js';
import type { FirewallInput, FwBridge, FwContainer } from './input.js';
import type { PortRules, Published, ServedPort } from './port-rules.js';
import { FirewallMemo } from './memo.js';
import { commentMatch, specOwner } from '../../ownership/rule-owner.js';
import { joined } from '../../util/joined.js';

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
  /** The rules of the bridge's per-port chains in order (DNATs, hairpin masquerades, accepts), made with the view. */
  dnat: CausedRule[];
  hairpin: CausedRule[];
  accepts: CausedRule[];
  /** The host ends of the containers publishing a port, sorted, once each: they need hairpin mode. */
  hairpinPorts: string[];
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The dual-stack bridges and their containers with IPv6 addresses, as IPv4's view has them. */
function ipv6Input(input: FirewallInput, memo: FirewallMemo): Pick<FirewallInput, 'bridges' | 'containers'> {
  if (input.ip6tables === false) return { bridges: [], containers: [] };
  const bridges = input.bridges.flatMap((b) => (b.subnet6 && b.gateway6 ? [{ ...b, subnet: b.subnet6, gateway: b.gateway6 }] : []));
  if (bridges.length === 0) return { bridges, containers: [] };
  const containers = input.containers.flatMap((c) => (c.ip6 ? [memo.asIpv6(c, c.ip6)] : []));
  return { bridges, containers };
}

/** `memo`: the views and rules of bridges and containers seen before (watch mode keeps one across reconciles). */
export function bridgeViews(input: FirewallInput, family: FwFamily = 4, memo = new FirewallMemo()): BridgeView[] {
  const source = family === 4 ? input : ipv6Input(input, memo);
  const comment = commentMatch(specOwner(input.spec));
  // Grouped in one pass: a filter of every container per bridge grows with N × bridges.
  const members = new Map(source.bridges.map((b) => [b.name, [] as FwContainer[]]));
  for (const c of source.containers) members.get(c.bridge)?.push(c);
  return [...source.bridges].sort(byName).map((bridge) => {
    const listed = members.get(bridge.name)!;
    return memo.view(family, bridge, listed, comment, () => makeView(family, bridge, [...listed].sort(byName), comment, memo));
  });
}

function makeView(family: FwFamily, bridge: FwBridge, mine: FwContainer[], comment: string, memo: FirewallMemo): BridgeView {
  const ports = mine.map((c) => memo.of(c, family, bridge.internal, comment));
  const served = new Map<string, ServedPort[]>();
  mine.forEach((c, i) => ports[i].served.length && served.set(c.name, ports[i].served));
  // Joined by pushes, not flatMap: a bridge of a thousand containers is made again for each port edited.
  const published = joined(ports.map((p) => p.published));
  return {
    family, bridge, containers: mine, ports, served, published,
    dnat: joined(ports.map((p) => p.dnat)),
    hairpin: joined(ports.map((p) => p.hairpin)),
    accepts: joined(ports.map((p) => p.accepts)),
    hairpinPorts: memo.sameList(`${family} ${bridge.name}`, [...new Set(published.map((x) => x.container.hostIf))].sort()),
  };
}

export const isLoopback = (ip: string | null): boolean => ip !== null && ip.startsWith('127.');

/**
 * A port on every host address answers on 127.0.0.1 too, as Docker's proxy does (`curl localhost:8080`).
 * IPv4 only: nothing carries ::1 to a container (see ownership/chains.ts, NAT_JUMPS6).
 */
export const reachesLoopback = (ip: string | null): boolean => ip === null || isLoopback(ip);
