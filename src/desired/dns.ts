// The names tnet's DNS server answers for a spec, and the resolver a container with DNS is given.

import type { DesiredDns } from '../model/dns.js';
import type { BridgeSpec, ContainerSpec, Spec } from '../model/spec.js';
import { dnsRecordsPath } from '../ownership/paths.js';
import { DEFAULT_BRIDGE } from '../spec/normalize.js';
import { containersOf, rootOf } from '../spec/lookup.js';
import { contains, parseCidr, parseIpv4 } from '../util/ipv4.js';
import { endpointKey } from '../ownership/marks.js';
import type { Allocation } from './allocate.js';
import { upstreamsFor, type HostResolv } from './netns-files.js';
import { Memo } from '../util/memo.js';
import { LastValue } from '../util/last-value.js';
import { ListMemo } from '../util/list-memo.js';

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

/**
 * The records as text, one container a line: built as a string, not stringified from objects, since ten thousand
 * containers' records are desired on every reconcile (an object per endpoint cost tens of ms there).
 */
export function desiredDns(spec: Spec, alloc: Allocation, host: HostResolv, memo: DnsLines | null = null): DesiredDns | null {
  const withDns = new Map(Object.values(spec.bridges).filter(hasDns).map((b) => [b.name, b]));
  if (withDns.size === 0) return null;
  const networks = JSON.stringify([...withDns.values()].map((b) => ({ name: b.name, address: b.gateway })));
  const hostUpstreams = JSON.stringify(upstreamsFor([], host));
  const line = (c: ContainerSpec) => (c.network.kind === 'bridge' ? containerLine(spec, c, alloc, withDns, c.dns.length ? null : hostUpstreams, host) : null);
  const inputs = [spec.name, [...withDns.values()], alloc.ips, alloc.ips6, JSON.stringify(host)];
  const all = memo ? memo.lines(containersOf(spec), inputs, (c) => linksKey(spec, c), line) : containersOf(spec).map(line);
  const lines = all.filter((l): l is string => l !== null);
  const text = () => `{"spec":${JSON.stringify(spec.name)},"networks":${networks},"containers":[\n${lines.join(',\n')}\n]}\n`;
  // Lines that are the last pass's, one by one: the text too (a megabyte at ten thousand containers).
  const records = memo ? memo.text.get([spec.name, networks, lines], text) : text();
  return { records, path: dnsRecordsPath(spec.name) };
}

/**
 * One container's record (a DnsContainer), or null without a network with DNS. container:X shares X's
 * namespace: its queries come from X's address and are X's; it has no name of its own, and no line.
 */
function containerLine(
  spec: Spec, c: ContainerSpec, alloc: Allocation, withDns: Map<string, BridgeSpec>, hostUpstreams: string | null, host: HostResolv,
): string | null {
  const endpoints: string[] = [];
  const nets: BridgeSpec[] = [];
  c.networks.forEach((n, i) => {
    const b = withDns.get(n.network);
    const key = b ? endpointKey(c.name, n.network, i) : '';
    const ip = b ? alloc.ips[key] : undefined;
    if (!b || !ip) return;
    nets.push(b);
    const names = n.aliases.length === 0 && c.hostname === c.name ? [c.name] : [...new Set([c.name, c.hostname, ...n.aliases])];
    // Only on a dual-stack network: an IPv4-only one's records stay as they were, byte for byte (and a lookup
    // that misses, 10,000 times, costs more than the whole line).
    const ip6 = b.subnet6 ? alloc.ips6[key] : undefined;
    endpoints.push(`{"network":${JSON.stringify(n.network)},"ip":"${ip}",${ip6 ? `"ip6":"${ip6}",` : ''}"names":${JSON.stringify(names)}}`);
  });
  if (nets.length === 0) return null;
  const links = c.links.map((l) => ({ alias: l.alias, target: rootOf(spec, spec.containers[l.target]).name }));
  const internalOnly = c.networks.every((n) => withDns.get(n.network)?.internal ?? false);
  const up = hostUpstreams !== null && !internalOnly ? hostUpstreams : JSON.stringify(upstreams(c, nets, internalOnly, host));
  return `{"name":${JSON.stringify(c.name)},"endpoints":[${endpoints.join(',')}],"links":${JSON.stringify(links)},"upstreams":${up}}`;
}

/**
 * A container only on internal networks gets no way out through tnet's server either (as Docker since
 * CVE-2024-29018): only its own `dns:` servers inside those networks.
 */
function upstreams(c: ContainerSpec, nets: BridgeSpec[], internalOnly: boolean, host: HostResolv): string[] {
  if (!internalOnly) return upstreamsFor(c.dns, host);
  const inside = nets.map((b) => parseCidr(b.subnet)!);
  return c.dns.filter((ip) => {
    const n = parseIpv4(ip);
    return n !== null && inside.some((s) => contains(s, n));
  });
}

/** Whom a container's links reach: the namespaces' owners, which an edit of another container can change. */
function linksKey(spec: Spec, c: ContainerSpec): string {
  return c.links.length === 0 ? '' : JSON.stringify(c.links.map((l) => [l.alias, rootOf(spec, spec.containers[l.target]).name]));
}

/**
 * Watch mode's: each container's line, found again while the addresses, the networks with DNS and the host's
 * resolvers are as in the last pass (by position, else by identity); a line with links names their targets'
 * namespaces too, which an edit of another container can change.
 */
export class DnsLines {
  private readonly memo = new Memo<ContainerSpec, string | null>();
  private readonly list = new ListMemo<ContainerSpec, string | null>();
  private readonly context = new LastValue<{ id: number }>(16);
  private made = 0;
  readonly text = new LastValue<string>();

  lines(containers: readonly ContainerSpec[], inputs: unknown[], links: (c: ContainerSpec) => string, make: (c: ContainerSpec) => string | null): (string | null)[] {
    const token = this.context.get(inputs, () => ({ id: ++this.made }));
    const each = (c: ContainerSpec) => this.memo.within(token, c, () => `${token.id} ${links(c)}`, () => make(c), c.name);
    return this.list.map(containers, token, each, (c) => c.links.length === 0);
  }
}
