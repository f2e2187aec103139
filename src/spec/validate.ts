// Semantic checks of a normalized Spec: names, addresses, modes, links, published ports. No machine access.

import { isIP } from 'node:net';
import { tnetError, type TnetError } from '../model/errors.js';
import type { BridgeSpec, ContainerSpec, EndpointSpec, Spec } from '../model/spec.js';
import { broadcast, contains, containsCidr, overlaps, parseCidr, parseIpv4, type Cidr } from '../util/ipv4.js';
import { joinPath, lookupPos, type PosMap } from './yaml.js';
import { checkBridge6, checkEndpoint6, checkOverlaps6, checkPorts6 } from './validate-ipv6.js';
import { checkOverlays, checkPlaced, placementOf, type Placement } from './validate-overlays.js';
import { checkCidr, checkMtu, endpointPath, ifnameProblem, type Report, type Written } from './checks.js';
import { acrossKeys, checkDuplicateIps, checkDuplicateIps6, checkDuplicateMacs, checkDuplicateNetns, checkPublished } from './validate-across.js';
import { ContainerChecks, NO_CALLS, recorder, replay, type Call, type Remembered } from './validate-memo.js';
import type { Indexed, Kind } from './across-index.js';
import { listPatchOf } from '../util/patch.js';

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const LABEL = /^[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?$/;
const DNS_OPTION = /^[a-zA-Z0-9][a-zA-Z0-9_-]*(:[0-9]+)?$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

export interface ValidateOptions {
  /** spec.containers' values in order, when the caller has them: listing 10,000 entries costs ~5 ms. */
  containers?: readonly ContainerSpec[];
  /** Each container's own results from the loads before (watch mode); used only with `wrote`. */
  memo?: ContainerMemo;
}

/** What validate finds of one container alone: its reports, replayed in place, and its keys for the checks across. */
interface ContainerFacts extends Indexed {
  /** checkContainer's reports up to those that look at other containers. */
  own: readonly Call[];
  placement: readonly Call[];
}

export type ContainerMemo = ContainerChecks<ContainerFacts>;

export function containerMemo(): ContainerMemo {
  return new ContainerChecks<ContainerFacts>();
}

/** The containers a check across containers looks at, with their facts, in spec order. */
interface Subset {
  containers: readonly ContainerSpec[];
  facts: readonly ContainerFacts[];
}

/**
 * Every semantic error of the spec. `pos`, the positions of the parsed files, adds file:line:col to
 * each error; `wrote`, whether the text holds a field path (writtenIn), tells a field the user wrote from one
 * normalize filled in (without it, the positions tell).
 */
export function validate(spec: Spec, pos?: PosMap, wrote?: (path: string) => boolean, opts: ValidateOptions = {}): TnetError[] {
  const errors: TnetError[] = [];
  const report: Report = (path, message, hint, onKey) =>
    errors.push(tnetError('invalid', message, {
      path,
      ...(pos ? { pos: lookupPos(pos, path, onKey ? 'key' : 'value') } : {}),
      ...(hint ? { hint } : {}),
    }));
  const written = (path: string, fallback: boolean) => (wrote ? wrote(path) : pos ? pos.value.has(path) : fallback);
  for (const b of Object.values(spec.bridges)) checkBridge(b, report);
  for (const b of Object.values(spec.bridges)) checkBridge6(b, report);
  checkOverlaps(spec, report, written);
  checkOverlaps6(spec, report);
  checkOverlays(spec, report);
  const containers = opts.containers ?? Object.values(spec.containers);
  const placement = placementOf(spec);
  const memory = wrote && opts.memo ? opts.memo.under(JSON.stringify([spec.bridges, spec.overlays])) : null;
  const { facts, calls } = memory
    ? remembered(spec, containers, placement, written, memory)
    : { facts: containers.map((c) => containerFacts(spec, c, placement, written)), calls: null };
  for (let i = 0; i < containers.length; i++) {
    replay((calls?.[i] ?? facts[i]).own, report);
    checkWithOthers(spec, containers[i], report);
  }
  for (let i = 0; i < containers.length; i++) replay((calls?.[i] ?? facts[i]).placement, report);
  const among = (kind: Kind): Subset => (memory ? subset(containers, memory.index.involved(kind)) : { containers, facts });
  const ips = among('ips');
  checkDuplicateIps(spec, ips.containers, ips.facts, report, written);
  const ips6 = among('ips6');
  checkDuplicateIps6(ips6.containers, ips6.facts, report, written);
  const macs = among('macs');
  checkDuplicateMacs(macs.containers, macs.facts, report, written);
  checkDuplicateNetns(among('netns').containers, report);
  const published = among('published');
  checkPublished(published.containers, published.facts, report);
  return errors;
}

function subset(containers: readonly ContainerSpec[], involved: ContainerFacts[]): Subset {
  return { containers: involved.map((f) => containers[f.at]), facts: involved };
}

// ---- what is found of each container alone

function containerFacts(spec: Spec, c: ContainerSpec, placement: Placement, written: Written): ContainerFacts {
  const own: Call[] = [];
  const placed: Call[] = [];
  checkContainer(spec, c, recorder(own), written);
  checkPlaced(spec, c, placement, recorder(placed), written);
  return { name: c.name, at: 0, seen: 0, own: own.length ? own : NO_CALLS, placement: placed.length ? placed : NO_CALLS, ...acrossKeys(spec, c) };
}

/**
 * Each container's facts from the loads before, or found now and kept. `calls`: for the few containers whose
 * reports depend on other entries (sharedNames), found again on this load, neither taken from nor kept in memory.
 */
function remembered(
  spec: Spec, containers: readonly ContainerSpec[], placement: Placement, written: Written, memory: Remembered<ContainerFacts>,
): { facts: ContainerFacts[]; calls: (ContainerFacts | undefined)[] | null } {
  const found: number[] = [];
  const factsOf = (c: ContainerSpec, i: number) => {
    const hit = memory.facts.get(c);
    if (hit) return hit;
    found.push(i);
    return containerFacts(spec, c, placement, written);
  };
  // A list patched from the last one checked (an edit of a few containers): only those are looked up.
  const patch = listPatchOf(containers);
  const last = memory.last;
  let facts: ContainerFacts[];
  if (patch && last && patch.from === last.containers) {
    facts = last.facts.slice();
    for (const i of patch.at) facts[i] = factsOf(containers[i], i);
    memory.index.updateAt(facts, patch.at);
  } else {
    facts = containers.map(factsOf);
    memory.index.update(facts);
  }
  memory.last = { containers, facts };
  const shared = sharedNames(memory.index.dotted.keys());
  for (const i of found) if (Object.isFrozen(containers[i]) && !shared.has(containers[i].name)) memory.facts.set(containers[i], facts[i]);
  if (shared.size === 0) return { facts, calls: null };
  const calls = containers.map((c) => (shared.has(c.name) ? containerFacts(spec, c, placement, written) : undefined));
  return { facts, calls };
}

/**
 * Names whose fields' `written` answers can depend on another entry: writtenIn tries every cut of a path at a
 * dot, so `containers.a.b.ip` may be read in container `a` (field `b…`) or in container `a.b`. `dotted`: the
 * names with a dot or bracket; they and every cut of them are checked afresh on each load. They are rare.
 */
function sharedNames(dotted: Iterable<string>): Set<string> {
  const shared = new Set<string>();
  for (const name of dotted) {
    shared.add(name);
    for (let i = 1; i < name.length; i++) if (name[i] === '.' || name[i] === '[') shared.add(name.slice(0, i));
  }
  return shared;
}

// ---- bridges

function checkBridge(b: BridgeSpec, report: Report): void {
  const at = (f: string) => joinPath(['bridges', b.name, f]);
  const nameProblem = ifnameProblem(b.name);
  if (nameProblem) report(joinPath(['bridges', b.name]), `bridge name "${b.name}" ${nameProblem}`, undefined, true);
  checkMtu(b.mtu, at('mtu'), report);
  if (b.subnet === '') {
    report(at('subnet'), `external bridge ${b.name} needs its subnet`, 'tnet never changes an external bridge, so it cannot pick one: give the subnet it has');
    return;
  }
  const subnet = checkCidr(b.subnet, at('subnet'), 'subnet', report);
  if (!subnet) return;
  if (subnet.prefix > 30) return report(at('subnet'), `subnet ${b.subnet} is too small: a bridge needs a /30 or larger`);
  checkGateway(b, subnet, at('gateway'), report);
  if (b.uplink !== null) checkUplink(b, report);
  if (b.ipRange === null) return;
  const range = checkCidr(b.ipRange, at('ipRange'), 'ipRange', report);
  if (range && !containsCidr(subnet, range)) report(at('ipRange'), `ipRange ${b.ipRange} is not inside subnet ${b.subnet}`);
}

function checkUplink(b: BridgeSpec, report: Report): void {
  const path = joinPath(['bridges', b.name, 'uplink']);
  if (b.external) return report(path, `external bridge ${b.name} cannot take an uplink`, 'tnet never changes an external bridge: enslave the interface yourself');
  const problem = ifnameProblem(b.uplink!);
  if (problem) report(path, `uplink "${b.uplink}" ${problem}`);
}

function checkGateway(b: BridgeSpec, subnet: Cidr, path: string, report: Report): void {
  const gw = parseIpv4(b.gateway);
  if (gw === null) return report(path, `gateway "${b.gateway}" is not an IPv4 address`);
  if (!contains(subnet, gw)) return report(path, `gateway ${b.gateway} is outside subnet ${b.subnet}`);
  if (gw === subnet.network) return report(path, `gateway ${b.gateway} is the network address of ${b.subnet}`);
  if (gw === broadcast(subnet)) report(path, `gateway ${b.gateway} is the broadcast address of ${b.subnet}`);
}

function checkOverlaps(spec: Spec, report: Report, written: Written): void {
  const bridges = Object.values(spec.bridges).flatMap((b) => {
    const c = b.subnet ? parseCidr(b.subnet) : null;
    return c ? [{ b, c }] : [];
  });
  bridges.forEach(({ b, c }, i) => {
    for (const other of bridges.slice(0, i)) {
      if (!overlaps(c, other.c)) continue;
      // Blame a bridge the user wrote, not the docker0 tnet added on its own.
      const implicit = !written(joinPath(['bridges', b.name]), true);
      const [here, there] = implicit ? [other.b, b] : [b, other.b];
      const why = implicit ? ' (docker0 is added because containers use it)' : '';
      report(joinPath(['bridges', here.name, 'subnet']), `subnet ${here.subnet} of bridge ${here.name} overlaps ${there.subnet} of bridge ${there.name}${why}`);
    }
  });
}

// ---- containers

/** A container alone, and the networks it joins. */
function checkContainer(spec: Spec, c: ContainerSpec, report: Report, written: Written): void {
  const at = (f: string) => joinPath(['containers', c.name, f]);
  const nameOk = CONTAINER_NAME.test(c.name) && c.name.length <= 63;
  if (!nameOk) {
    report(joinPath(['containers', c.name]), `container name "${c.name}" must be 1-63 of [a-zA-Z0-9_.-], starting with a letter or digit`, undefined, true);
  }
  // A bad name already says it all: no second error about the hostname taken from it. Whether the hostname
  // was written is looked up only for one that is not valid (a walk of the parsed text per container).
  if (!validHostname(c.hostname, 64)) {
    const hostnameGiven = written(at('hostname'), c.hostname !== c.name);
    if (nameOk || hostnameGiven) checkHostname(c, at('hostname'), report, hostnameGiven);
  }
  checkMtu(c.mtu, () => at('mtu'), report);
  checkResolver(c, report);
  if (c.netns !== null && !c.netns.startsWith('/')) report(at('netns'), `netns "${c.netns}" is not an absolute path`, 'e.g. /proc/<pid>/ns/net or /run/netns/<name>');
  if (c.network.kind === 'bridge') {
    c.networks.forEach((e) => checkEndpoint(spec, c, e, report, written));
    c.networks.forEach((e) => checkEndpoint6(spec, c, e, report, written));
    checkPorts6(spec, c, report);
  } else checkConflicts(c, report, written);
}

/** What checkContainer leaves out, as it looks at other containers: made on every load, in the order it reported. */
function checkWithOthers(spec: Spec, c: ContainerSpec, report: Report): void {
  if (c.network.kind === 'container') checkChain(spec, c, report);
  for (let i = 0; i < c.links.length; i++) checkLink(spec, c, c.links[i].target, c.links[i].alias, joinPath(['containers', c.name, 'links', i]), report);
}

function checkHostname(c: ContainerSpec, path: string, report: Report, given: boolean): void {
  if (validHostname(c.hostname, 64)) return;
  if (given) report(path, `hostname "${c.hostname}" is not a valid host name (labels of letters, digits, '-' and '_', at most 64 characters)`);
  else report(joinPath(['containers', c.name]), `container name "${c.name}" is not a valid host name, and hostname defaults to it`, 'set hostname:', true);
}

export function validHostname(name: string, max: number): boolean {
  return name.length > 0 && name.length <= max && name.split('.').every((l) => LABEL.test(l));
}

function checkResolver(c: ContainerSpec, report: Report): void {
  const item = (f: string, i: number) => joinPath(['containers', c.name, f, i]);
  c.dns.forEach((d, i) => isIP(d) === 0 && report(item('dns', i), `dns server "${d}" is not an IPv4 or IPv6 address`));
  c.dnsSearch.forEach((d, i) => !validHostname(d, 253) && report(item('dnsSearch', i), `search domain "${d}" is not a valid domain name`));
  c.dnsOptions.forEach((o, i) => !DNS_OPTION.test(o) && report(item('dnsOptions', i), `dns option "${o}" is not a resolv.conf option like ndots:2 or rotate`));
  c.extraHosts.forEach((h, i) => {
    if (!validHostname(h.name, 253)) report(item('extraHosts', i), `extraHosts name "${h.name}" is not a valid host name`);
    if (isIP(h.ip) === 0) report(item('extraHosts', i), `extraHosts address "${h.ip}" is not an IPv4 or IPv6 address`);
  });
}

/** Where an endpoint's field is written: at the container for `bridge:`, under `networks.<name>` for `networks:`. */
function checkEndpoint(spec: Spec, c: ContainerSpec, e: EndpointSpec, report: Report, written: Written): void {
  const at = (f: string) => endpointPath(c, e, f, written);
  const name = e.network;
  const bridge = spec.bridges[name];
  const overlay = spec.overlays[name];
  if (!bridge && !overlay) {
    const single = joinPath(['containers', c.name, written(joinPath(['containers', c.name, 'bridge']), true) ? 'bridge' : 'network']);
    const path = c.networks.length > 1 || written(joinPath(['containers', c.name, 'networks']), false) ? endpointPath(c, e, null, written) : single;
    report(path, `container ${c.name} uses network ${name}, which the spec does not declare`, 'declare it under bridges: or overlays:', path !== single);
  }
  if (e.mac !== null) checkMac(e.mac, at('mac'), report);
  e.aliases.forEach((a, i) => !validHostname(a, 253) && report(endpointPath(c, e, 'aliases', written, i), `alias "${a}" is not a valid host name`));
  if (e.ip === null || (!bridge && !overlay)) return;
  const ip = parseIpv4(e.ip);
  const subnetText = bridge?.subnet ?? overlay.subnet;
  const subnet = parseCidr(subnetText);
  if (ip === null) return report(at('ip'), `ip "${e.ip}" is not an IPv4 address`);
  if (!subnet) return;
  if (!contains(subnet, ip)) return report(at('ip'), `ip ${e.ip} is outside subnet ${subnetText} of ${bridge ? 'bridge' : 'overlay'} ${name}`);
  if (ip === subnet.network) return report(at('ip'), `ip ${e.ip} is the network address of ${subnetText}`);
  if (ip === broadcast(subnet)) return report(at('ip'), `ip ${e.ip} is the broadcast address of ${subnetText}`);
  if (bridge && ip === parseIpv4(bridge.gateway)) report(at('ip'), `ip ${e.ip} is the gateway of bridge ${name}`);
}

function checkMac(mac: string, path: string, report: Report): void {
  if (!MAC.test(mac)) return report(path, `mac "${mac}" is not a MAC address like 02:42:ac:11:00:02`);
  if (parseInt(mac.slice(0, 2), 16) & 1) return report(path, `mac ${mac} is a multicast address`, 'the low bit of the first octet must be 0');
  if (/^(00:){5}00$/.test(mac)) report(path, 'mac 00:00:00:00:00:00 is not a usable address');
}

/** Docker's "conflicting options": fields that need an endpoint of the container's own. */
function checkConflicts(c: ContainerSpec, report: Report, written: Written): void {
  const mode = c.network.kind === 'container' ? `container:${c.network.target}` : c.network.kind;
  const isContainer = c.network.kind === 'container';
  const at = (f: string) => joinPath(['containers', c.name, f]);
  const conflict = (field: string, what: string) =>
    report(at(field), `conflicting options: ${what} and network: ${mode}`, hintFor(c.network.kind));
  if (c.ip !== null) conflict('ip', 'ip');
  if (c.ip6 !== null) conflict('ip6', 'ip6');
  if (c.mac !== null) conflict('mac', 'mac');
  if (c.mtu !== null) conflict('mtu', 'mtu');
  if (c.ports.length > 0) conflict('ports', 'port publishing');
  if (c.publishAll) conflict('publishAll', 'publishAll');
  if (c.links.length > 0) conflict('links', 'links');
  if (c.netns !== null && c.network.kind !== 'none') conflict('netns', 'netns');
  if (!isContainer) return;
  if (c.expose.length > 0) conflict('expose', 'port exposing');
  if (written(at('hostname'), c.hostname !== c.name)) conflict('hostname', 'hostname');
  if (c.dns.length > 0) conflict('dns', 'dns');
  if (c.dnsSearch.length > 0) conflict('dnsSearch', 'dnsSearch');
  if (c.dnsOptions.length > 0) conflict('dnsOptions', 'dnsOptions');
  if (c.extraHosts.length > 0) conflict('extraHosts', 'extraHosts');
}

function hintFor(kind: ContainerSpec['network']['kind']): string {
  if (kind === 'container') return 'the container shares the other one’s namespace, addresses, hosts and resolv.conf: set these there';
  if (kind === 'host') return 'the container uses the host’s own network: it has no endpoint or namespace of its own';
  return 'network: none has only lo: use network: bridge for an endpoint';
}

type Endpoint =
  | { kind: 'bridge'; owner: string; bridge: string }
  | { kind: 'none' | 'host'; owner: string }
  | { kind: 'unknown'; name: string }
  | { kind: 'loop'; chain: string[] };

/** Follow container:X to the container whose namespace it really is. */
function resolveEndpoint(spec: Spec, start: string): Endpoint {
  const chain: string[] = [];
  for (let name = start; ; ) {
    if (chain.includes(name)) return { kind: 'loop', chain: [...chain, name] };
    chain.push(name);
    const c = spec.containers[name];
    if (!c) return { kind: 'unknown', name };
    const n = c.network;
    if (n.kind === 'container') name = n.target;
    else return n.kind === 'bridge' ? { kind: 'bridge', owner: name, bridge: n.bridge } : { kind: n.kind, owner: name };
  }
}

function checkChain(spec: Spec, c: ContainerSpec, report: Report): void {
  if (c.network.kind !== 'container') return;
  const path = joinPath(['containers', c.name, 'network']);
  const end = resolveEndpoint(spec, c.name);
  if (end.kind === 'unknown') {
    const what = end.name === c.network.target ? 'no container of the spec' : `a chain through ${end.name}, which is not in the spec`;
    report(path, `network: container:${c.network.target} names ${what}`);
  } else if (end.kind === 'loop') {
    report(path, `network: container:${c.network.target} loops: ${end.chain.join(' → ')}`);
  } else if (end.kind !== 'bridge') {
    report(path, `network: container:${c.network.target} ends in ${end.owner}, which has network: ${end.kind}`, `use network: ${end.kind}`);
  }
}

function checkLink(spec: Spec, c: ContainerSpec, target: string, alias: string, path: string, report: Report): void {
  if (!validHostname(alias, 253)) report(path, `link alias "${alias}" is not a valid host name`);
  if (target === c.name) return report(path, `container ${c.name} links to itself`);
  if (c.network.kind !== 'bridge') return; // reported as a conflicting option
  const end = resolveEndpoint(spec, target);
  if (end.kind === 'unknown' && end.name === target) return report(path, `link to ${target}, which is not a container of the spec`);
  if (end.kind !== 'bridge') return report(path, `link to ${target}, which has no bridge address`, 'a link needs a container in bridge mode (or container:X of one)');
  const theirs = spec.containers[end.owner].networks.map((e) => e.network);
  if (!c.networks.some((e) => theirs.includes(e.network))) {
    report(path, `link to ${target} on bridge ${end.bridge} from bridge ${c.network.bridge}`, 'links work between containers on the same bridge');
  }
}
