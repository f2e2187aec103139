// What the kernel already holds for a spec, which allocation keeps: addresses from seals and namespaces,
// host ports from DNAT rules, the host ports other specs publish or the host's sockets hold, and the names
// of the host's interfaces.

import { containersOf } from '../spec/lookup.js';
import type { FirewallObserved } from '../model/firewall.js';
import type { ListeningSocket, ObservedLink, ObservedNetns } from '../model/observed.js';
import type { ContainerSpec, Spec } from '../model/spec.js';
import { netnsOfKey, parseMark, parseSeal } from '../ownership/marks.js';
import { specOwner } from '../ownership/rule-owner.js';
import { allPublished, type PublishedRule } from '../observe/published.js';
import { effectivePorts, heldPortKey, type Held } from './allocate.js';
import type { HeldLinks } from './veth-names.js';

/** Addresses held, by endpoint key: IPv4 (`v4`) and, on dual-stack networks, IPv6 (`v6`). */
export interface HeldAddresses {
  v4: Record<string, string>;
  v6: Record<string, string>;
}

/**
 * `links`: the host's; `netns`: the namespaces read inside (none before they are entered). A seal records
 * the IPv4 address and, on a dual-stack network, the IPv6 one; a namespace read holds them on eth0.
 */
export function heldAddresses(spec: string, links: ObservedLink[], netns: Record<string, ObservedNetns>): HeldAddresses {
  const out: HeldAddresses = { v4: {}, v6: {} };
  for (const l of links) {
    const m = l.owner;
    const sealed = m?.spec === spec && m.kind === 'veth' ? parseSeal(l.alias) : null;
    if (m && sealed) keep(out, m.name, sealed.address, sealed.address6);
  }
  return withNetnsAddresses(spec, out, netns);
}

/** `fromLinks` (heldAddresses of the same links, without namespaces) with what the namespaces read hold. */
export function withNetnsAddresses(spec: string, fromLinks: HeldAddresses, netns: Record<string, ObservedNetns>): HeldAddresses {
  let out: HeldAddresses | null = null;
  for (const ns of Object.values(netns)) {
    // A namespace not entered (its seal vouched for it) holds nothing more than its seal says.
    if (!ns.read) continue;
    const m = parseMark(ns.mark);
    if (m?.spec !== spec || m.name !== ns.name) continue;
    const eth0 = ns.links.find((l) => l.name === 'eth0');
    out ??= { v4: { ...fromLinks.v4 }, v6: { ...fromLinks.v6 } };
    keep(out, ns.name, eth0?.addrs[0], eth0?.addrs6?.[0]);
  }
  return out ?? fromLinks;
}

function keep(out: HeldAddresses, key: string, v4: string | undefined, v6: string | null | undefined): void {
  if (v4) out.v4[key] = v4.split('/')[0];
  if (v6) out.v6[key] = v6.split('/')[0];
}

/**
 * The host's interfaces by name, and the host veth ends of the spec by endpoint. Two links marked for one
 * endpoint (made by hand) keep the first name in sort order, whatever order `ip` lists them in.
 */
export function heldLinks(spec: string, links: readonly ObservedLink[]): HeldLinks {
  const own: Record<string, string> = {};
  for (const l of links) {
    const m = l.owner;
    if (m?.spec !== spec || m.kind !== 'veth') continue;
    if (!Object.hasOwn(own, m.name) || l.name < own[m.name]) own[m.name] = l.name;
  }
  return { own, names: links.map((l) => l.name) };
}

/**
 * Everything allocation must keep. `ips`, `ips6`: heldAddresses, `links`: heldLinks, computed once by the caller.
 * `rules`: the firewall as observed, `listening`: the host's sockets; null and none when not read (yet),
 * which only a spec without host ports to choose can do without. `chosen`: hasChosenPorts(spec), when the caller knows.
 */
export function held(
  spec: Spec,
  ips: Record<string, string>,
  links: HeldLinks,
  rules: FirewallObserved | null,
  listening: readonly ListeningSocket[] = [],
  ips6: Record<string, string> = {},
  chosen: boolean = hasChosenPorts(spec),
): Held {
  // Both are read only to choose host ports: a spec that names all of its own needs neither, nor the rules parsed.
  const published = chosen ? allPublished(rules) : [];
  return { ips, ips6, hostPorts: heldPorts(spec, published, ips, ips6), taken: takenPorts(spec.name, published), inUse: portsInUse(listening), links, chooses: chosen };
}

/** Ports published without a host port (`"80"`, publishAll): tnet picks one, and keeps it across applies. */
export function hasChosenPorts(spec: Spec): boolean {
  return containersOf(spec).some(choosesPort);
}

/** Whether tnet picks one of this container's host ports (hasChosenPorts, for one container). */
export const choosesPort = (c: ContainerSpec): boolean => effectivePorts(c).some((p) => p.hostPort === null);

/**
 * The host ports tnet chose earlier, read back from the spec's DNAT rules of both families (a mapping on
 * `[::]` only is in ip6tables alone). Rules of explicit host ports are skipped: with "8080:80" and "80" on
 * one container both map to port 80, and only the second was chosen.
 */
function heldPorts(spec: Spec, published: PublishedRule[], ips: Record<string, string>, ips6: Record<string, string>): Record<string, number> {
  if (published.length === 0) return {};
  // Keyed by endpoint (`<container>/<network>` past eth0): ports belong to the container.
  const byIp = new Map([...Object.entries(ips), ...Object.entries(ips6)].map(([key, ip]) => [ip, key]));
  const owner = specOwner(spec.name);
  const explicit = new Set(
    containersOf(spec).flatMap((c) => effectivePorts(c).flatMap((p) => (p.hostPort === null ? [] : [`${p.proto}/${p.hostPort}`]))),
  );
  const out: Record<string, number> = {};
  for (const p of published) {
    const key = byIp.get(p.toIp);
    if (key && p.owner === owner && !explicit.has(`${p.proto}/${p.hostPort}`)) out[heldPortKey(netnsOfKey(key), p.proto, p.toPort)] ??= p.hostPort;
  }
  return out;
}

/** `proto/port` of the host ports other specs publish, on either family: this spec's ephemeral ports avoid them. */
function takenPorts(spec: string, published: PublishedRule[]): string[] {
  const owner = specOwner(spec);
  return published.filter((p) => p.owner !== owner).map((p) => `${p.proto}/${p.hostPort}`);
}

/**
 * `proto/port` of the ports the host's sockets hold, on whichever address: a port tnet chooses is published
 * on every address unless the mapping names one, and skipping a port costs nothing.
 */
function portsInUse(listening: readonly ListeningSocket[]): string[] {
  return [...new Set(listening.map((s) => `${s.proto}/${s.port}`))];
}
