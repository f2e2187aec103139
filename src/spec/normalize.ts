// Schema-checked spec → Spec with every Docker default filled in (subnets, gateways, modes, ports).

import { freeze } from 'immer';
import { fail, ok, tnetError, type Result, type TnetError } from '../model/errors.js';
import type { BridgeSpec, ContainerSpec, EndpointSpec, ExtraHost, HostSpec, LinkSpec, NetworkMode, OverlaySpec, Spec } from '../model/spec.js';
import { firstHost, formatCidr, formatIpv4, overlaps, parseCidr, type Cidr } from '../util/ipv4.js';
import { canonicalCidr6, canonicalIpv6, formatIpv6, parseCidr6 } from '../util/ipv6.js';
import { joinPath } from './yaml.js';
import { parseExpose, parsePortMapping } from './ports.js';
import { patchList, patchRecord, recordPatchOf } from '../util/patch.js';
import { didYouMean, type RawBridge, type RawContainer, type RawHost, type RawOverlay, type RawSpec } from './schema.js';

export const DEFAULT_BRIDGE = 'docker0';
export const DOCKER0_SUBNET = '172.17.0.0/16';
export const DEFAULT_MTU = 1500;
/** What VXLAN adds to each frame on the underlay (outer Ethernet, IPv4, UDP, VXLAN headers). */
export const VXLAN_OVERHEAD = 50;
/** Where bridges without a subnet get theirs, a /16 each, as dockerd's default address pools. */
const AUTO_POOL = { first: '172.18.0.0/16', count: 14 };

const MODES = ['bridge', 'none', 'host'];

export function normalize(raw: RawSpec, name: string, memo: NormalForms = new NormalForms()): Result<Spec> {
  const r = normalizeListed(raw, name, memo);
  return r.ok ? ok(r.value.spec) : r;
}

/** A Spec with its containers in spec order, for the stages after: listing a record of 10,000 costs ~5 ms. */
export interface Listed {
  spec: Spec;
  containers: ContainerSpec[];
}

export function normalizeListed(raw: RawSpec, name: string, memo: NormalForms = new NormalForms()): Result<Listed> {
  const errors: TnetError[] = [];
  const host = normalizeHost(raw.host ?? {});
  const bridges = normalizeBridges(raw.bridges ?? {}, host, errors);
  const overlays = normalizeOverlays(raw.overlays ?? {}, host);
  const declared = { bridges: Object.keys(bridges), overlays: Object.keys(overlays) };
  // All a container's normal form depends on besides its own entry: see NormalForms.
  const context = memo.context(JSON.stringify([declared, raw.bridges ?? {}, raw.overlays ?? {}]));
  const entries = raw.containers ?? {};
  const walk = patchedWalk(entries, context, declared, bridges, host, memo, errors) ?? fullWalk(entries, context, declared, bridges, host, memo, errors);
  if (errors.length > 0) return fail(...errors);
  memo.lastWalk = walk;
  return ok({ spec: { name, host, bridges, overlays, containers: walk.containers }, containers: walk.list });
}

/** A walk of the containers' entries: what it made, and what the next walk may patch it from. */
export interface Walk {
  entries: object;
  context: string;
  containers: Record<string, ContainerSpec>;
  list: ContainerSpec[];
  /** The entries' keys in order, and by name their positions (made when first asked for). */
  keys: string[] | null;
  at: Map<string, number> | null;
  /** How many containers join docker0: while any does, the spec has it. */
  docker0: number;
}

/** A container's network and endpoints, before docker0's need is known and it is normalized. */
interface Entry {
  at: number;
  name: string;
  c: RawContainer;
  network: NetworkMode;
  endpoints: EndpointSpec[];
  known: ContainerSpec | null;
}

function entryOf(at: number, name: string, c: RawContainer | null, context: string, declared: Declared, memo: NormalForms, errors: TnetError[]): Entry {
  const raw = c ?? {};
  const known = memo.get(name, raw, context);
  const network = known?.network ?? resolveNetwork(name, raw, declared, errors);
  return { at, name, c: raw, network, endpoints: known?.networks ?? endpointsOf(raw, network), known };
}

const joinsDocker0 = (endpoints: readonly EndpointSpec[]): number => (endpoints.some((e) => e.network === DEFAULT_BRIDGE) ? 1 : 0);

/**
 * One walk for the entries remembered (all but the edited ones, in watch mode); the others are normalized
 * once docker0's need is known. Slots are taken in spec order, which addresses are allocated in.
 */
function fullWalk(
  entries: Record<string, RawContainer | null>, context: string, declared: Declared, bridges: Record<string, BridgeSpec>, host: HostSpec,
  memo: NormalForms, errors: TnetError[],
): Walk {
  const containers: Record<string, ContainerSpec> = {};
  const list: ContainerSpec[] = [];
  const fresh: Entry[] = [];
  const keys = Object.keys(entries);
  let docker0 = 0;
  for (const n of keys) {
    const e = entryOf(list.length, n, entries[n], context, declared, memo, errors);
    docker0 += joinsDocker0(e.endpoints);
    containers[n] = e.known as ContainerSpec;
    if (!e.known) fresh.push(e);
    list.push(e.known as ContainerSpec);
  }
  normalizeFresh(fresh, docker0, bridges, host, context, memo, errors, (f, spec) => (list[f.at] = containers[f.name] = spec));
  // A container named __proto__ sets the record's prototype, as it always has: it is no entry of the record,
  // and no walk is patched from this one.
  const proto = Object.hasOwn(entries, '__proto__');
  return { entries, context, containers, list: proto ? Object.values(containers) : list, keys: proto ? null : keys, at: null, docker0 };
}

/**
 * The last walk patched, when `entries` is its entries with a few values replaced (util/patch.ts, an edit of
 * a few containers of ten thousand): only those are looked at. Null when it is not.
 */
function patchedWalk(
  entries: Record<string, RawContainer | null>, context: string, declared: Declared, bridges: Record<string, BridgeSpec>, host: HostSpec,
  memo: NormalForms, errors: TnetError[],
): Walk | null {
  const last = memo.lastWalk;
  const patch = recordPatchOf(entries);
  if (!last || !patch || patch.from !== last.entries || last.context !== context || last.keys === null) return null;
  const keys = last.keys;
  const at = (last.at ??= new Map(keys.map((k, i) => [k, i])));
  const changed = patch.keys.map((n) => entryOf(at.get(n)!, n, entries[n], context, declared, memo, errors)).sort((a, b) => a.at - b.at);
  let docker0 = last.docker0;
  for (const e of changed) docker0 += joinsDocker0(e.endpoints) - joinsDocker0(last.list[e.at].networks);
  const items = changed.map((e) => e.known as ContainerSpec);
  normalizeFresh(changed.filter((e) => !e.known), docker0, bridges, host, context, memo, errors, (f, spec) => (items[changed.indexOf(f)] = spec));
  const containers = patchRecord(last.containers, keys, new Map(changed.map((e, i) => [e.name, items[i]])));
  if (containers === null) return null;
  return { entries, context, containers, list: patchList(last.list, changed.map((e) => e.at), items), keys, at, docker0 };
}

/** Normalizes the entries not remembered, docker0 added to `bridges` when some container joins it. */
function normalizeFresh(
  fresh: readonly Entry[], docker0: number, bridges: Record<string, BridgeSpec>, host: HostSpec, context: string, memo: NormalForms,
  errors: TnetError[], put: (f: Entry, spec: ContainerSpec) => void,
): void {
  if (docker0 > 0 && !bridges[DEFAULT_BRIDGE]) bridges[DEFAULT_BRIDGE] = implicitDocker0(host);
  for (const f of fresh) {
    const before = errors.length;
    const spec = normalizeContainer(f.name, f.c, f.network, f.endpoints, bridges, errors);
    put(f, spec);
    if (errors.length === before) memo.set(f.name, f.c, context, spec);
  }
}

/**
 * Watch mode re-reads a spec in which most entries did not change: the parse cache hands back the very same
 * (frozen) raw entry, and its normal form is remembered against it, frozen too, so that later stages can
 * tell unchanged containers by identity. Valid while the container's name and the context (declared bridges
 * and overlays, their raw settings) are unchanged. Held by whoever re-reads (LoadCache); a one-shot load
 * starts with an empty one.
 */
export class NormalForms {
  private readonly forms = new WeakMap<object, { name: string; context: string; spec: ContainerSpec }>();
  private last = '';
  /** The last walk that found no error: the next one may patch it (patchedWalk). */
  lastWalk: Walk | null = null;

  /** The context as last seen when it is unchanged: 10,000 comparisons of one string object, not of its text. */
  context(text: string): string {
    if (text !== this.last) this.last = text;
    return this.last;
  }

  get(name: string, c: RawContainer, context: string): ContainerSpec | null {
    const hit = this.forms.get(c);
    return hit && hit.name === name && hit.context === context ? hit.spec : null;
  }

  set(name: string, c: RawContainer, context: string, spec: ContainerSpec): void {
    if (Object.isFrozen(c) && this.forms.get(c)?.spec !== spec) this.forms.set(c, { name, context, spec: freeze(spec, true) });
  }
}

function normalizeOverlays(raw: Record<string, RawOverlay>, host: HostSpec): Record<string, OverlaySpec> {
  const out: Record<string, OverlaySpec> = {};
  for (const [name, o] of Object.entries(raw)) {
    const hosts = Object.fromEntries(Object.entries(o.hosts ?? {}).map(([h, v]) => [h, { underlay: v.underlay, ipRange: v.ipRange, ipRange6: opt6(v.ipRange6) }]));
    out[name] = { name, vni: o.vni, subnet: o.subnet, subnet6: opt6(o.subnet6), mtu: o.mtu ?? DEFAULT_MTU, icc: o.icc ?? host.icc, internal: o.internal ?? false, hosts };
  }
  return out;
}

function normalizeHost(raw: RawHost): HostSpec {
  return {
    ipForward: raw.ipForward ?? true,
    iptables: raw.iptables ?? true,
    ip6tables: raw.ip6tables ?? true,
    ipMasq: raw.ipMasq ?? true,
    icc: raw.icc ?? true,
  };
}

/** Docker's own docker0 when the spec uses it without declaring it. */
function implicitDocker0(host: HostSpec): BridgeSpec {
  return bridgeSpec(DEFAULT_BRIDGE, {}, DOCKER0_SUBNET, host);
}

function normalizeBridges(raw: Record<string, RawBridge | null>, host: HostSpec, errors: TnetError[]): Record<string, BridgeSpec> {
  const entries = Object.entries(raw).map(([n, b]) => [n, b ?? {}] as const);
  // Auto subnets avoid every declared one, valid or not yet validated.
  const taken: Cidr[] = entries.flatMap(([, b]) => (b.subnet ? [parseCidr(b.subnet)].filter((c): c is Cidr => c !== null) : []));
  const out: Record<string, BridgeSpec> = {};
  for (const [n, b] of entries) {
    const subnet = b.subnet ?? defaultSubnet(n, b, taken);
    if (subnet === null) {
      const message = `bridge ${n} has no subnet and 172.18.0.0/16-172.31.0.0/16 are all taken`;
      errors.push(invalid(joinPath(['bridges', n]), message, 'set subnet:'));
      continue;
    }
    out[n] = bridgeSpec(n, b, subnet, host);
  }
  return out;
}

/** '' for an external bridge: tnet cannot pick the subnet of a bridge it does not create (validate says so). */
function defaultSubnet(name: string, b: RawBridge, taken: Cidr[]): string | null {
  if (b.external) return '';
  if (name === DEFAULT_BRIDGE) return DOCKER0_SUBNET;
  const first = parseCidr(AUTO_POOL.first)!;
  for (let i = 0; i < AUTO_POOL.count; i++) {
    const candidate: Cidr = { network: first.network + i * 65536, prefix: 16 };
    if (taken.some((t) => overlaps(t, candidate))) continue;
    taken.push(candidate);
    return formatCidr(candidate);
  }
  return null;
}

/**
 * IPv6 text as the kernel and ip6tables-save print it (`fd00:1:0::/64` is `fd00:1::/64`), so that what is
 * read back compares equal; text that is no IPv6 stays as written for validation to name.
 */
function opt6(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text.includes('/') ? canonicalCidr6(text) : canonicalIpv6(text);
}

/** Docker's default gateway: the subnet's first address (the subnet-router anycast `::` is never handed out). */
function gateway6Of(b: RawBridge): string | null {
  if (b.gateway6 !== undefined) return opt6(b.gateway6);
  const cidr = b.subnet6 === undefined ? null : parseCidr6(b.subnet6);
  return cidr ? formatIpv6(cidr.network + 1n) : null;
}

function bridgeSpec(name: string, b: RawBridge, subnet: string, host: HostSpec): BridgeSpec {
  const cidr = parseCidr(subnet);
  return {
    name,
    subnet,
    gateway: b.gateway ?? (cidr ? formatIpv4(firstHost(cidr)) : ''),
    mtu: b.mtu ?? DEFAULT_MTU,
    ipRange: b.ipRange ?? null,
    subnet6: opt6(b.subnet6),
    gateway6: b.subnet6 === undefined && b.gateway6 === undefined ? null : gateway6Of(b),
    ipRange6: opt6(b.ipRange6),
    icc: b.icc ?? host.icc,
    internal: b.internal ?? false,
    external: b.external ?? false,
    uplink: b.uplink ?? null,
    overlay: null,
  };
}

/** docker run --net: the four modes, or a bridge's name as a user-defined network. */
function resolveNetwork(name: string, c: RawContainer, declared: Declared, errors: TnetError[]): NetworkMode {
  const net = c.network ?? 'bridge';
  if (c.networks !== undefined) return resolveNetworks(name, c, net, errors);
  // The common case first, before any path or list is built for a message.
  if (net === 'bridge') return { kind: 'bridge', bridge: c.bridge ?? defaultBridge(declared) };
  const path = joinPath(['containers', name, 'network']);
  const bridgeConflict = () =>
    errors.push(invalid(joinPath(['containers', name, 'bridge']), `conflicting options: bridge: ${c.bridge} and network: ${net}`, 'bridge: applies to bridge mode only'));
  if (net === 'none' || net === 'host' || net.startsWith('container:')) {
    if (c.bridge !== undefined) bridgeConflict();
    if (net === 'none' || net === 'host') return { kind: net };
    const target = net.slice('container:'.length);
    if (target === '') errors.push(invalid(path, 'network: container: needs a container name', 'write container:<name>'));
    return { kind: 'container', target };
  }
  if (declared.bridges.includes(net) || declared.overlays.includes(net)) {
    if (c.bridge !== undefined && c.bridge !== net) bridgeConflict();
    return { kind: 'bridge', bridge: net };
  }
  const close = didYouMean(net, [...MODES, ...declared.bridges, ...declared.overlays]);
  errors.push(invalid(path, `network "${net}" is none of bridge, none, host, container:<name> or a declared bridge`, close ? `did you mean "${close}"?` : undefined));
  return { kind: 'none' };
}

/** `networks:`: bridge mode on several networks; the default route's network stands for the container's. */
function resolveNetworks(name: string, c: RawContainer, net: string, errors: TnetError[]): NetworkMode {
  const at = (f: string) => joinPath(['containers', name, f]);
  const nets = Object.keys(c.networks ?? {});
  if (net !== 'bridge') errors.push(invalid(at('network'), `conflicting options: networks: and network: ${net}`, 'networks: is bridge mode on several networks'));
  if (c.bridge !== undefined) errors.push(invalid(at('bridge'), 'conflicting options: bridge: and networks:', 'list the bridge under networks:'));
  if (c.ip !== undefined) errors.push(invalid(at('ip'), 'ip: applies to one network: with networks:, give it per network', 'write networks: {<name>: {ip: …}}'));
  if (c.ip6 !== undefined) errors.push(invalid(at('ip6'), 'ip6: applies to one network: with networks:, give it per network', 'write networks: {<name>: {ip6: …}}'));
  if (c.mac !== undefined) errors.push(invalid(at('mac'), 'mac: applies to one network: with networks:, give it per network', 'write networks: {<name>: {mac: …}}'));
  if (nets.length === 0) {
    errors.push(invalid(at('networks'), 'networks: is empty', 'name at least one network, or use network: none'));
    return { kind: 'none' };
  }
  if (c.gateway !== undefined && !nets.includes(c.gateway)) {
    errors.push(invalid(at('gateway'), `gateway: ${c.gateway} is not one of the container's networks (${nets.join(', ')})`));
  }
  return { kind: 'bridge', bridge: c.gateway !== undefined && nets.includes(c.gateway) ? c.gateway : nets[0] };
}

/** Bridge mode's networks in interface order: `bridge:` (with the container's ip and mac) or `networks:`. */
function endpointsOf(c: RawContainer, mode: NetworkMode): EndpointSpec[] {
  if (mode.kind !== 'bridge') return [];
  if (c.networks === undefined) return [{ network: mode.bridge, ip: c.ip ?? null, ip6: opt6(c.ip6), mac: c.mac?.toLowerCase() ?? null, aliases: [] }];
  return Object.entries(c.networks).map(([network, e]) => ({
    network,
    ip: e?.ip ?? null,
    ip6: opt6(e?.ip6),
    mac: e?.mac?.toLowerCase() ?? null,
    aliases: [...(e?.aliases ?? [])],
  }));
}

interface Declared {
  bridges: string[];
  overlays: string[];
}

/** Docker's rule, the only bridge else docker0; a spec with no bridge and one overlay puts containers on it. */
function defaultBridge({ bridges, overlays }: Declared): string {
  if (bridges.length === 1) return bridges[0];
  return bridges.length === 0 && overlays.length === 1 ? overlays[0] : DEFAULT_BRIDGE;
}

function normalizeContainer(
  name: string, c: RawContainer, network: NetworkMode, networks: EndpointSpec[], bridges: Record<string, BridgeSpec>, errors: TnetError[],
): ContainerSpec {
  // Paths are made only for an entry that fails to parse.
  const at = (field: string) => (i: number) => joinPath(['containers', name, field, i]);
  if (c.gateway !== undefined && c.networks === undefined) {
    errors.push(invalid(joinPath(['containers', name, 'gateway']), 'gateway: picks one of several networks: it needs networks:', 'the bridge\'s gateway is set under bridges:'));
  }
  // With several networks each endpoint takes its own network's MTU unless the container sets one.
  const single = network.kind === 'bridge' && networks.length === 1 ? bridges[network.bridge]?.mtu ?? null : null;
  return {
    name,
    network,
    networks,
    host: c.host ?? null,
    ip: c.networks === undefined ? c.ip ?? null : null,
    ip6: c.networks === undefined ? opt6(c.ip6) : null,
    mac: c.networks === undefined ? c.mac?.toLowerCase() ?? null : null,
    mtu: c.mtu ?? single,
    hostname: c.hostname ?? name,
    dns: [...(c.dns ?? [])],
    dnsSearch: [...(c.dnsSearch ?? [])],
    dnsOptions: [...(c.dnsOptions ?? [])],
    extraHosts: collect(c.extraHosts, parseExtraHost, at('extraHosts'), errors),
    links: collect(c.links, parseLink, at('links'), errors),
    expose: collect(c.expose, parseExpose, at('expose'), errors),
    ports: collect(c.ports, parsePortMapping, at('ports'), errors),
    publishAll: c.publishAll ?? false,
    netns: c.netns ?? null,
  };
}

/**
 * Parse each entry; a bad one becomes an error at `pathOf(i)` and drops out, so the others still get checked.
 */
function collect<In, Out>(items: In[] | undefined, parse: (item: In) => Result<Out | Out[]>, pathOf: (i: number) => string, errors: TnetError[]): Out[] {
  const out: Out[] = [];
  if (items === undefined) return out;
  for (let i = 0; i < items.length; i++) {
    const r = parse(items[i]);
    if (!r.ok) {
      const path = pathOf(i);
      for (const e of r.errors) errors.push({ ...e, path });
    } else if (Array.isArray(r.value)) for (const v of r.value) out.push(v);
    else out.push(r.value);
  }
  return out;
}

/** docker --link name:alias; the alias defaults to the name. */
function parseLink(text: string): Result<LinkSpec> {
  const colon = text.indexOf(':');
  const target = colon < 0 ? text : text.slice(0, colon);
  const alias = colon < 0 ? text : text.slice(colon + 1);
  if (target === '' || alias === '') return fail(tnetError('invalid', `link "${text}" must be name or name:alias`));
  return ok({ target, alias });
}

/** docker --add-host name:ip, split at the first colon so IPv6 addresses survive. */
function parseExtraHost(text: string): Result<ExtraHost> {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return fail(tnetError('invalid', `extraHosts entry "${text}" must be name:ip`));
  return ok({ name: text.slice(0, colon), ip: text.slice(colon + 1) });
}

function invalid(path: string, message: string, hint?: string): TnetError {
  return tnetError('invalid', message, hint ? { path, hint } : { path });
}
