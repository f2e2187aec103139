// The names tnet's DNS server answers for a spec, and the resolver a container with DNS is given.

import type { DesiredDns, DnsContainer, DnsRecords } from '../model/dns.js';
import type { BridgeSpec, ContainerSpec, Spec } from '../model/spec.js';
import { dnsRecordsPath } from '../ownership/paths.js';
import { DEFAULT_BRIDGE } from '../spec/normalize.js';
import { rootOf } from '../spec/lookup.js';
import { contains, parseCidr, parseIpv4 } from '../util/ipv4.js';
import { addressOn, type Allocation } from './allocate.js';
import { upstreamsFor, type HostResolv } from './netns-files.js';

/**
 * Docker's embedded DNS serves user-defined networks only: docker0 keeps links and hosts files. A bridge
 * with an uplink carries the segment's addresses, not a gateway of tnet's to listen on.
 */
export function hasDns(b: BridgeSpec): boolean {
  return b.name !== DEFAULT_BRIDGE && b.uplink === null;
}

/** The networks with DNS a container (the owner of its namespace) is on, in its interface order. */
export function dnsNetworksOf(spec: Spec, c: ContainerSpec): BridgeSpec[] {
  return c.networks.map((n) => spec.bridges[n.network]).filter((b) => b !== undefined && hasDns(b));
}

/**
 * Where a container's resolver points: the gateway of its default route's network when that one has DNS,
 * else of its first network with DNS; null when it has none (hosts files and the upstreams then, as before).
 */
export function dnsServerFor(spec: Spec, c: ContainerSpec): string | null {
  const nets = dnsNetworksOf(spec, c);
  const mode = c.network;
  const primary = mode.kind === 'bridge' ? nets.find((b) => b.name === mode.bridge) : undefined;
  return (primary ?? nets[0])?.gateway ?? null;
}

export function desiredDns(spec: Spec, alloc: Allocation, host: HostResolv): DesiredDns | null {
  const networks = Object.values(spec.bridges).filter(hasDns).map((b) => ({ name: b.name, address: b.gateway }));
  if (networks.length === 0) return null;
  const containers = Object.values(spec.containers).flatMap((c) => dnsContainer(spec, c, alloc, host));
  const records: DnsRecords = { spec: spec.name, networks, containers };
  return { records: `${JSON.stringify(records)}\n`, path: dnsRecordsPath(spec.name) };
}

/** container:X shares X's namespace: its queries come from X's address and are X's; it has no name of its own. */
function dnsContainer(spec: Spec, c: ContainerSpec, alloc: Allocation, host: HostResolv): DnsContainer[] {
  if (c.network.kind !== 'bridge') return [];
  const nets = dnsNetworksOf(spec, c);
  if (nets.length === 0) return [];
  const endpoints = c.networks.flatMap((n) => {
    const ip = nets.some((b) => b.name === n.network) ? addressOn(c, n.network, alloc) : null;
    return ip ? [{ network: n.network, ip, names: [...new Set([c.name, c.hostname, ...n.aliases])] }] : [];
  });
  const links = c.links.map((l) => ({ alias: l.alias, target: rootOf(spec, spec.containers[l.target]).name }));
  return [{ name: c.name, endpoints, links, upstreams: upstreams(c, nets, host) }];
}

/**
 * A container only on internal networks gets no way out through tnet's server either (as Docker since
 * CVE-2024-29018): only its own `dns:` servers inside those networks.
 */
function upstreams(c: ContainerSpec, nets: BridgeSpec[], host: HostResolv): string[] {
  const all = upstreamsFor(c.dns, host);
  if (!c.networks.every((n) => nets.find((b) => b.name === n.network)?.internal ?? false)) return all;
  const inside = nets.map((b) => parseCidr(b.subnet)!);
  return c.dns.filter((ip) => {
    const n = parseIpv4(ip);
    return n !== null && inside.some((s) => contains(s, n));
  });
}
