// Every spec's records as one index for answering: names per network, who asks from which address, reverse names.

import type { DnsRecords } from '../model/dns.js';

/** A container as the server sees it when it asks. */
export interface Querier {
  name: string;
  /** Its networks with DNS, in records order: after the network a query arrived on, names are sought there. */
  networks: readonly string[];
  /** Its `--link` aliases (lowercased) → the target container's name. */
  links: ReadonlyMap<string, string>;
  upstreams: readonly string[];
}

export interface NetworkView {
  name: string;
  /** The name lowercased: `<name>.<network>` matches it whatever the case. */
  domain: string;
  /** Where the server listens for this network. */
  address: string;
  /** A name (lowercased, no trailing dot) → the address of every container holding it here, in records order. */
  names: ReadonlyMap<string, readonly string[]>;
  /** A container's address here → the container: who asks, and whose PTR `<container>.<network>` it is. */
  queriers: ReadonlyMap<string, Querier>;
  /** A container's name → its address here: where a link alias leads. */
  ipOf: ReadonlyMap<string, string>;
}

export interface DnsView {
  networks: ReadonlyMap<string, NetworkView>;
  /** A listening address → its network: the network a query arrived on. */
  atAddress: ReadonlyMap<string, string>;
  /** The listening addresses, in records order. */
  addresses: readonly string[];
  containers: number;
}

/** Mutable only while the view is built; the view hands out the same maps read-only. */
interface Building {
  name: string;
  domain: string;
  address: string;
  names: Map<string, string[]>;
  queriers: Map<string, Querier>;
  ipOf: Map<string, string>;
}

/** Most containers have no link: they share one empty map instead of ten thousand. */
const NO_LINKS: ReadonlyMap<string, string> = new Map();

/** A name as looked up: DNS names match whatever their case, and `web.` is `web`. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Specs' networks and containers merge (bridge and container names are unique on a host). An endpoint on a
 * network without DNS (not listed among the networks) is left out: nothing listens there.
 */
export function buildView(records: readonly DnsRecords[]): DnsView {
  const networks = new Map<string, Building>();
  for (const r of records) for (const n of r.networks) if (!networks.has(n.name)) networks.set(n.name, emptyNetwork(n.name, n.address));
  let containers = 0;
  for (const r of records) {
    for (const c of r.containers) {
      const endpoints = c.endpoints.filter((e) => networks.has(e.network));
      const querier: Querier = {
        name: c.name,
        networks: endpoints.map((e) => e.network),
        links: c.links.length === 0 ? NO_LINKS : new Map(c.links.map((l) => [canonicalName(l.alias), l.target])),
        upstreams: c.upstreams,
      };
      for (const e of endpoints) addEndpoint(networks.get(e.network)!, querier, e.ip, [c.name, ...e.names]);
      containers++;
    }
  }
  const atAddress = new Map([...networks.values()].map((n) => [n.address, n.name]));
  return { networks, atAddress, addresses: [...atAddress.keys()], containers };
}

function emptyNetwork(name: string, address: string): Building {
  return { name, domain: name.toLowerCase(), address, names: new Map(), queriers: new Map(), ipOf: new Map() };
}

function addEndpoint(net: Building, querier: Querier, ip: string, names: readonly string[]): void {
  net.queriers.set(ip, querier);
  net.ipOf.set(querier.name, ip);
  for (const name of new Set(names.map(canonicalName))) {
    const ips = net.names.get(name);
    if (ips === undefined) net.names.set(name, [ip]);
    else if (!ips.includes(ip)) ips.push(ip);
  }
}

/**
 * The addresses of `name` on one network: a name held there, or `<name>.<network>` as Docker resolves it
 * (any name held there, under the network's name).
 */
export function namesIn(net: NetworkView, name: string): readonly string[] | undefined {
  const held = net.names.get(name);
  if (held !== undefined) return held;
  const suffix = net.domain.length + 1;
  if (name.length > suffix && name.endsWith(net.domain) && name[name.length - suffix] === '.') {
    return net.names.get(name.slice(0, -suffix));
  }
  return undefined;
}

/** Whether some network of the host holds the name: asked from elsewhere, it is NXDOMAIN, never forwarded. */
export function knownOnHost(view: DnsView, name: string): boolean {
  for (const net of view.networks.values()) if (namesIn(net, name) !== undefined) return true;
  return false;
}

/** Whether the address is a container's on some network of the host. */
export function containerOnHost(view: DnsView, ip: string): boolean {
  for (const net of view.networks.values()) if (net.queriers.has(ip)) return true;
  return false;
}
