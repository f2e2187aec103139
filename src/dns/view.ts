// Every spec's records as one index for answering: names per network, who asks from which address, reverse names.

import type { DnsEndpoint, DnsRecords } from '../model/dns.js';
import { SortedMap } from './sorted.js';

/** A container as the server sees it when it asks. */
export interface Querier {
  name: string;
  /** What the container sees, shared by the many containers that see alike. */
  profile: Profile;
}

/**
 * Containers with the same profile get the same answers from the view: the same networks, no links, upstreams
 * or none. Answers are cached per profile (its `scope`), so ten thousand containers share the entries, and
 * the lists are kept once.
 */
export interface Profile {
  /** Its networks with DNS, in records order: after the network a query arrived on, names are sought there. */
  networks: readonly string[];
  /** Its `--link` aliases (lowercased) → the target container's name. */
  links: ReadonlyMap<string, string>;
  upstreams: readonly string[];
  /** Names the profile; a container with links has one of its own. */
  scope: string;
}

/** The addresses a name has on one network: one (most names), or several in records order. */
export type Held = string | readonly string[];

export interface NetworkView {
  name: string;
  /** The name lowercased: `<name>.<network>` matches it whatever the case. */
  domain: string;
  /** Where the server listens for this network. */
  address: string;
  /** A name (lowercased, no trailing dot) → the address of each container holding it here. */
  names: SortedMap<Held>;
  /** A container's address here → the container: who asks, and whose PTR `<container>.<network>` it is. */
  queriers: ReadonlyMap<string, Querier>;
  /**
   * On a dual-stack network, a container's IPv4 address here → its IPv6 address here: the names hold IPv4
   * addresses, and AAAA maps them, so that IPv6 costs an entry per container instead of a second index of names.
   */
  ip6Of: SortedMap<string>;
  /**
   * A container's IPv6 address here → the container, as `queriers`: sorted arrays, not a Map, since it is asked
   * only for ip6.arpa names and by askers from IPv6 addresses (the server listens on IPv4 gateways).
   */
  queriers6: SortedMap<Querier>;
}

export interface DnsView {
  networks: ReadonlyMap<string, NetworkView>;
  /** A listening address → its network: the network a query arrived on. */
  atAddress: ReadonlyMap<string, NetworkView>;
  /** The listening addresses, in records order. */
  addresses: readonly string[];
  containers: number;
}

/** Mutable only while the view is built; the view's names are then sorted into a SortedMap. */
interface Building {
  name: string;
  domain: string;
  address: string;
  names: Map<string, Held>;
  queriers: Map<string, Querier>;
  ip6Of: Map<string, string>;
  queriers6: Map<string, Querier>;
}

/** Most containers have no link: they share one empty map instead of ten thousand. */
const NO_LINKS: ReadonlyMap<string, string> = new Map();
/** IPv4-only networks share one empty index. */
const NONE: SortedMap<never> = SortedMap.from(new Map<string, never>());

/** A name as looked up: DNS names match whatever their case, and `web.` is `web`. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Where the server listens for these records: each network's address, the first spec's for a network in several. */
export function listenAddresses(records: readonly DnsRecords[]): string[] {
  const seen = new Map<string, string>();
  for (const r of records) for (const n of r.networks) if (!seen.has(n.name)) seen.set(n.name, n.address);
  return [...new Set(seen.values())];
}

/**
 * Specs' networks and containers merge (bridge and container names are unique on a host). An endpoint on a
 * network without DNS (not listed among the networks) is left out: nothing listens there. Lists most
 * containers have alike (their networks, their upstreams) are kept once: ten thousand containers' records
 * must fit in a few megabytes.
 */
export function buildView(records: readonly DnsRecords[]): DnsView {
  const networks = new Map<string, Building>();
  for (const r of records) for (const n of r.networks) if (!networks.has(n.name)) networks.set(n.name, emptyNetwork(n.name, n.address));
  const profiles = new Map<string, Profile>();
  let containers = 0;
  for (const r of records) {
    for (const c of r.containers) {
      const endpoints = c.endpoints.filter((e) => networks.has(e.network));
      const querier = { name: c.name, profile: profileOf(profiles, c.name, endpoints.map((e) => e.network), c.links, c.upstreams) };
      for (const e of endpoints) addEndpoint(networks.get(e.network)!, querier, e, [c.name, ...e.names]);
      containers++;
    }
  }
  const built = new Map([...networks].map(([name, n]) => [name, { ...n, names: SortedMap.from(n.names), ip6Of: sorted(n.ip6Of), queriers6: sorted(n.queriers6) }]));
  const atAddress = new Map([...built.values()].map((n) => [n.address, n]));
  return { networks: built, atAddress, addresses: [...atAddress.keys()], containers };
}

/** The profile of a container, the one already made for containers that see alike. */
function profileOf(
  made: Map<string, Profile>,
  name: string,
  networks: readonly string[],
  links: readonly { alias: string; target: string }[],
  upstreams: readonly string[],
): Profile {
  // A container with links sees names no other does: its profile is its own.
  const scope = `${links.length > 0 ? `=${name}` : networks.join(' ')}\n${upstreams.join(' ')}`;
  const kept = made.get(scope);
  if (kept !== undefined) return kept;
  const linkMap = links.length === 0 ? NO_LINKS : new Map(links.map((l) => [canonicalName(l.alias), l.target]));
  const profile: Profile = { networks, links: linkMap, upstreams: [...upstreams], scope };
  made.set(scope, profile);
  return profile;
}

const sorted = <V>(map: ReadonlyMap<string, V>): SortedMap<V> => (map.size === 0 ? NONE : SortedMap.from(map));

function emptyNetwork(name: string, address: string): Building {
  return { name, domain: name.toLowerCase(), address, names: new Map(), queriers: new Map(), ip6Of: new Map(), queriers6: new Map() };
}

function addEndpoint(net: Building, querier: Querier, { ip, ip6 }: DnsEndpoint, names: readonly string[]): void {
  net.queriers.set(ip, querier);
  if (ip6 !== undefined) {
    net.ip6Of.set(ip, ip6);
    net.queriers6.set(ip6, querier);
  }
  for (const name of new Set(names.map(canonicalName))) {
    const held = net.names.get(name);
    if (held === undefined) net.names.set(name, ip);
    else if (typeof held === 'string') held !== ip && net.names.set(name, [held, ip]);
    else if (!held.includes(ip)) (held as string[]).push(ip);
  }
}

/** Held addresses as a list. */
export const addressesOf = (held: Held): readonly string[] => (typeof held === 'string' ? [held] : held);

/**
 * The addresses of `name` on one network: a name held there, or `<name>.<network>` as Docker resolves it
 * (any name held there, under the network's name).
 */
export function namesIn(net: NetworkView, name: string): Held | undefined {
  const held = net.names.get(name);
  if (held !== undefined) return held;
  const suffix = net.domain.length + 1;
  if (name.length > suffix && name.endsWith(net.domain) && name[name.length - suffix] === '.') {
    return net.names.get(name.slice(0, -suffix));
  }
  return undefined;
}

/** The address of container `target` on one network, found by its name among those held there. */
export function addressOf(net: NetworkView, target: string): string | undefined {
  const held = net.names.get(canonicalName(target));
  return held === undefined ? undefined : addressesOf(held).find((ip) => net.queriers.get(ip)?.name === target);
}

/** Whether some network of the host holds the name: asked from elsewhere, it is NXDOMAIN, never forwarded. */
export function knownOnHost(view: DnsView, name: string): boolean {
  for (const net of view.networks.values()) if (namesIn(net, name) !== undefined) return true;
  return false;
}

/** The container at an address (IPv4 or IPv6) on one network, or undefined (the host, or a stranger). */
export function querierAt(net: NetworkView, ip: string): Querier | undefined {
  return net.queriers.get(ip) ?? (ip.includes(':') ? net.queriers6.get(ip) : undefined);
}

/** The IPv6 addresses, on one network, of the containers holding these IPv4 addresses there. */
export function addresses6(net: NetworkView, held: Held): string[] {
  const out: string[] = [];
  if (net.ip6Of.size === 0) return out;
  for (const ip of addressesOf(held)) {
    const ip6 = net.ip6Of.get(ip);
    if (ip6 !== undefined) out.push(ip6);
  }
  return out;
}

/** Whether the address (IPv4 or IPv6) is a container's on some network of the host. */
export function containerOnHost(view: DnsView, ip: string): boolean {
  for (const net of view.networks.values()) if (querierAt(net, ip) !== undefined) return true;
  return false;
}
