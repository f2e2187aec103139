// Checks the spec against the host before any action: objects in the way, missing external bridges, routes.

import type { DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { ListeningSocket, ObservedState } from '../model/observed.js';
import { overlaps, parseCidr } from '../util/ipv4.js';
import { formatCidr6, overlaps6, parseCidr6 } from '../util/ipv6.js';
import { mark, parseMark } from '../ownership/marks.js';
import { dnatRuleLists } from '../ownership/chains.js';
import { notOwnedBy, specOfOwner, specOwner } from '../ownership/rule-owner.js';
import { clashes, dnatListsOf, parsedDnat, type PublishedRule } from '../observe/published.js';
import type { Memo } from '../util/memo.js';
import type { FwRule, FwTableDesired } from '../model/firewall.js';
import { checkOverlayLinks, uplinkDevices } from './check-links.js';
import type { LinksByName } from './links-by-name.js';
import type { HostCheckMemo } from './memo.js';

/** `linkErrors`: checkHostLinks' (the planner remembers them apart: they depend on the links alone). */
/** `memo`: watch mode's, kept across passes (memo.ts); without one every rule is read. */
export function checkHost(desired: DesiredState, observed: ObservedState, links: LinksByName, linkErrors = checkHostLinks(desired, links), memo: HostCheckMemo | null = null): TnetError[] {
  const paths = memo ? memo.paths.get([desired.netns, observed.paths], () => checkPaths(desired, observed)) : checkPaths(desired, observed);
  return [
    ...linkErrors,
    ...checkRoutes(desired, observed),
    ...paths,
    ...checkPublished(desired, observed, memo),
    ...checkInUse(desired, observed, memo),
  ];
}

/** Host links in the way of the bridges, veths and VXLAN devices the spec wants, or missing under them. */
export function checkHostLinks(desired: DesiredState, links: LinksByName): TnetError[] {
  return [...checkLinks(desired, links), ...checkOverlayLinks(desired, links)];
}

const natOf = (tables: FwTableDesired[] | undefined): (readonly FwRule[])[] => {
  const chains = tables?.find((t) => t.table === 'nat')?.chains;
  return dnatRuleLists((c) => chains?.[c]);
};

/** The DNAT rules this spec wants, of both families, as published ports. */
function wantedPorts(desired: DesiredState, only?: Found): PublishedRule[] {
  return foundIn([...natOf(desired.firewall?.tables), ...natOf(desired.firewall?.tables6)], only);
}

/** The DNAT rules observed, of both families (ip6tables' when read). */
function observedPorts(observed: ObservedState, only?: Found): PublishedRule[] {
  return foundIn(dnatListsOf(observed.firewall), only);
}

/**
 * Which rules to parse: those passing `test`. `key` names what else the test depends on; with a memo, what
 * a list gave is found again by the list's array (a bridge's DNAT chain, wanted or observed, which an edit of
 * another bridge leaves the same).
 */
interface Found {
  test: (rule: FwRule) => boolean;
  key: string;
  memo: Memo<readonly FwRule[], PublishedRule[]> | null;
}

function foundIn(lists: (readonly FwRule[])[], only?: Found): PublishedRule[] {
  if (!only) return lists.flatMap((l) => parsedDnat(l));
  const { test, key, memo } = only;
  return lists.flatMap((l) => (memo ? memo.get(l, key, () => parsedDnat(l, test)) : parsedDnat(l, test)));
}

/**
 * Whether a rule names a port some socket holds (`--dport N `): each rule is read once, whatever the number of
 * sockets, where a search of its text per socket cost ten thousand rules times every listening port.
 */
function mentionsHeld(listening: readonly ListeningSocket[]): Omit<Found, 'memo'> {
  const held = new Set(listening.map((s) => s.port));
  return { key: [...held].sort((a, b) => a - b).join(' '), test: (rule) => {
    for (let i = rule.indexOf(DPORT); i !== -1; i = rule.indexOf(DPORT, i + 1)) {
      let j = i + DPORT.length;
      let port = 0;
      for (let c = rule.charCodeAt(j); c >= 48 && c <= 57; c = rule.charCodeAt(++j)) port = port * 10 + c - 48;
      if (j > i + DPORT.length && rule.charCodeAt(j) === 32 && held.has(port)) return true;
    }
    return false;
  } };
}

const DPORT = '--dport ';

/** `0.0.0.0:8080/tcp`, `[::]:8080/tcp`, `[2001:db8::1]:8080/tcp`. */
const where = (p: PublishedRule) =>
  p.family === 6 ? `[${p.hostIp ?? '::'}]:${p.hostPort}/${p.proto}` : `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}/${p.proto}`;

/** The container a published port leads to, by its address (of either family); the index is built at the first error only. */
function containerOf(desired: DesiredState): (p: PublishedRule) => string {
  let byIp: Map<string, string> | null = null;
  return (p) => {
    byIp ??= new Map(desired.endpoints.flatMap((e) => [
      [e.address.split('/')[0], e.container] as const,
      ...(e.address6 ? [[e.address6.split('/')[0], e.container] as const] : []),
    ]));
    return byIp.get(p.toIp) ?? p.toIp;
  };
}

/** A host port another spec already publishes (as `docker run -p` fails with "port is already allocated"). */
function checkPublished(desired: DesiredState, observed: ObservedState, memo: HostCheckMemo | null): TnetError[] {
  const own = specOwner(desired.spec);
  // Rules carrying this spec's own comment are not parsed: only another spec's can clash, and usually there is none.
  const others = observedPorts(observed, { test: notOwnedBy(own), key: own, memo: memo?.others ?? null }).filter((p) => p.owner !== own && specOfOwner(p.owner) !== null);
  if (others.length === 0) return [];
  const nameOf = containerOf(desired);
  const errors: TnetError[] = [];
  for (const w of wantedPorts(desired)) {
    const clash = others.find((o) => clashes(o, w));
    if (!clash) continue;
    const name = nameOf(w);
    errors.push(tnetError('conflict', `${name} publishes ${where(w)}, which tnet spec '${specOfOwner(clash.owner)}' already publishes as ${where(clash)}`, {
      path: `containers.${name}.ports`,
      hint: 'pick another host port, or bind it to another host address',
    }));
  }
  return errors;
}

/**
 * Each port this spec would newly publish where a socket of the host listens, with the first such socket
 * (as dockerd's bind fails with "address already in use"): the DNAT would take its traffic over. A port
 * this spec's rules already publish is not new: the service bound it after, and a re-apply of an unchanged
 * spec must not start failing for it (dockerd, too, checks only when a container starts).
 */
export function portsInTheWay(desired: DesiredState, observed: ObservedState, memo: HostCheckMemo | null = null): { port: PublishedRule; socket: ListeningSocket }[] {
  if (observed.listening.length === 0) return [];
  const own = specOwner(desired.spec);
  // Only rules naming a port some socket holds can be in its way: the others are not parsed at all.
  const found = { ...mentionsHeld(observed.listening), memo: memo?.mentions ?? null };
  // By family, protocol and port: a scan of every rule for every port grows with N² (two families at 1,000 ports).
  const mine = new Map<string, PublishedRule[]>();
  for (const p of observedPorts(observed, found)) {
    if (p.owner !== own) continue;
    const k = portKey(p);
    mine.set(k, [...(mine.get(k) ?? []), p]);
  }
  return wantedPorts(desired, found).flatMap((port) => {
    if (mine.get(portKey(port))?.some((m) => covers(m, port))) return [];
    const socket = observed.listening.find((s) => (port.family === 6 ? holds6(s, port) : holds(s, port)));
    return socket ? [{ port, socket }] : [];
  });
}

const portKey = (p: PublishedRule): string => `${p.family}/${p.proto}/${p.hostPort}`;

/** A rule already publishing the port on the same addresses or more, in the same family. */
const covers = (rule: PublishedRule, port: PublishedRule): boolean =>
  rule.family === port.family && rule.proto === port.proto && rule.hostPort === port.hostPort && (rule.hostIp === null || rule.hostIp === port.hostIp);

/**
 * Whether a socket holds the port an iptables DNAT would take: the same address, or either side every
 * address. A port on every address is DNATed on 127.0.0.1 too (see desired/firewall/rules.ts), so a socket
 * bound to loopback is in its way; IPv6-only sockets never are.
 */
const holds = (s: ListeningSocket, port: PublishedRule): boolean =>
  s.proto === port.proto && s.port === port.hostPort && s.ipv4 !== null && (s.ipv4 === '0.0.0.0' || port.hostIp === null || port.hostIp === s.ipv4);

/** The IPv6 address a socket holds; null for IPv4 sockets and IPv4-mapped ones (`::ffff:a.b.c.d`). */
const ipv6Held = (s: ListeningSocket): string | null => (s.ip.includes(':') && !/^::ffff:[\d.]+$/.test(s.ip) ? s.ip : null);

/**
 * The same for an ip6tables DNAT: a socket on `::` (IPv6-only or not), or on the mapped address; a mapping on
 * every address is in the way of a socket on any but ::1, which the IPv6 jumps leave alone.
 */
const holds6 = (s: ListeningSocket, port: PublishedRule): boolean => {
  const ip = ipv6Held(s);
  if (ip === null || s.proto !== port.proto || s.port !== port.hostPort) return false;
  return ip === '::' || (port.hostIp === null ? ip !== '::1' : port.hostIp === ip);
};

function checkInUse(desired: DesiredState, observed: ObservedState, memo: HostCheckMemo | null): TnetError[] {
  const nameOf = containerOf(desired);
  return portsInTheWay(desired, observed, memo).map(({ port, socket }) => {
    const name = nameOf(port);
    const bound = socket.ip.includes(':') ? `[${socket.ip}]:${socket.port}` : `${socket.ip}:${socket.port}`;
    const by = socket.owner ? `pid ${socket.owner.pid} (${socket.owner.comm})` : 'a process tnet could not name';
    const holding = socket.proto === 'tcp' ? 'already listens on' : 'is already bound to';
    return tnetError('conflict', `${name} publishes ${where(port)}, but ${by} ${holding} ${socket.proto} ${bound} on this host (address already in use)`, {
      path: `containers.${name}.ports`,
      hint: 'pick another host port, bind the mapping to another host address, or stop the service listening there',
    });
  });
}

function checkLinks(desired: DesiredState, byName: LinksByName): TnetError[] {
  const errors: TnetError[] = [];
  for (const b of desired.bridges) {
    const seen = byName.get(b.name);
    if (!b.owned && (!seen || seen.kind !== 'bridge')) {
      errors.push(tnetError('external-missing', `external bridge ${b.name} does not exist on this host`, {
        path: `bridges.${b.name}.external`,
        hint: 'create it first, or drop `external: true` to let tnet create and own it',
      }));
    } else if (b.owned && seen && seen.owner?.spec !== desired.spec) {
      errors.push(inTheWay('bridge', b.name, seen.alias, `bridges.${b.name}`, 'declare it with `external: true` to attach to it as it is'));
    }
  }
  // Naming (desired/veth-names.ts) gives an endpoint its own end or a name no interface holds: another link
  // there means the host changed between naming and planning, and is refused rather than taken over.
  for (const e of desired.endpoints) {
    const seen = byName.get(e.hostIf);
    const m = seen?.owner;
    if (seen && m?.spec !== desired.spec) {
      errors.push(inTheWay('interface', e.hostIf, seen.alias, `containers.${e.container}`, `remove ${e.hostIf}, or apply again`));
    } else if (m && mark(m.spec, m.kind, m.name) !== e.mark) {
      errors.push(tnetError('conflict', `interface ${e.hostIf} already exists as ${m.kind} ${m.name} of this spec, not as the veth of ${e.container}`, {
        path: `containers.${e.container}`,
        hint: 'apply again: host veth names are chosen anew from the interfaces the host holds',
      }));
    }
  }
  return errors;
}

/**
 * An endpoint whose host end is missing gets a new veth pair, its peer named eth0… in the namespace. An
 * interface of that name already there (a veth whose host end lost tnet's mark, one made by hand inside)
 * would make the kernel refuse halfway: it is refused here, named. Not in namespaces the plan makes anew
 * (`fresh`), nor in those not entered (a seal vouched for them, so their host end is there).
 */
export function checkInnerNames(desired: DesiredState, observed: ObservedState, byName: LinksByName, fresh: ReadonlySet<string>): TnetError[] {
  const errors: TnetError[] = [];
  for (const e of desired.endpoints) {
    if (byName.has(e.hostIf) || fresh.has(e.netns)) continue;
    const ns = observed.netns[e.netns];
    const inner = ns?.read ? ns.links.find((l) => l.name === e.ifname) : undefined;
    if (!inner) continue;
    const peer = inner.peerIfindex === null ? undefined : observed.links.find((l) => l.ifindex === inner.peerIfindex);
    const of = peer ? `, the peer of host interface ${peer.name}${peer.alias ? ` (alias "${peer.alias}")` : ''},` : '';
    errors.push(tnetError('conflict', `namespace ${e.netns} already has ${e.ifname}${of} which tnet did not make for container ${e.container}`, {
      path: `containers.${e.container}`,
      hint: peer ? `delete it (ip link del ${peer.name}), or give ${peer.name} back the alias tnet gave it, and apply again` : `delete it (ip -n ${e.netns} link del ${e.ifname}) and apply again`,
    }));
  }
  return errors;
}

function inTheWay(what: string, name: string, alias: string | null, path: string, hint: string) {
  const m = parseMark(alias);
  if (m) {
    return tnetError('conflict', `${what} ${name} already exists and belongs to tnet spec '${m.spec}'`, {
      path,
      hint: `apply this file as that spec (--name ${m.spec}, or name: ${m.spec}), or destroy spec '${m.spec}' first`,
    });
  }
  return tnetError('conflict', `${what} ${name} already exists and tnet did not create it`, { path, hint });
}

/** A bridge subnet must not shadow a route the host already has through another interface. */
function checkRoutes(desired: DesiredState, observed: ObservedState): TnetError[] {
  const ownDevs = new Set([...desired.bridges.map((b) => b.name), ...uplinkDevices(desired)]);
  const errors: TnetError[] = [];
  for (const b of desired.bridges.filter((x) => x.owned)) {
    const subnet = parseCidr(b.subnet)!;
    for (const r of observed.routes) {
      const dst = r.dst === 'default' ? null : parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
      if (!dst || !r.dev || ownDevs.has(r.dev) || !overlaps(dst, subnet)) continue;
      errors.push(tnetError('subnet-overlap', `bridge ${b.name} subnet ${b.subnet} overlaps the host route ${r.dst} dev ${r.dev}`, {
        path: `bridges.${b.name}.subnet`,
        hint: 'pick a subnet the host does not already reach through another interface',
      }));
    }
    errors.push(...routes6In(b, observed, ownDevs));
  }
  return errors;
}

/** The same for subnet6 and the host's IPv6 routes (its link-local ones, fe80::/64 on every link, never clash). */
function routes6In(b: DesiredState['bridges'][number], observed: ObservedState, ownDevs: ReadonlySet<string>): TnetError[] {
  const subnet = b.address6 ? parseCidr6(b.address6) : null;
  if (!subnet) return [];
  return (observed.routes6 ?? []).flatMap((r) => {
    const dst = r.dst === 'default' ? null : parseCidr6(r.dst.includes('/') ? r.dst : `${r.dst}/128`);
    if (!dst || !r.dev || ownDevs.has(r.dev) || !overlaps6(dst, subnet)) return [];
    return [tnetError('subnet-overlap', `bridge ${b.name} subnet6 ${formatCidr6(subnet)} overlaps the host route ${r.dst} dev ${r.dev}`, {
      path: `bridges.${b.name}.subnet6`,
      hint: 'pick a subnet6 the host does not already reach through another interface',
    })];
  });
}

function checkPaths(desired: DesiredState, observed: ObservedState): TnetError[] {
  return desired.netns
    .filter((n): n is Extract<typeof n, { kind: 'attached' }> => n.kind === 'attached')
    .filter((n) => !observed.paths[n.source])
    .map((n) => tnetError('netns-path', `netns ${n.source} does not exist or is not a network namespace`, {
      path: `containers.${n.name}.netns`,
      hint: 'give /proc/<pid>/ns/net of a running process, or a bind-mounted namespace file',
    }));
}
