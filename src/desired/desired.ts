// Spec + what the kernel holds → DesiredState: addresses and ports allocated, then the bridges, namespaces,
// veth pairs, files and rules the kernel should hold.

import type { DesiredBridge, DesiredEndpoint, DesiredFile, DesiredNetns, DesiredState, DesiredVxlan } from '../model/desired.js';
import type { FirewallDesired } from '../model/firewall.js';
import type { BridgeSpec, ContainerSpec, EndpointSpec, Spec } from '../model/spec.js';
import { ETC_NETNS } from '../ownership/paths.js';
import { parseCidr } from '../util/ipv4.js';
import { parseCidr6 } from '../util/ipv6.js';
import { address6On, addressOn, allocate, primaryAddress, primaryAddress6, type Allocation, type Held } from './allocate.js';
import { endpointKey, macForIp, mark, sealAlias, vxlanName } from '../ownership/marks.js';
import { hostsFile, parseResolv, resolvConf, type HostResolv } from './netns-files.js';
import { DesireCache, type AliasIndex } from './cache.js';
import type { ListMemo } from '../util/list-memo.js';
import { joined, type JoinedMemo } from '../util/joined.js';
import { desiredDns, dnsServerFor, hasDns } from './dns.js';
import { firewallInput } from './firewall-input.js';
import { containersOf, rootOf } from '../spec/lookup.js';
import { desiredFirewall, localnetOff } from './firewall/rules.js';
import { ok, type Result } from '../model/errors.js';

export interface DesireInputs {
  spec: Spec;
  /** What the kernel already holds for the spec (held.ts): allocation keeps it. */
  held: Held;
  /** The host's /etc/resolv.conf: containers without `dns:` get its resolvers, as Docker's do. */
  hostResolv: string;
  /** false on a host without iptables whose spec asks for none: no rule at all, not even removals. */
  firewall: boolean;
}

/** The desired stage: spec and what the kernel holds → what the kernel should hold. Pure. */
export function desire({ spec, held, hostResolv, firewall }: DesireInputs, cache: DesireCache = new DesireCache()): Result<DesiredState> {
  const alloc = allocate(spec, held, cache.remembers ? cache.addresses : null);
  if (!alloc.ok) return alloc;
  const rules = firewall ? firewallOf(spec, alloc.value, cache) : null;
  const desired = buildDesired({ spec, alloc: alloc.value, hostResolv, firewall: rules }, cache);
  if (cache.remembers) cache.trim(desired.fileDirs.length);
  return ok(desired);
}

/**
 * With `host.iptables: false` tnet writes no rule: it only removes what an earlier apply of the spec wrote,
 * route_localnet included, which without the loopback DNAT and its martian filter only opens the host's loopback.
 */
function firewallOf(spec: Spec, alloc: Allocation, cache: DesireCache): FirewallDesired {
  if (!spec.host.iptables) {
    return { spec: spec.name, tables: [], sysctls: localnetOff(Object.values(spec.bridges)), hairpinPorts: [] };
  }
  return desiredFirewall(firewallInput(spec, alloc, cache), cache.remembers ? cache.firewallRules : undefined);
}

interface DesiredInputs {
  spec: Spec;
  alloc: Allocation;
  hostResolv: string;
  firewall: FirewallDesired | null;
}

function buildDesired({ spec, alloc, hostResolv, firewall }: DesiredInputs, cache: DesireCache): DesiredState {
  const host = parseResolv(hostResolv);
  const containers = containersOf(spec);
  const withNetns = cache.remembers ? cache.withNetns.filter(containers, hasNetns) : containers.filter(hasNetns);
  const aliases = cache.remembers ? cache.aliases.get(containers, withoutDns(spec), () => aliasIndex(spec, alloc)) : aliasIndex(spec, alloc);
  const bridgeKeys = new Map(Object.values(spec.bridges).map((b) => [b.name, `${b.name}|${b.subnet}|${b.gateway}|${b.subnet6}|${b.gateway6}|${b.mtu}|${b.internal}`]));
  const remembers = cache.remembers;
  // Tokens for what each container's endpoints, or a lone container's files, take from beyond it: the same
  // object while that is as in the last pass (Memo.within, ListMemo).
  const endpointsToken = remembers ? cache.endpointsContext.get([spec.name, alloc.ips, alloc.ips6, alloc.hostIfs, [...bridgeKeys.values()]], () => ({})) : null;
  // Whether any alias is listed is in it too, as `alone` depends on it (an alias edited changes the addresses'
  // inputs, and so the addresses, anyway).
  const filesToken = remembers ? cache.filesContext.get([spec.name, alloc.ips, alloc.ips6, Object.values(spec.bridges), hostResolv, aliases.size === 0], () => ({})) : null;
  const filesContext: FilesContext = { spec, alloc, host, hostKey: hostResolv, aliases, token: filesToken };
  const each = <O>(list: readonly ContainerSpec[], memo: ListMemo<ContainerSpec, O>, token: unknown, f: (c: ContainerSpec) => O, alone?: (c: ContainerSpec) => boolean): O[] =>
    remembers ? memo.map(list, token, f, alone) : list.map(f);
  const lists = cache.lists;
  const join = <U>(memo: JoinedMemo<U>, parts: readonly (readonly U[])[]): U[] => (remembers ? memo.join(parts) : joined(parts));
  return {
    spec: spec.name,
    ipForward: spec.host.ipForward ? true : null,
    // Docker turns IPv6 forwarding on only for IPv6 networks: a host without one keeps its own setting.
    ipForward6: spec.host.ipForward && Object.values(spec.bridges).some((b) => b.subnet6) ? true : null,
    bridges: Object.values(spec.bridges).map((b) => (remembers ? cache.bridges.get(b, spec.name, () => bridge(spec.name, b), b.name) : bridge(spec.name, b))),
    vxlans: Object.values(spec.bridges).flatMap((b) => (remembers ? cache.vxlans.get(b, spec.name, () => vxlan(spec.name, b), b.name) : vxlan(spec.name, b))),
    // The same objects while the container is: a warm pass then knows no namespace changed (reconcile/inside-memo.ts).
    netns: each(withNetns, lists.netns, spec.name, (c) => (remembers ? cache.netns.get(c, `${spec.name} ${c.network.kind === 'container' ? rootOf(spec, c).name : ''}`, () => netns(spec, c), c.name) : netns(spec, c)), ownNamespace),
    endpoints: join(cache.joins.endpoints, each(containers, lists.endpoints, endpointsToken, (c) => endpoints(spec, c, alloc, bridgeKeys, cache, endpointsToken))),
    files: join(cache.joins.files, each(withNetns, lists.files, filesToken, (c) => files(filesContext, c, cache), (c) => alone(c, aliases))),
    fileDirs: each(withNetns, lists.dirs, ETC_NETNS, (c) => `${ETC_NETNS}/${c.name}`),
    firewall,
    dns: desiredDns(spec, alloc, host, remembers ? cache.dns : null),
  };
}

const hasNetns = (c: ContainerSpec): boolean => c.network.kind !== 'host';

/** A namespace of its own: what it is depends on the container alone (container:X follows X). */
const ownNamespace = (c: ContainerSpec): boolean => c.network.kind !== 'container';

/**
 * A container whose files take nothing from the others' fields: no links, its own namespace, no alias to list
 * (whether there is one is in the files' token: ListMemo asks this of the item alone).
 */
const alone = (c: ContainerSpec, aliases: AliasIndex): boolean => c.links.length === 0 && c.network.kind !== 'container' && aliases.size === 0;

function bridge(spec: string, b: Spec['bridges'][string]): DesiredBridge {
  const prefix = parseCidr(b.subnet)!.prefix;
  return {
    name: b.name,
    owned: !b.external,
    mark: mark(spec, 'bridge', b.name),
    // A pinned MAC keeps the gateway's ARP entry valid in every container when ports come and go. With an
    // uplink the bridge takes the uplink's MAC and addresses instead: the gateway is the segment's router.
    mac: b.uplink ? null : macForIp(b.gateway),
    mtu: b.mtu,
    address: b.uplink ? null : `${b.gateway}/${prefix}`,
    address6: b.subnet6 && b.gateway6 ? `${b.gateway6}/${parseCidr6(b.subnet6)!.prefix}` : null,
    subnet: b.subnet,
    uplink: b.uplink,
  };
}

/** VXLAN's registered UDP port (Linux's own default is the older 8472). */
export const VXLAN_PORT = 4789;

function vxlan(spec: string, b: BridgeSpec): DesiredVxlan[] {
  if (!b.overlay) return [];
  const { vni, local, peers } = b.overlay;
  return [{ name: vxlanName(b.name), bridge: b.name, vni, local, port: VXLAN_PORT, mtu: b.mtu, mark: mark(spec, 'vxlan', b.name), peers }];
}

function netns(spec: Spec, c: ContainerSpec): DesiredNetns {
  if (c.network.kind === 'container') return { name: c.name, kind: 'alias', target: rootOf(spec, c).name };
  if (c.netns) return { name: c.name, kind: 'attached', mark: mark(spec.name, 'netns-attached', c.name), source: c.netns };
  return { name: c.name, kind: 'created', mark: mark(spec.name, 'netns', c.name) };
}

/**
 * `bridgeKeys`: what an endpoint takes from its bridge, as a string; with the address and the host end's name
 * (which another endpoint's can change), all it depends on.
 */
function endpoints(spec: Spec, c: ContainerSpec, alloc: Allocation, bridgeKeys: Map<string, string>, cache: DesireCache, token: object | null): DesiredEndpoint[] {
  if (c.network.kind !== 'bridge') return [];
  if (token === null) return c.networks.map((n, i) => endpoint(spec, c, n, i, alloc));
  const key = () => c.networks.map((n, i) => {
    const k = endpointKey(c.name, n.network, i);
    return `${alloc.ips[k]}@${alloc.ips6[k] ?? ''}@${alloc.hostIfs[k]}@${bridgeKeys.get(n.network)}`;
  }).join(' ');
  // Addresses, veth names and bridges as in the last pass: each container found then is found again by identity.
  return cache.endpoints.within(token, c, () => `${spec.name} ${key()}`, () => c.networks.map((n, i) => endpoint(spec, c, n, i, alloc)), c.name);
}

/** One veth pair per network: eth0, eth1 … in declared order; the default route on the `gateway:` network's. */
function endpoint(spec: Spec, c: ContainerSpec, n: EndpointSpec, i: number, alloc: Allocation): DesiredEndpoint {
  const b = spec.bridges[n.network];
  const key = endpointKey(c.name, n.network, i);
  const ip = alloc.ips[key];
  const ip6 = alloc.ips6[key] ?? null;
  const e = {
    container: c.name,
    netns: c.name,
    hostIf: alloc.hostIfs[key],
    ifname: `eth${i}`,
    bridge: b.name,
    address: `${ip}/${parseCidr(b.subnet)!.prefix}`,
    gateway: b.gateway,
    address6: ip6 && b.subnet6 ? `${ip6}/${parseCidr6(b.subnet6)!.prefix}` : null,
    gateway6: ip6 ? b.gateway6 : null,
    mac: n.mac ?? macForIp(ip),
    mtu: c.mtu ?? b.mtu,
    mark: mark(spec.name, 'veth', key),
    // Docker gives containers on an internal network no way out, not even a default route.
    defaultRoute: c.network.kind === 'bridge' && c.network.bridge === b.name && !b.internal,
  };
  const ns = netns(spec, c);
  // IPv4-only endpoints hash exactly what they did before IPv6 existed: their seals still match after an upgrade.
  const inside = [ns, e.ifname, e.address, e.gateway, e.mac, e.mtu, e.defaultRoute, ...(e.address6 ? [e.address6, e.gateway6] : [])];
  return { ...e, seal: sealAlias(e.mark, e.address, ns.kind === 'attached' ? 'netns-attached' : 'netns', inside, e.address6) };
}

/** The address another container reaches this one at, following container:X to the namespace's owner. */
function addressOf(spec: Spec, c: ContainerSpec, alloc: Allocation): string | null {
  return primaryAddress(rootOf(spec, c), alloc);
}

/**
 * A linked container's addresses: on its default network if the linking one is there too, else on one they
 * share; its IPv6 address on the same network, when that one is dual stack.
 */
function linkAddresses(spec: Spec, from: ContainerSpec, to: ContainerSpec, alloc: Allocation): { ip: string | null; ip6: string | null } {
  const target = rootOf(spec, to);
  const mine = new Set(from.networks.map((e) => e.network));
  const primary = target.network.kind === 'bridge' ? target.network.bridge : null;
  const shared = primary && mine.has(primary) ? primary : target.networks.find((e) => mine.has(e.network))?.network;
  const ip = shared ? addressOn(target, shared, alloc) : null;
  if (shared && ip) return { ip, ip6: address6On(target, shared, alloc) };
  return { ip: primaryAddress(target, alloc), ip6: primaryAddress6(target, alloc) };
}

/** The networks whose aliases go to hosts files (those without DNS, see aliasIndex), as one string. */
const withoutDns = (spec: Spec): string => Object.values(spec.bridges).filter((b) => !hasDns(b)).map((b) => b.name).join(' ');

/**
 * Network → the endpoints on it with aliases: built once, not scanned again for every container. Only
 * networks without DNS: on the others tnet's server answers for aliases, and no hosts file changes when a
 * container comes or goes.
 */
function aliasIndex(spec: Spec, alloc: Allocation): AliasIndex {
  const index: AliasIndex = new Map();
  for (const c of containersOf(spec)) {
    for (const e of c.networks) {
      if (hasDns(spec.bridges[e.network])) continue;
      const ip = e.aliases.length ? addressOn(c, e.network, alloc) : null;
      if (ip) index.set(e.network, [...(index.get(e.network) ?? []), { container: c.name, name: e.aliases.join(' '), ip }]);
    }
  }
  return index;
}

/** The aliases of the other containers on the owner's networks, as hosts lines. */
function aliasHosts(owner: ContainerSpec, index: AliasIndex): { name: string; ip: string }[] {
  return owner.networks.flatMap((e) =>
    (index.get(e.network) ?? []).filter((a) => a.container !== owner.name).map(({ name, ip }) => ({ name, ip })),
  );
}

/** What every container's files share in one desire; `hostKey`: the host's resolv.conf as read. */
interface FilesContext {
  spec: Spec;
  alloc: Allocation;
  host: HostResolv;
  hostKey: string;
  aliases: AliasIndex;
  /** Stands for the fields above as in the last pass (DesireCache.filesContext); null: nothing remembered. */
  token: object | null;
}

/**
 * hosts and resolv.conf, looked up when the container and all they take from elsewhere are as before: ten
 * thousand containers' files were written out on every edit, then compared with the files read as new strings.
 */
function files(ctx: FilesContext, c: ContainerSpec, cache: DesireCache): DesiredFile[] {
  if (ctx.token === null) return filesOf(ctx, c).make();
  // What a lone container's files depend on beyond it is what the token stands for.
  let parts: ReturnType<typeof filesOf> | null = null;
  const of = () => (parts ??= filesOf(ctx, c));
  if (alone(c, ctx.aliases)) return cache.files.within(ctx.token, c, () => of().key, () => of().make(), c.name);
  return cache.files.get(c, of().key, () => of().make(), c.name);
}

/** What a container's files are made of, the key naming all of it, and how to write them. */
function filesOf(ctx: FilesContext, c: ContainerSpec): { key: string; make: () => DesiredFile[] } {
  const { spec, alloc, host, aliases } = ctx;
  // container:X shares X's namespace, and with it X's view of names, as Docker does.
  const owner = rootOf(spec, c);
  const ip = addressOf(spec, owner, alloc);
  const ip6 = primaryAddress6(owner, alloc);
  const extra = aliasHosts(owner, aliases);
  const links = owner.links.map((l) => {
    const t = spec.containers[l.target];
    const { ip: lip, ip6: lip6 } = linkAddresses(spec, owner, t, alloc);
    return { ip: lip ?? '', ip6: lip6, alias: l.alias, name: t.name, hostname: rootOf(spec, t).hostname };
  });
  const server = dnsServerFor(spec, owner);
  const make = () => {
    const dir = `${ETC_NETNS}/${c.name}`;
    const hosts = hostsFile({
      mark: mark(spec.name, 'files', c.name),
      ip,
      ip6,
      hostname: owner.hostname,
      extraHosts: [...owner.extraHosts, ...extra],
      links,
    });
    const resolv = resolvConf({ server, dns: owner.dns, search: owner.dnsSearch, options: owner.dnsOptions, host });
    return [
      { path: `${dir}/hosts`, content: hosts },
      { path: `${dir}/resolv.conf`, content: resolv },
    ];
  };
  // Everything the text depends on beyond `c` itself; the owner's own fields when it is another container.
  const others = owner === c && extra.length === 0 && links.length === 0 ? '' : JSON.stringify([owner, extra, links]);
  return { key: `${spec.name} ${ip} ${ip6} ${server} ${others} ${ctx.hostKey}`, make };
}
