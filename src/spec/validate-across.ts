// Checks across containers (duplicate addresses, MACs, namespaces, host ports), over keys found once per container.

import type { ContainerSpec, PortMapping, Spec } from '../model/spec.js';
import { parseIpv6 } from '../util/ipv6.js';
import { joinPath } from './yaml.js';
import { endpointPath, type Report, type Written } from './checks.js';
import { formatPortMapping, portFamilies } from './ports.js';

/** One published host port, as the conflict check compares it. */
interface Published {
  key: string;
  owner: string;
  host: string | null;
  m: PortMapping;
  families: (4 | 6)[];
}

/**
 * What a container brings to the checks across containers, made from it and the networks alone, so that a
 * re-load keeps it with the container's other results; each pass below is then a loop of map lookups.
 * A list is null when nothing in it applies (most containers have no fixed address).
 */
export interface AcrossKeys {
  /** Per endpoint, where two equal keys are the same IPv4 address in the same place; null: no ip. */
  ips: (string | null)[] | null;
  ips6: (string | null)[] | null;
  macs: (string | null)[] | null;
  netns: string | null;
  published: Published[] | null;
}

export function acrossKeys(spec: Spec, c: ContainerSpec): AcrossKeys {
  const macs = c.networks.some((e) => e.mac !== null) ? c.networks.map((e) => e.mac) : null;
  return { ips: ipKeys(spec, c), ips6: ip6Keys(spec, c), macs, netns: c.netns, published: publishedOf(c) };
}

function ipKeys(spec: Spec, c: ContainerSpec): (string | null)[] | null {
  if (c.networks.every((e) => e.ip === null)) return null;
  return c.networks.map((e) => {
    if (e.ip === null) return null;
    // A plain bridge is local to each host: containers placed on different hosts do not meet there.
    const local = spec.bridges[e.network] && spec.bridges[e.network].uplink === null;
    return `${e.network}/${e.ip}${local && c.host ? `@${c.host}` : ''}`;
  });
}

function ip6Keys(spec: Spec, c: ContainerSpec): (string | null)[] | null {
  if (c.networks.every((e) => e.ip6 === null)) return null;
  return c.networks.map((e) => {
    const ip = e.ip6 === null ? null : parseIpv6(e.ip6);
    if (ip === null) return null;
    const local = spec.bridges[e.network] !== undefined;
    return `${e.network}/${ip}${local && c.host ? `@${c.host}` : ''}`;
  });
}

function publishedOf(c: ContainerSpec): Published[] | null {
  if (c.network.kind !== 'bridge') return null;
  const out: Published[] = [];
  for (const m of c.ports) {
    if (m.hostPort !== null) out.push({ key: `${m.proto}/${m.hostPort}`, owner: c.name, host: c.host, m, families: portFamilies(m) });
  }
  return out.length > 0 ? out : null;
}

export function checkDuplicateIps(spec: Spec, containers: readonly ContainerSpec[], keys: readonly AcrossKeys[], report: Report, written: Written): void {
  eachDuplicate(containers, keys, 'ips', (c, e, first) =>
    report(endpointPath(c, e, 'ip', written), `ip ${e.ip} is also the address of ${first} on ${spec.overlays[e.network] ? 'overlay' : 'bridge'} ${e.network}`));
}

export function checkDuplicateIps6(containers: readonly ContainerSpec[], keys: readonly AcrossKeys[], report: Report, written: Written): void {
  eachDuplicate(containers, keys, 'ips6', (c, e, first) => report(endpointPath(c, e, 'ip6', written), `ip6 ${e.ip6} is also the address of ${first} on ${e.network}`));
}

/** Each endpoint whose key (of one family) an earlier container's endpoint holds, with that container's name, in spec order. */
function eachDuplicate(
  containers: readonly ContainerSpec[], keys: readonly AcrossKeys[], family: 'ips' | 'ips6',
  found: (c: ContainerSpec, e: ContainerSpec['networks'][number], first: string) => void,
): void {
  const seen = new Map<string, string>();
  for (let i = 0; i < containers.length; i++) {
    const ips = keys[i][family];
    if (ips === null) continue;
    const c = containers[i];
    c.networks.forEach((e, j) => {
      const key = ips[j];
      if (key === null) return;
      const first = seen.get(key);
      if (first) found(c, e, first);
      else seen.set(key, c.name);
    });
  }
}

export function checkDuplicateMacs(containers: readonly ContainerSpec[], keys: readonly AcrossKeys[], report: Report, written: Written): void {
  const seen = new Map<string, string>();
  for (let i = 0; i < containers.length; i++) {
    if (keys[i].macs === null) continue;
    const c = containers[i];
    for (const e of c.networks) {
      if (e.mac === null) continue;
      const first = seen.get(e.mac);
      if (first) report(endpointPath(c, e, 'mac', written), `MAC address ${e.mac} is also used by ${first}`);
      else seen.set(e.mac, c.name);
    }
  }
}

export function checkDuplicateNetns(containers: readonly ContainerSpec[], report: Report): void {
  const seen = new Map<string, string>();
  for (const c of containers) {
    if (c.netns === null) continue;
    const first = seen.get(c.netns);
    if (first) report(joinPath(['containers', c.name, 'netns']), `netns ${c.netns} is also used by ${first}`, 'to share a namespace, use network: container:<name>');
    else seen.set(c.netns, c.name);
  }
}

/**
 * Same host port and protocol: a conflict when the addresses are equal or either is every address, and the
 * two can land on one host (same `host:`, or either without one, which means every host).
 */
export function checkPublished(containers: readonly ContainerSpec[], keys: readonly AcrossKeys[], report: Report): void {
  const seen = new Map<string, Published[]>();
  for (let i = 0; i < containers.length; i++) {
    const published = keys[i].published;
    if (published === null) continue;
    for (const p of published) {
      const list = seen.get(p.key);
      const clash = list?.find((o) => conflicts(o, p));
      if (clash) {
        const whose = clash.owner === p.owner ? 'itself' : clash.owner;
        report(joinPath(['containers', p.owner, 'ports']), `${p.owner} publishes ${formatPortMapping(p.m)}, which ${whose} already publishes as ${formatPortMapping(clash.m)}`);
      }
      if (list) list.push(p);
      else seen.set(p.key, [p]);
    }
  }
}

function conflicts(o: Published, p: Published): boolean {
  const sameHost = o.host === null || p.host === null || o.host === p.host;
  const sameFamily = o.families.some((f) => p.families.includes(f));
  return sameHost && sameFamily && (o.m.hostIp === null || p.m.hostIp === null || o.m.hostIp === p.m.hostIp);
}
